/**
 * Dashboard load time in Chromium at a 1600x1000 viewport: navigation start -> every chart in the
 * viewport drawn (performance mark `genscope:charts-drawn`; panels below the fold load when
 * scrolled near, components/lazy.tsx, and do not count) and -> every panel in it settled
 * (`genscope:ready`: KPI cards, tables and lists too); then the page is paged down a viewport a
 * frame and the full-page figure is navigation start -> every panel of the page settled. On a
 * small demo database (about 1,000 spans) and on a large one (the 1M-span demo), each served by
 * the real API (with the alerts routes) in a child process (bench/dashboard-bench-child.ts: a
 * synchronous read there must not stall the Playwright driver here), in the same run. Every navigation gets
 * a fresh browser context (cold cache, empty storage). The small database is the baseline: the
 * large/small ratio moves little when the shared machine is busy. Also prints what a load asks
 * for (requests before the charts were drawn, bytes, duplicates) and the API time of the
 * viewport's requests fetched one after another (the server's share). GENSCOPE_BENCH_DEBUG=1
 * prints the warm-up load's request timeline; GENSCOPE_BENCH_DEBUG=2 also each API request as the server
 * saw it (arrival, time to the answer).
 *
 * Targets from the issue: under 2 s on the small database (the original requirement), under
 * 1 s and within 1.2x of the small database at 1M spans. Printed, not asserted. Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH)
 * and the built dashboard (`npm run bench` builds first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from '../test/browser/chromium';
import type { Browser } from 'playwright-core';
import { fork } from 'node:child_process';
import { generateDemo } from '../cli/demo';
import { openDatabase } from '../store';

export interface DashboardBenchOptions {
  /** The large database (the 1M-span demo, e.g. bench/main.ts millionSpanDb). */
  largeDbPath: string;
  /** Timed navigations per database, after one warm-up (default 5). */
  navigations?: number;
  chromiumPath?: string;
  /** Built dashboard (default dashboard/dist of this checkout). */
  staticDir?: string;
  log?: (line: string) => void;
}

export interface DashboardTiming {
  spans: number;
  /** Navigation start -> every chart in the viewport drawn (`genscope:charts-drawn`). */
  chartsDrawnMs: number;
  /** Navigation start -> every panel in the viewport settled (`genscope:ready`: cards and tables too). */
  readyMs: number;
  /** Navigation start -> every panel of the page settled and every API request answered, paging down a viewport a frame once the viewport was settled. */
  fullPageMs: number;
  /** Panels in view at navigation (loaded) and below the fold (deferred), of the warm-up load. */
  chartsInView: number;
  panelsInView: number;
  panelsDeferred: number;
  /** API requests the page made before every chart in view was drawn, and in all (full page). */
  requestsInView: number;
  requests: number;
  /** The same URL requested twice in one load (the client shares identical requests in flight). */
  duplicates: number;
  /** Response bytes (decoded) of the requests before the charts were drawn. */
  bytesInView: number;
  /** The viewport's API requests, fetched one after another from Node (the server's share). */
  apiSerialMs: number;
}

export interface DashboardBenchResult {
  lines: string[];
  small: DashboardTiming;
  large: DashboardTiming;
}

const SMALL_TARGET_MS = 2000;
const LARGE_TARGET_MS = 1000;
/** The ratio the issue asks for: the 1M-span database within 1.2x of the small one. */
const RATIO_TARGET = 1.2;
/** The browser window of every load (a laptop-to-desktop screen; the KPI strip and about two rows of panels). */
export const VIEWPORT = { width: 1600, height: 1000 } as const;

function repoRoot(): string {
  // Sources run from bench/, compiled code from dist/bench/.
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'dashboard'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Span count and the newest span's time (the server's clock is set just after it). */
function describeDb(file: string): { spans: number; newestMs: number } {
  const db = openDatabase(file);
  try {
    const row = db.prepare('SELECT count(*) AS n, max(end_ns) / 1000000 AS newest FROM spans').get() as { n: number; newest: number | null };
    return { spans: row.n, newestMs: row.newest ?? Date.now() };
  } finally {
    db.close();
  }
}

interface ApiEntry {
  url: string;
  startMs: number;
  endMs: number;
  bytes: number;
}

interface LoadSample {
  charts: number;
  ready: number;
  full: number;
  /** When the paging down started and reached the end (ms after navigation start). */
  scroll: [number, number];
  chartsInView: number;
  panelsInView: number;
  panelsDeferred: number;
  /** The first request of each URL. */
  api: ApiEntry[];
  /** Requests of a URL already asked for, while the page loaded. */
  duplicates: number;
  /** Where the main thread's time went up to the viewport's readiness (Chromium's Performance.getMetrics, ms). */
  cpu: Record<string, number>;
  /** The bundle loaded and parsed: DOMContentLoaded, ms after navigation start. */
  domContentLoadedMs: number;
}

/** One cold load: the viewport's marks, then scroll through the page until every panel has settled. */
async function load(browser: Browser, url: string): Promise<LoadSample> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    let inflight = 0;
    const isApi = (r: { url(): string }): boolean => r.url().includes('/api/v1/');
    page.on('request', (r) => void (isApi(r) && inflight++));
    page.on('requestfinished', (r) => void (isApi(r) && inflight--));
    page.on('requestfailed', (r) => void (isApi(r) && inflight--));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __genscopeReady?: boolean }).__genscopeReady === true, null, { timeout: 120_000 });
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const cpu: Record<string, number> = {};
    for (const m of metrics) if (/Duration$/.test(m.name)) cpu[m.name.replace(/Duration$/, '')] = m.value * 1000;
    const domContentLoadedMs = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? Number.NaN);
    const view = await page.evaluate(() => {
      const info = (window as unknown as { __genscope: { info(): { statuses: Record<string, string>; kinds: Record<string, string> } } }).__genscope.info();
      const ids = Object.keys(info.statuses);
      return {
        charts: performance.getEntriesByName('genscope:charts-drawn')[0]?.startTime ?? Number.NaN,
        ready: performance.getEntriesByName('genscope:ready')[0]?.startTime ?? Number.NaN,
        chartsInView: ids.filter((id) => info.kinds[id] === 'chart' && info.statuses[id] !== 'deferred').length,
        panelsInView: ids.filter((id) => info.statuses[id] !== 'deferred').length,
        panelsDeferred: ids.filter((id) => info.statuses[id] === 'deferred').length,
      };
    });
    // A person paging down: one viewport a frame to the end, then wait for every panel.
    const full = await page.evaluate(async () => {
      const w = window as unknown as { __genscopeReady?: boolean; __genscope: { info(): { statuses: Record<string, string> } } };
      const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
      const scrollFrom = performance.now();
      for (let y = 0; y + window.innerHeight < document.documentElement.scrollHeight; y += window.innerHeight) {
        window.scrollTo(0, y + window.innerHeight);
        await frame();
        await frame();
      }
      const scrolledAt = performance.now();
      const deadline = performance.now() + 120_000;
      for (;;) {
        if (performance.now() > deadline) throw new Error(`panels still loading after 2 min: ${JSON.stringify(w.__genscope.info().statuses)}`);
        const deferred = Object.values(w.__genscope.info().statuses).some((s) => s === 'deferred');
        if (deferred) window.scrollTo(0, document.documentElement.scrollHeight);
        if (!deferred && w.__genscopeReady === true) return { at: performance.now(), scrollFrom, scrolledAt };
        await frame();
      }
    });
    // Every request answered too (the detected changes for the chart markers come last): the
    // server is idle again, so the next load does not start behind this one's work.
    for (const deadline = Date.now() + 120_000; inflight > 0; ) {
      if (Date.now() > deadline) throw new Error(`API requests still in flight after 2 min`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const answered = await page.evaluate(() => performance.now());
    const api = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.name.includes('/api/v1/'))
        .map((e) => ({ url: e.name, startMs: e.startTime, endMs: e.responseEnd, bytes: e.decodedBodySize })),
    );
    // A request of the first load once (a live refresh asks again for the same URLs).
    const firstOfEach = api.filter((e, i) => api.findIndex((o) => o.url === e.url) === i);
    const lastAnswer = Math.max(...firstOfEach.map((e) => e.endMs));
    // Asked twice while loading (before every panel had settled; not a live refresh's repeat).
    const duplicates = api.filter((e) => e.startMs <= full.at).length - firstOfEach.filter((e) => e.startMs <= full.at).length;
    return { ...view, full: Math.max(full.at, Math.min(lastAnswer, answered)), scroll: [full.scrollFrom, full.scrolledAt], api: firstOfEach, duplicates, cpu, domContentLoadedMs };
  } finally {
    await context.close();
  }
}

async function measure(browser: Browser, file: string, staticDir: string, navigations: number): Promise<DashboardTiming> {
  const { spans, newestMs } = describeDb(file);
  // "Last 30 days" means the 30 days that end with the data, however old the database file is.
  const offset = Date.now() - (newestMs + 60_000);
  const server = await startChild(file, staticDir, offset);
  try {
    const samples: LoadSample[] = [];
    for (let i = 0; i <= navigations; i++) samples.push(await load(browser, `${server.url}/`));
    // The warm-up load (not timed) tells which requests a load makes.
    const warm = samples.shift() as LoadSample;
    const inView = warm.api.filter((e) => e.startMs <= warm.charts);
    const urls = warm.api.map((e) => e.url);
    if (process.env.GENSCOPE_BENCH_DEBUG) {
      const med = (f: (x: LoadSample) => number): string => median(samples.map(f)).toFixed(0);
      const lastInView = (x: LoadSample): number => Math.max(...x.api.filter((e) => e.startMs <= x.charts).map((e) => e.endMs));
      console.log(
        `    median load: DOMContentLoaded ${med((x) => x.domContentLoadedMs)} ms, first API request ${med((x) => x.api[0]?.startMs ?? Number.NaN)} ms, ` +
          `last response in view ${med(lastInView)} ms, charts drawn ${med((x) => x.charts)} ms (${med((x) => x.charts - lastInView(x))} ms after the last response); ` +
          `main thread up to the viewport's readiness: ${Object.keys(warm.cpu).map((k) => `${k} ${med((x) => x.cpu[k] ?? Number.NaN)}`).join(', ')} ms`,
      );
      console.log(`    warm-up load: charts ${warm.charts.toFixed(0)} ms, ready ${warm.ready.toFixed(0)} ms, full page ${warm.full.toFixed(0)} ms (paged down from ${warm.scroll[0].toFixed(0)} to ${warm.scroll[1].toFixed(0)} ms)`);
      for (const e of warm.api) console.log(`    ${e.startMs.toFixed(0).padStart(6)} -> ${e.endMs.toFixed(0).padStart(6)} ms ${String(e.bytes).padStart(7)} B ${e.url.replace(server.url, '')}`);
    }
    // The server's share: the viewport's requests, one at a time (global performance: Node's clock).
    const t0 = globalThis.performance.now();
    const each: string[] = [];
    for (const e of inView) {
      const t = globalThis.performance.now();
      await (await fetch(e.url)).arrayBuffer();
      each.push(`${(globalThis.performance.now() - t).toFixed(0)} ms ${e.url.replace(server.url, '')}`);
    }
    const apiSerialMs = globalThis.performance.now() - t0;
    if (process.env.GENSCOPE_BENCH_DEBUG) console.log(`    API serial, each: ${each.join(', ')}`);
    return {
      spans,
      chartsDrawnMs: median(samples.map((x) => x.charts)),
      readyMs: median(samples.map((x) => x.ready)),
      fullPageMs: median(samples.map((x) => x.full)),
      chartsInView: warm.chartsInView,
      panelsInView: warm.panelsInView,
      panelsDeferred: warm.panelsDeferred,
      requestsInView: inView.length,
      requests: urls.length,
      duplicates: warm.duplicates,
      bytesInView: inView.reduce((a, e) => a + e.bytes, 0),
      apiSerialMs,
    };
  } finally {
    await server.close();
  }
}

/** The server in a child process (bench/dashboard-bench-child.ts). */
async function startChild(file: string, staticDir: string, offsetMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const isTs = __filename.endsWith('.ts');
  const child = fork(path.join(__dirname, `dashboard-bench-child${isTs ? '.ts' : '.js'}`), [file, staticDir, String(offsetMs)], {
    execArgv: isTs ? ['-r', 'ts-node/register/transpile-only'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await Promise.race([
    new Promise<string>((resolve) => child.once('message', (m) => resolve((m as { url: string }).url))),
    exited.then((code) => Promise.reject(new Error(`dashboard bench server exited with ${code}`))),
  ]);
  return {
    url,
    close: async () => {
      child.disconnect();
      await exited;
    },
  };
}

/** A small demo database (4 benchmark passes, about 1,000 spans), built fresh in a temp dir. */
async function smallDemoDb(): Promise<{ file: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-dash-bench-'));
  const file = path.join(dir, 'small.db');
  await generateDemo({ db: file, days: 2, runsPerDay: 1, seed: 11 });
  return { file, dir };
}

export async function benchDashboard(opts: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const log = opts.log ?? (() => undefined);
  const staticDir = opts.staticDir ?? path.join(repoRoot(), 'dashboard', 'dist');
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error(`dashboard not built in ${staticDir}: run npm run build`);
  const resolved = resolveChromium(opts.chromiumPath ? { ...process.env, CHROMIUM_PATH: opts.chromiumPath } : process.env);
  const navigations = opts.navigations ?? 5;

  log('dashboard: building the small demo database ...');
  const small = await smallDemoDb();
  const browser = await chromium.launch({ executablePath: resolved.executablePath, args: CHROMIUM_ARGS, env: { ...process.env, ...resolved.env } });
  try {
    log('dashboard: timing the small database ...');
    const s = await measure(browser, small.file, staticDir, navigations);
    log('dashboard: timing the large database ...');
    const l = await measure(browser, opts.largeDbPath, staticDir, navigations);
    const fmt = (n: number): string => n.toLocaleString('en-US');
    const ms = (n: number): string => `${Math.round(n)} ms`.padStart(8);
    const verdict = (v: number, target: number): string => (v < target ? `under the ${target / 1000} s target` : `OVER the ${target / 1000} s target`);
    const ratio = l.chartsDrawnMs / s.chartsDrawnMs;
    const row = (t: DashboardTiming): string =>
      `  ${fmt(t.spans).padStart(9)} spans   charts in view ${ms(t.chartsDrawnMs)}   panels in view ${ms(t.readyMs)}   full page ${ms(t.fullPageMs)}   API serial ${ms(t.apiSerialMs)}`;
    const loads = (t: DashboardTiming): string =>
      `  ${fmt(t.spans).padStart(9)} spans: ${t.chartsInView} charts and ${t.panelsInView - t.chartsInView} cards/tables in view, ${t.panelsDeferred} panels below the fold; ` +
      `${t.requestsInView} API requests (${(t.bytesInView / 1024).toFixed(0)} kB) before the charts were drawn, ${t.requests} for the full page, ${t.duplicates} duplicated`;
    const lines = [
      `dashboard in Chromium, viewport ${VIEWPORT.width}x${VIEWPORT.height}, default view (last 30 days), median of ${navigations} cold loads: navigation start ->`,
      `  every chart in the viewport drawn / every panel in it settled / every panel of the page settled and every request answered, paging down a viewport a frame once the viewport was settled`,
      `${row(s)}   (baseline; ${verdict(s.chartsDrawnMs, SMALL_TARGET_MS)})`,
      `${row(l)}   = ${ratio.toFixed(2)}x baseline (target ${RATIO_TARGET}x: ${ratio <= RATIO_TARGET ? 'met' : 'NOT met'}; ${verdict(l.chartsDrawnMs, LARGE_TARGET_MS)})`,
      `  full page: ${(l.fullPageMs / s.fullPageMs).toFixed(2)}x baseline; API serial = the viewport's requests fetched one after another from Node`,
      loads(s),
      loads(l),
    ];
    return { lines, small: s, large: l };
  } finally {
    await browser.close();
    fs.rmSync(small.dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const largeDbPath = process.argv[2];
  if (!largeDbPath) {
    console.error('usage: node dist/bench/dashboard-bench.js <1M-span database>');
    process.exitCode = 2;
  } else {
    benchDashboard({ largeDbPath, log: (l) => console.log(l) }).then(
      (r) => r.lines.forEach((l) => console.log(l)),
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
  }
}
