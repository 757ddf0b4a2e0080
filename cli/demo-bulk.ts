/**
 * `genscope demo --spans N`: the demo history in bulk, for databases of millions of spans. The
 * schedule is the small demo's (planDemo: the same runs, model switch, quality regression and
 * cost spike); the records are the reference pipeline's own: the first two runs of each kind
 * (client key: model, degradation, variant, spike) really run the pipeline with the simulated
 * client, their span records are captured, and every later run of that kind replays the last
 * capture with fresh ids, its own start time and per-component latency jitter. Everything goes
 * through the store's writer (so rows, rollups, scores and model calls are what the normal path
 * stores), in large transactions. Deterministic for a seed: ids come from a seeded generator and
 * the clock steps a seeded amount per reading instead of following real compute time.
 */
import { performance } from 'node:perf_hooks';
import { startTelemetry } from '../instrumentation';
import type { Clock } from '../instrumentation';
import { createPipelineResources } from '../pipeline';
import { createPriceBook } from '../exporter';
import { openDatabase, StoreWriter } from '../store';
import type { TelemetryWriter, WriteResult } from '../store';
import { ATTR, EVENT, SPAN } from '../schema/names';
import type { AttributeMap, LogRecordRecord, MetricPointRecord, SpanEventRecord, SpanRecord } from '../schema/records';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../store/worker-entry';
import { DEMO_RESOURCE, clientKey, compactDemo, demoClients, minuteRollupCutoffNs, demoReport, planDemo, runPlanned, runsPerDayFor } from './demo';
import type { DemoReport, PlannedRun } from './demo';

/** xoshiro128**: small, fast, 2^128 period (a 32-bit generator would repeat 64-bit ids at 10M spans). */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number) {
    // splitmix32 spreads a small seed over the whole state (all-zero state is impossible).
    let x = (Math.imul(seed | 0, 0x9e3779b9) ^ Math.imul(stream | 0, 0x85ebca6b)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `words` 32-bit words as lowercase hex, never all zeros (OTel's invalid id). */
  hex(words: number): string {
    for (;;) {
      let s = '';
      let any = 0;
      for (let i = 0; i < words; i++) {
        const w = this.u32();
        any |= w;
        s += w.toString(16).padStart(8, '0');
      }
      if (any !== 0) return s;
    }
  }

  uuid(): string {
    const h = this.hex(4);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The capture runs' clock: simulated time that sleeps advance (model latency), and that every
 * reading advances by a seeded step (standing for compute time), so stage durations are never
 * zero and never depend on how busy the machine is.
 */
export class SteppingClock implements Clock {
  private ns = 0n;
  constructor(
    private readonly random: SeededRandom,
    private readonly meanStepMillis: number,
  ) {}

  set(ns: bigint): void {
    this.ns = ns;
  }

  nowNs(): bigint {
    const stepMs = -Math.log(1 - this.random.next()) * this.meanStepMillis;
    this.ns += BigInt(Math.round(stepMs * 1e6));
    return this.ns;
  }

  sleep(ms: number): Promise<void> {
    this.ns += BigInt(Math.round(Math.max(0, ms) * 1e6));
    return Promise.resolve();
  }
}

/** Holds what the capture runs' telemetry writes, instead of storing it. */
class CaptureWriter implements TelemetryWriter {
  spans: SpanRecord[] = [];
  points: MetricPointRecord[] = [];
  logs: LogRecordRecord[] = [];
  writeSpans(spans: readonly SpanRecord[]): WriteResult {
    this.spans.push(...spans);
    return { accepted: spans.length, rejected: 0, warnings: [] };
  }
  writeMetricPoints(points: readonly MetricPointRecord[]): WriteResult {
    this.points.push(...points);
    return { accepted: points.length, rejected: 0, warnings: [] };
  }
  writeLogRecords(records: readonly LogRecordRecord[]): WriteResult {
    this.logs.push(...records);
    return { accepted: records.length, rejected: 0, warnings: [] };
  }
}

/** An attribute whose value is one of the template's ids, to be replaced by the replay's id. */
interface IdRef {
  key: string;
  kind: 0 | 1 | 2; // trace, span, benchmark run
  index: number;
}

interface TemplateEvent {
  event: SpanEventRecord;
  offset: number;
  ids: IdRef[];
}

interface TemplateSpan {
  record: SpanRecord;
  component: number;
  start: number;
  end: number;
  trace: number;
  span: number;
  parent: number;
  ids: IdRef[];
  events: TemplateEvent[];
  links: { trace: number; span: number; record: SpanRecord['links'][number] }[];
}

/** One captured benchmark run, as offsets (ns, from the run's planned start) and id indexes. */
interface Template {
  spans: TemplateSpan[];
  /** Component (pipeline.run) intervals in start order. */
  components: { start: number; end: number }[];
  traces: number;
  spanIds: number;
  benchmarks: number;
}

function buildTemplate(records: readonly SpanRecord[], originNs: bigint): Template {
  const traces = new Map<string, number>();
  const spanIds = new Map<string, number>();
  const benchmarks = new Map<string, number>();
  for (const r of records) {
    if (!traces.has(r.traceId)) traces.set(r.traceId, traces.size);
    if (!spanIds.has(r.spanId)) spanIds.set(r.spanId, spanIds.size);
    const b = r.attributes[ATTR.benchmarkRunId];
    if (typeof b === 'string' && !benchmarks.has(b)) benchmarks.set(b, benchmarks.size);
  }
  const idOf = (v: unknown): Omit<IdRef, 'key'> | null => {
    if (typeof v !== 'string') return null;
    const t = traces.get(v);
    if (t !== undefined) return { kind: 0, index: t };
    const s = spanIds.get(v);
    if (s !== undefined) return { kind: 1, index: s };
    const b = benchmarks.get(v);
    return b !== undefined ? { kind: 2, index: b } : null;
  };
  const refs = (attrs: AttributeMap): IdRef[] => {
    const out: IdRef[] = [];
    for (const [key, v] of Object.entries(attrs)) {
      const id = idOf(v);
      if (id) out.push({ key, ...id });
    }
    return out;
  };
  const off = (ns: bigint) => Number(ns - originNs);
  const runs = records
    .filter((r) => r.name === SPAN.run && r.parentSpanId === undefined)
    .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const componentOfTrace = new Map(runs.map((r, i) => [r.traceId, i]));
  return {
    components: runs.map((r) => ({ start: off(r.startNs), end: off(r.endNs) })),
    traces: traces.size,
    spanIds: spanIds.size,
    benchmarks: benchmarks.size,
    spans: records.map((r) => ({
      record: r,
      component: componentOfTrace.get(r.traceId) ?? -1,
      start: off(r.startNs),
      end: off(r.endNs),
      trace: traces.get(r.traceId) ?? 0,
      span: spanIds.get(r.spanId) ?? 0,
      parent: r.parentSpanId === undefined ? -1 : (spanIds.get(r.parentSpanId) ?? -1),
      ids: refs(r.attributes),
      // Replays carry no artefacts: the captured runs have theirs, copies would only fill the file.
      events: r.events.filter((e) => e.name !== EVENT.artefact).map((e) => ({ event: e, offset: off(e.timeNs), ids: refs(e.attributes) })),
      links: r.links.map((l) => ({ trace: traces.get(l.traceId) ?? -1, span: spanIds.get(l.spanId) ?? -1, record: l })),
    })),
  };
}

/** Spread of the per-component latency factor (log-normal sigma): runs of a kind differ like real ones. */
const JITTER_SIGMA = 0.18;

/**
 * A replay of template at atNs: fresh ids, and each component's time stretched by its own
 * factor; the gaps between components keep their length, so runs stay inside their benchmark
 * and children inside their parents.
 */
function replay(t: Template, atNs: bigint, random: SeededRandom): SpanRecord[] {
  const traces = Array.from({ length: t.traces }, () => random.hex(4));
  const spans = Array.from({ length: t.spanIds }, () => random.hex(2));
  const benchmarks = Array.from({ length: t.benchmarks }, () => random.uuid());
  const idValue = (r: IdRef): string => (r.kind === 0 ? traces : r.kind === 1 ? spans : benchmarks)[r.index] ?? '';
  const factor: number[] = [];
  const newStart: number[] = [];
  let prevEnd = 0;
  let prevNewEnd = 0;
  for (const c of t.components) {
    const f = Math.exp(JITTER_SIGMA * random.normal());
    const s = prevNewEnd + (c.start - prevEnd);
    factor.push(f);
    newStart.push(s);
    prevEnd = c.end;
    prevNewEnd = s + (c.end - c.start) * f;
  }
  const within = (offset: number, c: number): number => {
    const comp = t.components[c];
    return comp ? (newStart[c] ?? 0) + (offset - comp.start) * (factor[c] ?? 1) : offset;
  };
  // Outside components (the benchmark span): the latest component that started before offset.
  const anywhere = (offset: number): number => {
    let lo = 0;
    let hi = t.components.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((t.components[mid]?.start ?? 0) <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const comp = t.components[found];
    if (!comp) return offset;
    if (offset <= comp.end) return within(offset, found);
    return within(comp.end, found) + (offset - comp.end);
  };
  const at = (offset: number, c: number): bigint => atNs + BigInt(Math.round(c >= 0 ? within(offset, c) : anywhere(offset)));
  const withIds = (attrs: AttributeMap, ids: IdRef[]): AttributeMap => {
    if (ids.length === 0) return attrs;
    const copy = { ...attrs };
    for (const r of ids) copy[r.key] = idValue(r);
    return copy;
  };
  return t.spans.map((s) => {
    const r = s.record;
    const out: SpanRecord = {
      traceId: traces[s.trace] ?? '',
      spanId: spans[s.span] ?? '',
      name: r.name,
      kind: r.kind,
      startNs: at(s.start, s.component),
      endNs: at(s.end, s.component),
      statusCode: r.statusCode,
      attributes: withIds(r.attributes, s.ids),
      events: s.events.map((e) => ({
        name: e.event.name,
        timeNs: at(e.offset, s.component),
        attributes: withIds(e.event.attributes, e.ids),
      })),
      links: s.links.map((l) => ({
        traceId: l.trace >= 0 ? (traces[l.trace] ?? '') : l.record.traceId,
        spanId: l.span >= 0 ? (spans[l.span] ?? '') : l.record.spanId,
        attributes: l.record.attributes,
      })),
      resource: r.resource,
    };
    if (s.parent >= 0) out.parentSpanId = spans[s.parent] ?? '';
    if (r.statusMessage !== undefined) out.statusMessage = r.statusMessage;
    if (r.scopeName !== undefined) out.scopeName = r.scopeName;
    if (r.genAi !== undefined) out.genAi = r.genAi;
    return out;
  });
}

export interface BulkRecordsOptions {
  seed: number;
  days: number;
  runsPerDay: number;
  endMillis: number;
  /** Spans per yielded chunk (one write transaction each in the bulk builder). */
  chunkSpans: number;
}

export interface BulkChunk {
  spans: SpanRecord[];
  /** The capture runs' metrics (the SDK's histograms and counters), with the last chunk. */
  metricPoints: MetricPointRecord[];
  /** The capture runs' log records (none today: the pipeline's telemetry sends no logs), with the last chunk. */
  logRecords: LogRecordRecord[];
  runsDone: number;
  runsTotal: number;
}

/** Mean simulated compute time per clock reading in the capture runs (ms). */
const STEP_MILLIS = 1.5;
/** Real pipeline runs per client key before replays take over: a cold run, then a warm one. */
const CAPTURES_PER_KIND = 2;

/** The demo history's span records, in plan order, in chunks of about chunkSpans. */
export async function* bulkDemoRecords(options: BulkRecordsOptions): AsyncGenerator<BulkChunk> {
  const plan = planDemo(options);
  const clock = new SteppingClock(new SeededRandom(options.seed, 1), STEP_MILLIS);
  const random = new SeededRandom(options.seed, 2);
  const capture = new CaptureWriter();
  const resources = await createPipelineResources();
  const clientFor = demoClients(options.seed, clock, JSON.stringify(resources.catalog.entries, null, 2));
  const telemetry = startTelemetry({ writer: capture, otlp: false, clock, ...DEMO_RESOURCE, env: {} });
  const templates = new Map<string, { template: Template; captures: number }>();
  let chunk: SpanRecord[] = [];
  let runsDone = 0;
  try {
    for (const run of plan.runs) {
      const atNs = BigInt(run.atMillis) * 1_000_000n;
      const key = clientKey(run);
      let kind = templates.get(key);
      if (!kind || kind.captures < CAPTURES_PER_KIND) {
        kind = { template: await captureRun(run, atNs), captures: (kind?.captures ?? 0) + 1 };
        templates.set(key, kind);
      }
      for (const s of replay(kind.template, atNs, random)) chunk.push(s);
      runsDone++;
      if (chunk.length >= options.chunkSpans) {
        yield { spans: chunk, metricPoints: [], logRecords: [], runsDone, runsTotal: plan.runs.length };
        chunk = [];
      }
    }
  } finally {
    await telemetry.shutdown();
  }
  yield { spans: chunk, metricPoints: capture.points, logRecords: capture.logs, runsDone, runsTotal: plan.runs.length };

  async function captureRun(run: PlannedRun, atNs: bigint): Promise<Template> {
    clock.set(atNs);
    await runPlanned(telemetry, run, clientFor, resources);
    await telemetry.forceFlush();
    const records = capture.spans;
    capture.spans = [];
    return buildTemplate(records, atNs);
  }
}

export interface BulkDemoOptions {
  db: string;
  targetSpans: number;
  seed?: number;
  days?: number;
  endMillis?: number;
  /** Spans per write transaction (default 50,000). */
  chunkSpans?: number;
  log?: (line: string) => void;
}

/** Builds the demo history of about targetSpans spans into db through the store writer, in bulk. */
export async function generateBulkDemo(options: BulkDemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const seed = options.seed ?? 42;
  const days = options.days ?? 35;
  const runsPerDay = runsPerDayFor(options.targetSpans, days);
  const endMillis = options.endMillis ?? Date.now();
  const log = options.log ?? (() => undefined);
  const plan = planDemo({ seed, days, runsPerDay, endMillis });

  const db = openDatabase(options.db);
  // A bigger page cache for the build only (this connection): index pages stay in memory.
  db.pragma('cache_size = -262144');
  // Minute rollups older than their 7 days as of the history's end are not written (compactDemo's
  // prune would delete them: 70% of the rollup rows), so neither their upserts nor their deletes are paid.
  const writer = new StoreWriter(db, { prices: createPriceBook({ models: {} }), minuteRollupsFromNs: minuteRollupCutoffNs(endMillis) });
  let runs = 0;
  let lastLog = performance.now();
  try {
    for await (const c of bulkDemoRecords({ seed, days, runsPerDay, endMillis, chunkSpans: options.chunkSpans ?? 50_000 })) {
      writer.writeSpans(c.spans);
      if (c.metricPoints.length > 0) writer.writeMetricPoints(c.metricPoints);
      if (c.logRecords.length > 0) writer.writeLogRecords(c.logRecords);
      runs = c.runsDone;
      const now = performance.now();
      if (now - lastLog > 5000) {
        const s = (now - t0) / 1000;
        const rate = writer.stats.spans / s;
        const eta = ((c.runsTotal - c.runsDone) / Math.max(1, c.runsDone)) * s;
        log(
          `  ${writer.stats.spans.toLocaleString('en-US')} spans (${c.runsDone}/${c.runsTotal} benchmark runs), ` +
            `${Math.round(rate).toLocaleString('en-US')} spans/s, ${s.toFixed(0)} s, about ${eta.toFixed(0)} s to go`,
        );
        lastLog = now;
      }
    }
  } finally {
    db.close();
  }
  log(`  ${writer.stats.spans.toLocaleString('en-US')} spans written in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  compactDemo(options.db, { endMillis, days }, log);
  return demoReport(options.db, plan, { seed, days, runsPerDay, benchmarkRuns: runs, endMillis, startedAt: t0 });
}

/**
 * The young generation of the bulk build's thread. The writer allocates about 13 KB a span that
 * mostly dies within its batch; with V8's default young generation a third of it was promoted and
 * 1M spans spent 21 s of about 90 s in scavenges (--trace-gc), 14.5-17 s with 384-768 MiB.
 * A V8 flag set at run time (v8.setFlagsFromString) does not take; a Worker's resourceLimits do.
 */
const BULK_YOUNG_GENERATION_MB = 768;

/** generateBulkDemo on a worker thread with BULK_YOUNG_GENERATION_MB of young generation: what `genscope demo --spans` and the scale bench run. */
export function generateBulkDemoOffThread(options: BulkDemoOptions): Promise<DemoReport> {
  const { log, ...data } = options;
  const entry = workerEntry(__dirname, 'bulk-demo-worker');
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(entry.file, {
      workerData: data,
      execArgv: entry.execArgv,
      env: entry.env,
      resourceLimits: { maxYoungGenerationSizeMb: BULK_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 4096 },
    });
    worker.on('message', (m: { t: 'log'; line: string } | { t: 'done'; report: DemoReport } | { t: 'error'; message: string }) => {
      if (m.t === 'log') log?.(m.line);
      else {
        settled = true;
        void worker.terminate();
        if (m.t === 'done') resolve(m.report);
        else reject(new Error(m.message));
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the bulk demo build's thread stopped (exit code ${code})`));
    });
  });
}
