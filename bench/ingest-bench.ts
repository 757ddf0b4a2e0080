/**
 * Ingest under load: the server (its production assembly, test/reliability/fixtures/server-child)
 * on 127.0.0.1, fed by the official OpenTelemetry OTLP/HTTP protobuf exporter in a loop from
 * separate processes for a fixed time. Reports the sustained ingest rate in spans/s, the spans
 * lost (acknowledged by the server but not stored: must be 0), exports that failed even after the
 * exporter's retries, the 503s the backpressure gate answered, and the server's peak memory.
 *
 * Memory bound (documented, asserted by the reliability tests): with the default ingest gate
 * (32 requests and 64 MiB of declared bodies in flight) and the 16 MiB body limit, the server's
 * resident memory stays under INGEST_RSS_BOUND_BYTES: ~130 MiB of Node baseline with the API
 * loaded, plus at most 64 MiB of bodies in flight and their decoded form (a few times the wire
 * size for the one request being decoded at a time). Past the gate, requests are answered 503 +
 * Retry-After without their bodies being read, so more senders do not mean more memory.
 *
 * Runs from dist/ (`npm run bench` builds first); the child scripts are the compiled fixtures.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';

const MIB = 1024 * 1024;
/** See the header: the server's resident memory bound under the default ingest settings. */
export const INGEST_RSS_BOUND_BYTES = 400 * MIB;

export interface IngestLoadOptions {
  /** How long the senders send. Default 20 s. */
  durationMillis?: number;
  /** Sender processes. Default 2. */
  senders?: number;
  /** Exports in flight per sender. Default 4. */
  concurrency?: number;
  /** Spans per export (the SDK's default batch is 512). Default 512. */
  spansPerBatch?: number;
  /** Server options (server-child.ts ServerChildOptions). */
  server?: Record<string, unknown>;
  /**
   * 'exporter' (default): the official OTLP/HTTP protobuf exporter serializes every export.
   * 'replay': bodies serialized once by the official serializer, re-sent with fresh ids
   * (test/reliability/fixtures/otlp-replay.ts), so the senders cost little and the server is measured.
   */
  client?: 'exporter' | 'replay';
}

export interface IngestLoadResult {
  durationMillis: number;
  spansAcknowledged: number;
  spansStored: number;
  /** Acknowledged by the server (HTTP 200) but not in the database. Must be 0. */
  spansLost: number;
  /** Exports the official exporter gave up on after its retries (not acknowledged, so not lost). */
  failedExports: number;
  spansPerSec: number;
  /** OTLP requests the server saw, and those it answered 503 at the gate. */
  requests: number;
  refused: number;
  /** Write transactions the server committed (several requests share one when they wait together). */
  transactions: number;
  /** Peak resident memory of the server process (Linux VmHWM), or the largest sampled RSS. */
  peakRssBytes: number;
  /**
   * CPU time (user + system, all threads) the server spent while the senders sent, and the
   * senders' own CPU time over their runs (Linux /proc and process.cpuUsage()). Null where unknown.
   */
  serverCpuMicros: number | null;
  senderCpuMicros: number | null;
}

interface SenderReport {
  acknowledged: string[];
  failed: { traceId: string; error: string }[];
  spans: number;
  elapsedMillis: number;
  cpuMicros?: number;
}

interface HealthBody {
  process: { rssBytes: number };
  store: { batches: number } | null;
  ingest: { requests: number; refused: number } | null;
}

/** The project root (where package.json is), from the sources or from dist/. */
function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('genscope: project root not found');
}

function fixtureScript(name: string): string {
  const file = path.join(projectRoot(), 'dist', 'test', 'reliability', 'fixtures', `${name}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

function run(script: string, args: string[]): { proc: ChildProcess; lines: string[]; stderr: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => lines.push(l));
  readline.createInterface({ input: proc.stderr! }).on('line', (l) => stderr.push(l));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => setImmediate(() => resolve(code))));
  return { proc, lines, stderr, exited };
}

async function until<T>(get: () => T | undefined, what: string, timeoutMillis = 30_000): Promise<T> {
  const end = Date.now() + timeoutMillis;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function health(url: string): Promise<HealthBody> {
  const res = await fetch(`${url}/api/v1/health/self`);
  return (await res.json()) as HealthBody;
}

function vmHwm(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid ?? -1}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of a live process (all its threads) in microseconds, from /proc (Linux). */
function procCpuMicros(pid: number | undefined): number | null {
  try {
    // Fields after the command (which may hold spaces) in parentheses: utime is the 12th, stime the 13th.
    const stat = fs.readFileSync(`/proc/${pid ?? -1}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS_PER_SEC : null;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux build the kernel ABI allows for /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SEC = 100;

/** Runs the server and the senders, then counts what was stored against what was acknowledged. */
export async function runIngestLoad(options: IngestLoadOptions = {}): Promise<IngestLoadResult> {
  const durationMillis = options.durationMillis ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-ingest-bench-'));
  const file = path.join(dir, 'bench.db');
  const server = run(fixtureScript('server-child'), [file, JSON.stringify(options.server ?? {})]);
  try {
    const listening = await until(() => server.lines.find((l) => l.startsWith('listening ')), 'the server to listen');
    const url = listening.slice('listening '.length);
    const senderOptions = {
      durationMillis,
      spansPerBatch: options.spansPerBatch ?? 512,
      concurrency: options.concurrency ?? 4,
      // Spans made once and sent again and again under fresh ids: the client stays cheap, the server
      // stores every span it acknowledges (all distinct).
      reuseBatches: 8,
      ...(options.client === 'replay' ? { protocol: 'replay' } : {}),
    };
    const serverCpuBefore = procCpuMicros(server.proc.pid);
    const senders = Array.from({ length: options.senders ?? 2 }, () =>
      run(fixtureScript('otlp-sender'), [url, JSON.stringify(senderOptions)]),
    );
    let sampledPeak = 0;
    const sampler = setInterval(() => {
      health(url).then(
        (h) => {
          sampledPeak = Math.max(sampledPeak, h.process.rssBytes);
        },
        () => undefined,
      );
    }, 500);
    const codes = await Promise.all(senders.map((s) => s.exited));
    const serverCpuAfter = procCpuMicros(server.proc.pid);
    clearInterval(sampler);
    const h = await health(url);
    const peakRssBytes = Math.max(vmHwm(server.proc.pid) ?? 0, sampledPeak, h.process.rssBytes);
    server.proc.kill('SIGTERM');
    await server.exited;

    const reports = senders.map((s, i) => {
      const line = s.lines.find((l) => l.startsWith('{'));
      if (codes[i] !== 0 || !line) throw new Error(`sender failed (${codes[i]}): ${s.stderr.join('\n')}`);
      return { pid: s.proc.pid, report: JSON.parse(line) as SenderReport };
    });
    const db = new Database(file, { readonly: true });
    let spansStored = 0;
    let spansAcknowledged = 0;
    let spansLost = 0;
    for (const { pid, report } of reports) {
      const stored = Number(
        db
          .prepare('SELECT count(*) FROM spans s JOIN resources r ON r.id = s.resource_id WHERE r.service_name = ?')
          .pluck()
          .get(`otlp-sender-${pid}`),
      );
      spansStored += stored;
      spansAcknowledged += report.spans;
      spansLost += Math.max(0, report.spans - stored);
    }
    db.close();
    const elapsed = Math.max(...reports.map((r) => r.report.elapsedMillis));
    return {
      durationMillis: elapsed,
      spansAcknowledged,
      spansStored,
      spansLost,
      failedExports: reports.reduce((n, r) => n + r.report.failed.length, 0),
      spansPerSec: spansAcknowledged / (elapsed / 1000),
      requests: h.ingest?.requests ?? 0,
      refused: h.ingest?.refused ?? 0,
      transactions: h.store?.batches ?? 0,
      peakRssBytes,
      serverCpuMicros: serverCpuBefore !== null && serverCpuAfter !== null ? serverCpuAfter - serverCpuBefore : null,
      senderCpuMicros: reports.every((r) => typeof r.report.cpuMicros === 'number')
        ? reports.reduce((n, r) => n + (r.report.cpuMicros ?? 0), 0)
        : null,
    };
  } finally {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the CPU figures say about the spans/s line: the share of the cores the server and the
 * senders got over the run, and the rate their CPU per span would allow if they had every core to
 * themselves (a bound, not a measurement: it assumes perfect overlap of senders and server).
 */
function cpuBound(r: IngestLoadResult, cores: number): string[] {
  if (r.serverCpuMicros === null || r.senderCpuMicros === null || r.spansAcknowledged === 0) return [];
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const perSpan = (r.serverCpuMicros + r.senderCpuMicros) / r.spansAcknowledged;
  const share = (r.serverCpuMicros + r.senderCpuMicros) / 1000 / (r.durationMillis * cores);
  return [
    `  cores used by this bench      ${(share * 100).toFixed(0)}% of ${cores} (the rest went to other processes or idled)`,
    `  CPU bound, cores to itself    ${fmt((cores * 1e6) / perSpan)} spans/s at ${perSpan.toFixed(2)} us/span (server + senders; senders ${((r.senderCpuMicros / (r.serverCpuMicros + r.senderCpuMicros)) * 100).toFixed(0)}%)`,
  ];
}

/** The lines of one ingest run. */
function ingestLines(r: IngestLoadResult, title: string, senders: string): string[] {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const [load1] = os.loadavg();
  const cores = os.availableParallelism();
  const cpu = (micros: number | null, what: string): string =>
    micros === null
      ? 'unknown (no /proc)'
      : `${(micros / Math.max(1, r.spansAcknowledged)).toFixed(2)} us/span, ${((micros / 1000 / r.durationMillis) * 100).toFixed(0)}% of one core over the run${what}`;
  return [
    `${title}, 2 sender processes x 4 exports in flight, 512 spans each, ${(r.durationMillis / 1000).toFixed(1)} s on 127.0.0.1`,
    `  sustained ingest              ${fmt(r.spansPerSec)} spans/s (${fmt(r.spansAcknowledged)} acknowledged, ${fmt(r.spansStored)} stored)`,
    `  spans lost                    ${r.spansLost} (acknowledged but not stored; must be 0)`,
    `  exports failed after retries  ${r.failedExports}; requests ${fmt(r.requests)}, answered 503 at the gate ${fmt(r.refused)}`,
    `  write transactions            ${fmt(r.transactions)} (${(r.transactions > 0 ? (r.requests - r.refused) / r.transactions : 0).toFixed(2)} requests each on average)`,
    `  server peak memory            ${(r.peakRssBytes / MIB).toFixed(0)} MiB (bound ${(INGEST_RSS_BOUND_BYTES / MIB).toFixed(0)} MiB)`,
    // CPU per span does not depend on how busy the machine is; spans/s does (the senders and the
    // server share the cores with whatever else runs).
    `  server CPU                    ${cpu(r.serverCpuMicros, ' (all threads: HTTP, decode workers, SQLite writer)')}`,
    `  senders CPU                   ${cpu(r.senderCpuMicros, ` (${senders})`)}`,
    `  machine                       ${cores} cores, load average ${load1?.toFixed(2) ?? '?'} at the end (senders and server included)`,
    ...cpuBound(r, cores),
  ];
}

/**
 * `npm run bench`: 20 s of sustained OTLP ingest over loopback from the official exporter, then
 * 20 s from replayed bodies of the official serializer with fresh ids (a cheap client: on a
 * 2-core machine the exporter's serialization takes more CPU than the server, so the first run
 * measures the senders as much as the server).
 */
export async function benchIngest(): Promise<string[]> {
  const official = await runIngestLoad({ durationMillis: 20_000 });
  const replayed = await runIngestLoad({ durationMillis: 20_000, client: 'replay' });
  return [
    ...ingestLines(official, 'ingest: official OTLP/HTTP protobuf exporter', 'the 2 exporter processes'),
    ...ingestLines(replayed, 'ingest, replayed: bodies of the official serializer re-sent with fresh ids over HTTP', 'the 2 replaying processes'),
  ];
}
