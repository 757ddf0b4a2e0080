/**
 * The store at scale, on the bulk-built demo databases (bench/scale-db.ts): bytes per span all in
 * (file size and dbstat by table group), the rollup sketches' percentile error against exact
 * percentiles from raw spans, and the panel table: every panel endpoint (defaults, 24h/7d/30d,
 * filters) requested over loopback from the built CLI's `genscope serve`, p50/p95/max per
 * endpoint and the server's RSS. Figures are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentiles } from '../analysis';
import { PANELS } from '../schema/api';
import { openDatabase } from '../store';
import { BucketCounts, sketchQuantileNs, SKETCH_RELATIVE_ERROR } from '../store/histogram';
import { HOUR_GRAIN_S } from '../store/layout';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

function fmt(ms: number | undefined): string {
  return ms === undefined ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** Bytes on disk per span: the file (and its WAL) over the span count, and by table group from dbstat. */
export function bytesPerSpan(file: string): string[] {
  const db = openDatabase(file, { readonly: true });
  try {
    const spans = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    const owner = new Map(
      (db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string; tbl_name: string }[]).map(
        (r) => [r.name, r.tbl_name],
      ),
    );
    const groups = new Map<string, number>();
    for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]) {
      // `scores_rows` holds what the `scores` view reads (migration 182), `spans_rows` the `spans` view's (208).
      const table = (owner.get(r.name) ?? (r.name.startsWith('sqlite_autoindex_') ? r.name.replace(/^sqlite_autoindex_(.*)_\d+$/, '$1') : r.name)).replace(/^(scores|spans)_rows$/, '$1');
      const group = table.startsWith('rollup_')
        ? 'rollups'
        : table.startsWith('artefact')
          ? 'artefacts'
          : ['spans', 'scores', 'model_calls'].includes(table)
            ? table
            : 'other';
      groups.set(group, (groups.get(group) ?? 0) + r.bytes);
    }
    const fileBytes = ['', '-wal'].reduce((n, s) => n + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
    const per = (b: number) => (spans > 0 ? b / spans : 0).toFixed(0);
    return [
      `  bytes per span: ${per(fileBytes)} all in (${(fileBytes / MIB).toFixed(0)} MiB file for ${spans.toLocaleString('en-US')} spans); ` +
        ['spans', 'scores', 'model_calls', 'rollups', 'artefacts', 'other'].map((g) => `${g} ${per(groups.get(g) ?? 0)}`).join(', ') +
        ' (tables with their indexes, dbstat); ' +
        `telemetry without artefacts ${per(fileBytes - (groups.get('artefacts') ?? 0))}`,
    ];
  } finally {
    db.close();
  }
}

/**
 * The rollup sketch's p50/p95/p99 against the exact value from raw spans, over hour-aligned
 * windows (so the rollups cover exactly the raw rows compared), for a few ranges and filters.
 */
export function percentileError(file: string): string[] {
  const db = openDatabase(file, { readonly: true });
  try {
    const last = (db.prepare("SELECT max(start_ns) / 1000000 AS ms FROM spans WHERE role = 'run'").get() as { ms: number | null }).ms;
    if (last === null) return ['  percentile error: no runs'];
    const toMs = Math.floor(last / HOUR_MS) * HOUR_MS;
    const sample = db.prepare("SELECT component_type, model FROM spans WHERE role = 'run' AND component_type IS NOT NULL ORDER BY start_ns DESC LIMIT 1").get() as
      | { component_type: string; model: string }
      | undefined;
    const filters: { label: string; stage: string; where: string; params: string[] }[] = [
      { label: 'runs', stage: '(run)', where: '', params: [] },
      { label: 'stage=generate', stage: 'generate', where: '', params: [] },
      { label: 'stage=validate', stage: 'validate', where: '', params: [] },
    ];
    if (sample) {
      filters.push({ label: `runs componentType=${sample.component_type}`, stage: '(run)', where: ' AND component_type = ?', params: [sample.component_type] });
      filters.push({ label: `runs model=${sample.model}`, stage: '(run)', where: ' AND model = ?', params: [sample.model] });
    }
    const lines = [`  percentile error (rollup sketch vs exact from raw spans; stated bound ${(SKETCH_RELATIVE_ERROR * 100).toFixed(2)}%):`];
    let worst = 0;
    for (const [range, days] of [['24h', 1], ['7d', 7], ['30d', 30]] as const) {
      const fromNs = BigInt(toMs - days * DAY_MS) * 1_000_000n;
      const toNs = BigInt(toMs) * 1_000_000n;
      for (const f of filters) {
        const h = new BucketCounts();
        const hists = db
          .prepare(`SELECT latency_hist AS h FROM rollup_spans WHERE grain_s = ? AND bucket_ns >= ? AND bucket_ns < ? AND stage = ?${f.where}`)
          .pluck()
          .all(HOUR_GRAIN_S, fromNs, toNs, f.stage, ...f.params) as Uint8Array[];
        for (const blob of hists) h.addEncoded(blob);
        const exact = db
          .prepare(`SELECT duration_ns FROM spans WHERE start_ns >= ? AND start_ns < ? AND role IN ('run', 'stage') AND stage = ?${f.where}`)
          .pluck()
          .all(fromNs, toNs, f.stage, ...f.params) as number[];
        if (exact.length === 0) continue;
        const ex = percentiles(exact, [50, 95, 99]);
        const errs = [0.5, 0.95, 0.99].map((q, i) => {
          const s = sketchQuantileNs(h, q) ?? Number.NaN;
          const e = ex[i] ?? Number.NaN;
          return Math.abs(s - e) / e;
        });
        worst = Math.max(worst, ...errs);
        const pct = (x: number | undefined) => `${((x ?? Number.NaN) * 100).toFixed(2)}%`;
        lines.push(
          `    ${range.padEnd(4)} ${f.label.padEnd(34)} n=${String(exact.length).padStart(9)}  exact p95 ${fmt((ex[1] ?? 0) / 1e6).padStart(8)} ms  error p50 ${pct(errs[0])} p95 ${pct(errs[1])} p99 ${pct(errs[2])}`,
        );
      }
    }
    lines.push(`    worst: ${(worst * 100).toFixed(2)}% (bound ${(SKETCH_RELATIVE_ERROR * 100).toFixed(2)}%: ${worst <= SKETCH_RELATIVE_ERROR + 1e-12 ? 'within' : 'OUTSIDE'})`);
    return lines;
  } finally {
    db.close();
  }
}

/** Every panel with its defaults, over 24h/7d/30d, and with the filters the dashboard sends. */
export function panelEndpoints(sample: { componentType: string | null; model: string | null }): string[] {
  const out = ['/api/v1/filters'];
  for (const p of Object.values(PANELS)) {
    if (p === '/cost/budget') {
      out.push(`/api/v1${p}`);
      continue;
    }
    out.push(`/api/v1${p}`, `/api/v1${p}?range=24h`, `/api/v1${p}?range=7d`, `/api/v1${p}?range=30d`);
  }
  out.push('/api/v1/performance/latency?range=30d&stage=generate', '/api/v1/cost/over-time?range=30d&groupBy=model');
  if (sample.componentType) {
    const t = encodeURIComponent(sample.componentType);
    for (const p of ['/summary', '/performance/latency', '/performance/stages', '/quality/scores', '/cost/breakdown'])
      out.push(`/api/v1${p}?range=30d&componentType=${t}`);
  }
  if (sample.model) {
    const m = encodeURIComponent(sample.model);
    for (const p of ['/summary', '/performance/latency', '/cost/over-time', '/quality/accuracy']) out.push(`/api/v1${p}?range=7d&model=${m}`);
  }
  return out;
}

function getOnce(agent: http.Agent, url: string): Promise<{ status: number; bytes: number }> {
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

/** RSS now and at its peak (kernel's VmHWM) of a process, in bytes. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The 1-minute load average over the CPU count, e.g. "3.9 on 2 CPUs". */
function loadAverage(): string {
  return `${(os.loadavg()[0] ?? 0).toFixed(1)} on ${os.cpus().length} CPUs`;
}

/**
 * CPU time (user + system, ms) of a process's main thread: the event loop that answers requests
 * (worker threads excluded). Clock ticks of /proc/PID/task/PID/stat, 10 ms each on Linux.
 */
function mainThreadCpuMillis(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  // The fields after the command name (in parentheses, which may hold spaces): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `genscope serve` from the build (bin/genscope.js) on a free loopback port; resolves with its URL. */
async function startServe(file: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = path.join(__dirname, '..', '..', 'bin', 'genscope.js');
  const child = spawn(process.execPath, [bin, 'serve', '--db', file, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, GENSCOPE_TOKEN: '', GENSCOPE_HOST: '127.0.0.1' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`genscope serve did not start in 120 s: ${out}`)), 120_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /API\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`genscope serve exited with ${code}: ${out}`));
    });
  });
  child.stdout?.resume();
  return { child, url };
}

export interface PanelTableOptions {
  /** Timed requests per endpoint after 3 warm-ups (default 20). */
  requests?: number;
  /** The p95 floor the issue sets (ms, default 100); the target is half. */
  floorMillis?: number;
}

/** The panel table of one database, through the built CLI's server. */
export async function panelTable(file: string, label: string, options: PanelTableOptions = {}): Promise<string[]> {
  const n = options.requests ?? 20;
  const floor = options.floorMillis ?? 100;
  const db = openDatabase(file, { readonly: true });
  const sample = db
    .prepare("SELECT component_type AS componentType, model FROM spans WHERE role = 'run' AND component_type IS NOT NULL ORDER BY start_ns DESC LIMIT 1")
    .get() as { componentType: string | null; model: string | null } | undefined;
  db.close();
  const t0 = performance.now();
  const { child, url } = await startServe(file);
  const startSeconds = (performance.now() - t0) / 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const idle = rssOf(child.pid ?? 0);
  const lines = [
    `  ${label}: genscope serve (built CLI) on loopback, started in ${startSeconds.toFixed(1)} s, idle RSS ${(idle.rss / MIB).toFixed(0)} MiB; ${n} requests per endpoint after 3 warm-ups; load average ${loadAverage()}`,
    `    ${'endpoint'.padEnd(62)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ms wall; ${'cpu'.padStart(5)} ms of the server's event loop per request (mean)`,
  ];
  let worst = { p95: 0, path: '' };
  let worstCpu = { cpu: 0, path: '' };
  let over = 0;
  const endpoints = panelEndpoints(sample ?? { componentType: null, model: null });
  try {
    for (const p of endpoints) {
      let status = 0;
      for (let i = 0; i < 3; i++) status = (await getOnce(agent, `${url}${p}`)).status;
      const times: number[] = [];
      const cpu0 = mainThreadCpuMillis(child.pid ?? 0);
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        status = (await getOnce(agent, `${url}${p}`)).status;
        times.push(performance.now() - s);
      }
      const cpu = (mainThreadCpuMillis(child.pid ?? 0) - cpu0) / n;
      const [p50, p95] = percentiles(times, [50, 95]);
      const max = Math.max(...times);
      if ((p95 ?? 0) > worst.p95) worst = { p95: p95 ?? 0, path: p };
      if (cpu > worstCpu.cpu) worstCpu = { cpu, path: p };
      if ((p95 ?? 0) > floor) over++;
      lines.push(
        `    ${p.padEnd(62)} ${fmt(p50).padStart(7)} ${fmt(p95).padStart(7)} ${fmt(max).padStart(7)}          ${fmt(cpu).padStart(5)}${status === 200 ? '' : `  HTTP ${status}`}`,
      );
    }
    const rss = rssOf(child.pid ?? 0);
    lines.push(
      `    server RSS after the table ${(rss.rss / MIB).toFixed(0)} MiB, peak ${(rss.peak / MIB).toFixed(0)} MiB (bound 512 MiB: ${rss.peak <= 512 * MIB ? 'within' : 'OVER'})`,
      `    load average after the table ${loadAverage()} (wall times on a busy machine include waiting for a core; the cpu column does not)`,
      `    slowest p95 ${fmt(worst.p95)} ms (${worst.path}); endpoints over ${floor} ms: ${over} of ${endpoints.length}; over the ${floor / 2} ms target: ` +
        `${lines.filter((l) => /^\s{4}\/api/.test(l) && Number(l.trim().split(/\s+/)[2]) > floor / 2).length}; most cpu per request ${fmt(worstCpu.cpu)} ms (${worstCpu.path})`,
    );
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return lines;
}
