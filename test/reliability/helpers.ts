/**
 * Shared pieces of the reliability tests: temp files, telemetry records with known content,
 * child processes running compiled fixtures from dist/, and database checks (integrity, row
 * counts, rollups agreeing with raw rows).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';
import type { Db } from '../../store';
import { ATTR, EVENT, GEN_AI, SPAN } from '../../schema/names';
import type { MetricPointRecord, SpanRecord } from '../../schema/records';

export const ROOT = path.resolve(__dirname, '..', '..');

export function tempDir(prefix = 'genscope-rel-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A compiled fixture script; `npm test` builds dist/ first (`npm run build`). */
export function fixture(name: string): string {
  const file = path.join(ROOT, 'dist', 'test', 'reliability', 'fixtures', `${name}.js`);
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: run \`npm run build\` (the reliability tests spawn compiled fixtures)`);
  return file;
}

export function count(db: Db, sql: string, ...params: unknown[]): number {
  return Number((db.prepare(sql).get(...params) as { n: number | bigint | null }).n ?? 0);
}

export function integrity(db: Db): string {
  return String(db.pragma('integrity_check', { simple: true }));
}

/**
 * Rollups are written in the same transaction as raw rows, so after any crash they agree:
 * the hour rollup of runs counts exactly the stored run spans, and likewise model calls.
 */
export function rollupsAgree(db: Db): { runs: number; runRollup: number; calls: number; callRollup: number } {
  return {
    runs: count(db, "SELECT count(*) AS n FROM spans WHERE role = 'run'"),
    runRollup: count(db, "SELECT coalesce(sum(count), 0) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = '(run)'"),
    calls: count(db, 'SELECT count(*) AS n FROM model_calls'),
    callRollup: count(db, 'SELECT coalesce(sum(calls), 0) AS n FROM rollup_model_calls WHERE grain_s = 3600'),
  };
}

let seq = crypto.randomInt(1, 1_000_000);
function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export const TEST_RESOURCE = { [ATTR.serviceName]: 'reliability-test' };

/**
 * One component run at atMs as plain records: a run span, a stage span carrying a score and a
 * cache lookup, and a GenAI model call under the stage. Three spans.
 */
export function componentRunRecords(atMs: number, i: number, model = 'gpt-4o'): SpanRecord[] {
  const n = ++seq;
  const traceId = hex(n, 32);
  const startNs = BigInt(atMs) * 1_000_000n + 123_456n;
  const common = { traceId, kind: 0, statusCode: 0, links: [], resource: TEST_RESOURCE };
  const runAttrs = {
    [ATTR.componentId]: `component-${i % 17}`,
    [ATTR.componentType]: ['button', 'card', 'modal'][i % 3] ?? 'button',
    [ATTR.model]: model,
  };
  return [
    {
      ...common,
      spanId: hex(n * 4 + 1, 16),
      name: SPAN.run,
      startNs,
      endNs: startNs + 40_000_000n,
      statusCode: i % 10 === 0 ? 2 : 1,
      attributes: { ...runAttrs, [ATTR.costUsd]: 0.002 },
      events: [],
    },
    {
      ...common,
      spanId: hex(n * 4 + 2, 16),
      parentSpanId: hex(n * 4 + 1, 16),
      name: 'classify',
      startNs: startNs + 1_000_000n,
      endNs: startNs + 20_000_000n,
      attributes: { ...runAttrs, [ATTR.stage]: 'classify' },
      events: [
        {
          name: GEN_AI.evaluationEvent,
          timeNs: startNs + 19_000_000n,
          attributes: {
            [GEN_AI.evaluationName]: 'classification.accuracy',
            [GEN_AI.evaluationScoreValue]: (i % 5) / 4,
            [GEN_AI.evaluationScoreLabel]: 'button',
          },
        },
        { name: EVENT.cacheLookup, timeNs: startNs + 2_000_000n, attributes: { [ATTR.cacheName]: 'layout', [ATTR.cacheHit]: i % 2 === 0 } },
      ],
    },
    {
      ...common,
      spanId: hex(n * 4 + 3, 16),
      parentSpanId: hex(n * 4 + 2, 16),
      name: `chat ${model}`,
      kind: 2,
      startNs: startNs + 3_000_000n,
      endNs: startNs + 18_000_000n,
      attributes: {
        ...runAttrs,
        [ATTR.stage]: 'classify',
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.providerName]: 'openai',
        [GEN_AI.requestModel]: model,
        [GEN_AI.inputTokens]: 100 + i,
        [GEN_AI.outputTokens]: 20,
        [ATTR.costUsd]: 0.001,
      },
      events: [],
    },
  ];
}

export function metricPointRecord(atMs: number, i: number): MetricPointRecord {
  return {
    name: i % 2 ? 'pipeline.stage.duration' : 'genscope.cost',
    unit: i % 2 ? 's' : 'USD',
    type: i % 2 ? 'histogram' : 'sum',
    temporality: 1,
    monotonic: true,
    resource: TEST_RESOURCE,
    scopeName: 'reliability',
    attributes: { [ATTR.stage]: 'classify', i },
    timeNs: BigInt(atMs) * 1_000_000n + 987_654_321n,
    startTimeNs: BigInt(atMs - 10_000) * 1_000_000n,
    ...(i % 2
      ? { count: 3, sum: 0.6, min: 0.1, max: 0.3, bounds: [0.1, 0.25, 0.5], bucketCounts: [1, 1, 1, 0] }
      : { value: 0.25 * i }),
  };
}

/** A line-oriented child process: its stdout lines are collected and can be waited for. */
export interface Child {
  proc: ChildProcess;
  lines: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching, or rejects when the child exits first. */
  waitFor(re: RegExp): Promise<string>;
}

export function startChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.re.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  readline.createInterface({ input: proc.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      // Let the last stdout lines arrive before anyone reads them.
      setImmediate(() => {
        for (const w of waiters.splice(0))
          w.reject(new Error(`child exited (${code ?? signal}) before ${w.re}: ${stderr.join('\n')}`));
        resolve({ code, signal });
      });
    });
  });
  return {
    proc,
    lines,
    stderr,
    exited,
    waitFor(re) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
    },
  };
}

/** SIGKILL: no exit handler, no flush, no close; exactly what a crash or an OOM kill does. */
export async function kill(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  await child.exited;
}

/** Opens a file the way an operator would after a crash: a plain connection, no migrations. */
export function openRaw(file: string): Db {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return db;
}

/** One OTLP/JSON trace request: `spans` spans of one trace (a run and its stages), ids derived from batch. */
export function otlpJsonBatch(batch: number, spans: number, startMs: number, service = 'ingest-test'): { traceId: string; body: Buffer } {
  const traceId = `${batch.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`;
  const startNs = BigInt(startMs) * 1_000_000n;
  const list = Array.from({ length: spans }, (_, i) => {
    const s = startNs + BigInt(i) * 1_000_000n;
    return {
      traceId,
      spanId: `${batch.toString(16).padStart(8, '0')}${(i + 1).toString(16).padStart(8, '0')}`,
      ...(i > 0 ? { parentSpanId: `${batch.toString(16).padStart(8, '0')}${'1'.padStart(8, '0')}` } : {}),
      name: i === 0 ? 'pipeline.run' : 'classify',
      kind: 1,
      startTimeUnixNano: s.toString(),
      endTimeUnixNano: (s + 5_000_000n).toString(),
      attributes: [
        { key: 'pipeline.component.id', value: { stringValue: `c-${batch % 13}` } },
        { key: 'pipeline.component.type', value: { stringValue: 'button' } },
        ...(i > 0 ? [{ key: 'pipeline.stage', value: { stringValue: 'classify' } }] : []),
      ],
      status: { code: 1 },
    };
  });
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'reliability' }, spans: list }],
      },
    ],
  };
  return { traceId, body: Buffer.from(JSON.stringify(request)) };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** POSTs body; rejects when the connection fails (the server died): such a request is not acknowledged. */
export function post(url: string, body: Buffer, contentType: string, agent?: http.Agent): Promise<HttpAnswer> {
  return send(url, { method: 'POST', headers: { 'Content-Type': contentType }, body, ...(agent ? { agent } : {}) });
}

/** Any request with exact headers (raw: nothing is added but Content-Length for a body). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent } = {},
): Promise<HttpAnswer> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.agent ? { agent: options.agent } : {}),
        headers: { ...options.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      })
      .on('error', reject);
  });
}

/** Starts the server fixture on file and waits until it listens; returns the child and its URL. */
export async function startServerChild(file: string, options: Record<string, unknown> = {}): Promise<{ child: Child; url: string }> {
  const child = startChild(fixture('server-child'), [file, JSON.stringify(options)]);
  const line = await child.waitFor(/^listening /);
  return { child, url: line.slice('listening '.length) };
}

export interface SenderReport {
  acknowledged: string[];
  failed: { traceId: string; error: string }[];
  spans: number;
  elapsedMillis: number;
}

/** Starts the official-exporter sender fixture; `report` resolves when it is done. */
export function startSender(url: string, options: Record<string, unknown>): { child: Child; report: Promise<SenderReport> } {
  const child = startChild(fixture('otlp-sender'), [url, JSON.stringify(options)]);
  const report = child.exited.then(({ code }) => {
    const line = child.lines.find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`otlp-sender failed (${code}): ${child.stderr.join('\n')}`);
    return JSON.parse(line) as SenderReport;
  });
  return { child, report };
}

/** Runs the sender fixture to completion and returns its report. */
export function runSender(url: string, options: Record<string, unknown>): Promise<SenderReport> {
  return startSender(url, options).report;
}

/** Peak resident memory of a live process in bytes (Linux VmHWM), null where /proc is absent. */
export function peakRssBytes(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Spans stored per trace id. */
export function spansPerTrace(db: Db): Map<string, number> {
  return new Map(
    db
      .prepare<[], { trace_id: string; n: number }>('SELECT trace_id, count(*) AS n FROM span_view GROUP BY trace_id')
      .all()
      .map((r) => [r.trace_id, r.n]),
  );
}
