/**
 * API latency and server memory at scale: every panel endpoint (defaults and longer ranges)
 * requested over a real socket on 127.0.0.1 from a server in a child process, median and p95 per
 * endpoint and the server's peak RSS over them, against a naive baseline (the same answers
 * computed by scanning raw rows) measured in this process so machine noise cancels in the ratio;
 * and the peak RSS of a fresh server process while it streams a CSV export of the newest spans
 * (all of them, or a bounded window of the newest `exportRows`). The database is given (the
 * lead's 1M- or 10M-span demo); the app's clock is set just after its newest span, so "the last
 * 24 h" means the last 24 h of data.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentiles } from '../analysis';
import { openDatabase } from '../store';

export interface BenchApiOptions {
  dbPath: string;
  /** Timed requests per endpoint (default 30, after 3 warm-up requests). */
  requests?: number;
  /** Skip the CSV export memory measurement. */
  skipExport?: boolean;
  /** Export only the newest spans, about this many (a time window ending now; default: all). */
  exportRows?: number;
  /** The server RSS bound (MiB, default 512). */
  rssBoundMiB?: number;
  /** The p95 floor every panel endpoint must meet (ms, default 100). */
  floorMillis?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function getOnce(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** Endpoints timed: every panel with defaults, the heavier ones over longer ranges, and filters. */
function endpointList(sample: { componentType: string | null; model: string | null; runId: number | null }): string[] {
  const list = [
    '/api/v1/health',
    '/api/v1/filters',
    '/api/v1/summary',
    '/api/v1/summary?range=7d',
    '/api/v1/summary?range=30d',
    '/api/v1/quality/accuracy',
    '/api/v1/quality/accuracy?range=30d',
    '/api/v1/quality/confusion?range=30d',
    '/api/v1/quality/distribution',
    '/api/v1/quality/scores',
    '/api/v1/quality/scores?range=30d',
    '/api/v1/quality/breakdown?range=30d',
    '/api/v1/performance/latency',
    '/api/v1/performance/latency?range=7d',
    '/api/v1/performance/latency?range=30d',
    '/api/v1/performance/latency?range=30d&stage=generate',
    '/api/v1/performance/stages',
    '/api/v1/performance/stages?range=30d',
    '/api/v1/performance/heatmap',
    '/api/v1/performance/heatmap?range=30d',
    '/api/v1/performance/cache',
    '/api/v1/performance/cache?range=30d',
    '/api/v1/performance/benchmarks',
    '/api/v1/cost/over-time',
    '/api/v1/cost/over-time?range=30d&groupBy=model',
    '/api/v1/cost/breakdown?range=30d',
    '/api/v1/cost/breakdown?range=30d&groupBy=stage',
    '/api/v1/cost/components',
    '/api/v1/cost/budget',
    '/api/v1/trends',
    '/api/v1/trends?range=90d&metric=score',
    '/api/v1/runs',
    '/api/v1/benchmarks',
    // The rest of the dashboard's default view (last 30 days).
    '/api/v1/performance/models?range=30d',
    '/api/v1/cost/opportunities?range=30d',
    '/api/v1/quality/scores?groupBy=model&range=30d&score=code.quality',
    '/api/v1/alerts/changes',
  ];
  if (sample.componentType) {
    const t = encodeURIComponent(sample.componentType);
    list.push(`/api/v1/performance/latency?range=30d&componentType=${t}`, `/api/v1/summary?range=30d&componentType=${t}`);
  }
  if (sample.model) list.push(`/api/v1/cost/over-time?range=30d&model=${encodeURIComponent(sample.model)}`);
  if (sample.runId !== null) list.push(`/api/v1/runs/${sample.runId}`);
  return list;
}

/** Endpoints that draw a panel (held to the floor); runs lists and details are not panels. */
function isPanel(p: string): boolean {
  return !/\/api\/v1\/(health|runs|benchmarks)/.test(p);
}

interface ServerChild {
  url: string;
  idleRssBytes: number;
  /** The child's peak RSS so far (getrusage maxrss). */
  peakRssBytes: () => Promise<number>;
  stop: () => void;
}

/** The API server in a child process (bench/api-bench-child), so its RSS is the server's alone. */
async function startChild(dbPath: string, nowMs: number): Promise<ServerChild> {
  const isTs = __filename.endsWith('.ts');
  const child = fork(path.join(__dirname, `api-bench-child${isTs ? '.ts' : '.js'}`), [dbPath, String(nowMs)], {
    execArgv: isTs ? ['-r', 'ts-node/register/transpile-only'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const message = <T>(): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`api bench server exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  const ready = await message<{ url: string; rssBytes: number }>();
  return {
    url: ready.url,
    idleRssBytes: ready.rssBytes,
    peakRssBytes: async () => {
      const reply = message<{ peakRssBytes: number }>();
      child.send('report');
      return (await reply).peakRssBytes;
    },
    stop: () => child.kill(),
  };
}

interface ExportMeasure {
  rows: number;
  bytes: number;
  seconds: number;
  fromMs: number;
  baselineRssBytes: number;
  peakRssBytes: number;
}

/**
 * Streams the spans with start in [fromMs, nowMs) as CSV from a fresh server process; returns
 * its peak RSS. With maxRows the window starts at the maxRows-th newest span.
 */
async function measureExport(dbPath: string, firstMs: number, nowMs: number, maxRows: number | undefined): Promise<ExportMeasure> {
  const db = openDatabase(dbPath, { readonly: true });
  const nth =
    maxRows === undefined
      ? undefined
      : (db.prepare('SELECT start_ns / 1000000 AS ms FROM spans ORDER BY start_ns DESC LIMIT 1 OFFSET ?').get(maxRows - 1) as { ms: number } | undefined);
  const fromMs = nth === undefined ? firstMs : Math.floor(nth.ms);
  const rows = (db.prepare('SELECT count(*) AS n FROM spans WHERE start_ns >= ? AND start_ns < ?').get(BigInt(fromMs) * 1_000_000n, BigInt(nowMs) * 1_000_000n) as { n: number }).n;
  db.close();
  const server = await startChild(dbPath, nowMs);
  try {
    const t0 = performance.now();
    const res = await getOnce(`${server.url}/api/v1/export/spans.csv?from=${fromMs}&to=${nowMs}`);
    const seconds = (performance.now() - t0) / 1000;
    if (res.status !== 200) throw new Error(`export answered ${res.status}`);
    return { rows, bytes: res.bytes, seconds, fromMs, baselineRssBytes: server.idleRssBytes, peakRssBytes: await server.peakRssBytes() };
  } finally {
    server.stop();
  }
}

const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

/** The naive answers: exact run percentiles and stage means by a full scan of raw spans (no rollup, no index). */
function naiveBaseline(dbPath: string, fromNs: bigint, toNs: bigint, n: number): { latencyMs: number[]; stagesMs: number[] } {
  const db = openDatabase(dbPath, { readonly: true });
  const latency = db.prepare("SELECT duration_ns FROM spans NOT INDEXED WHERE role = 'run' AND start_ns >= ? AND start_ns < ?");
  const stages = db.prepare(
    "SELECT stage, count(*), avg(duration_ns), sum(status_code = 2) FROM spans NOT INDEXED WHERE role = 'stage' AND start_ns >= ? AND start_ns < ? GROUP BY stage",
  );
  const latencyMs: number[] = [];
  const stagesMs: number[] = [];
  for (let i = 0; i < n; i++) {
    let t0 = performance.now();
    const d = (latency.raw(true).all(fromNs, toNs) as [number][]).map((r) => r[0]);
    percentiles(d, [50, 95, 99]);
    latencyMs.push(performance.now() - t0);
    t0 = performance.now();
    stages.all(fromNs, toNs);
    stagesMs.push(performance.now() - t0);
  }
  db.close();
  return { latencyMs, stagesMs };
}

export async function benchApi(options: BenchApiOptions): Promise<string[]> {
  const n = options.requests ?? 30;
  const floor = options.floorMillis ?? 100;
  const db = openDatabase(options.dbPath);
  const stats = db
    .prepare("SELECT count(*) AS spans, max(start_ns) / 1000000 AS last_ms, min(start_ns) / 1000000 AS first_ms FROM spans")
    .get() as { spans: number; last_ms: number | null; first_ms: number | null };
  const nowMs = (stats.last_ms ?? Date.now()) + 60_000;
  const sample = db
    .prepare("SELECT id, component_type, model FROM spans WHERE role = 'run' AND start_ns >= ? ORDER BY start_ns DESC LIMIT 1")
    .get(BigInt(nowMs - 86_400_000) * 1_000_000n) as { id: number; component_type: string | null; model: string | null } | undefined;
  const lines: string[] = [];
  const days = stats.first_ms !== null && stats.last_ms !== null ? (stats.last_ms - stats.first_ms) / 86_400_000 : 0;
  lines.push(`api: ${stats.spans.toLocaleString('en-US')} spans over ${days.toFixed(1)} days; clock at the newest span; ${n} requests per endpoint after 3 warm-ups`);

  const rssBound = (options.rssBoundMiB ?? 512) * 1024 * 1024;
  const server = await startChild(options.dbPath, nowMs);
  let worstPanel = { p95: 0, path: '' };
  let panelPeakRss = 0;
  try {
    for (const p of endpointList({ componentType: sample?.component_type ?? null, model: sample?.model ?? null, runId: sample?.id ?? null })) {
      for (let i = 0; i < 3; i++) await getOnce(`${server.url}${p}`);
      const times: number[] = [];
      let status = 0;
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await getOnce(`${server.url}${p}`);
        times.push(performance.now() - t0);
        status = r.status;
        bytes = r.bytes;
      }
      const [median, p95] = percentiles(times, [50, 95]);
      if (isPanel(p) && (p95 ?? 0) > worstPanel.p95) worstPanel = { p95: p95 ?? 0, path: p };
      lines.push(`  ${p.padEnd(60)} median ${fmt(median).padStart(6)} ms  p95 ${fmt(p95).padStart(6)} ms  ${status === 200 ? '' : `HTTP ${status} `}${(bytes / 1024).toFixed(1)} KiB`);
    }
    panelPeakRss = await server.peakRssBytes();
  } finally {
    server.stop();
    agent.destroy();
  }
  lines.push(
    `  floor: every panel p95 <= ${floor} ms: ${worstPanel.p95 <= floor ? 'yes' : 'NO'} (slowest p95 ${fmt(worstPanel.p95)} ms: ${worstPanel.path})`,
    `  server peak RSS over the panels ${mib(panelPeakRss)} MiB (idle ${mib(server.idleRssBytes)} MiB; bound ${mib(rssBound)} MiB: ${panelPeakRss <= rssBound ? 'within' : 'OVER'})`,
  );

  const toNs = BigInt(nowMs) * 1_000_000n;
  const baseN = Math.max(3, Math.floor(n / 5));
  for (const [label, days] of [['24h', 1], ['30d', 30]] as const) {
    const base = naiveBaseline(options.dbPath, toNs - BigInt(days * 86_400_000) * 1_000_000n, toNs, baseN);
    const [lat] = percentiles(base.latencyMs, [50]);
    const [st] = percentiles(base.stagesMs, [50]);
    lines.push(`  naive baseline ${label} (full scan of spans): exact run p50/p95/p99 ${fmt(lat)} ms, stage means ${fmt(st)} ms (median of ${baseN})`);
  }
  db.close();

  if (!options.skipExport) {
    const e = await measureExport(options.dbPath, stats.first_ms ?? nowMs - 86_400_000, nowMs, options.exportRows);
    const scope = options.exportRows === undefined ? 'every span' : `the newest spans (last ${((nowMs - e.fromMs) / 3_600_000).toFixed(1)} h)`;
    lines.push(
      `  export spans.csv of ${scope}: ${e.rows.toLocaleString('en-US')} rows, ${mib(e.bytes)} MiB in ${e.seconds.toFixed(1)} s ` +
        `(${Math.round(e.rows / e.seconds).toLocaleString('en-US')} rows/s); server peak RSS ${mib(e.peakRssBytes)} MiB ` +
        `(idle ${mib(e.baselineRssBytes)} MiB; bound ${mib(rssBound)} MiB: ${e.peakRssBytes <= rssBound ? 'within' : 'OVER'})`,
    );
  }
  return lines;
}
