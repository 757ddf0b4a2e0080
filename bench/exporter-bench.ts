/**
 * Exporter throughput: spans/s end to end into SQLite, against the SDK's in-memory exporter and
 * a raw better-sqlite3 insert of the same rows, all in this process, so machine noise cancels
 * in the ratios. Also the per-call overhead of the stage wrapper against a bare OTel span.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { Attributes } from '@opentelemetry/api';
import { openDatabase } from '../store';
import { ATTR } from '../schema/names';
import { SqliteSpanExporter, readableSpanToRecord } from '../exporter';
import { SpanBatchEncoder } from '../exporter/span-batch';
import { startTelemetry, SyncBatchSpanProcessor } from '../instrumentation';
import { GroupedInsert, INSERT_GROUP_ROWS, PositionalStatement, SPAN_INSERT_SQL, StoreWriter, StringTable, spanParams, spanRecordToRows } from '../store';
import { benchStageWrapper } from './stage-bench';

const STAGES = ['classify', 'map', 'generate', 'validate'];
const TYPES = ['button', 'card', 'input', 'modal', 'navbar', 'table', 'tabs', 'alert'];

function attrs(i: number): Attributes {
  return {
    [ATTR.stage]: STAGES[i % 4] ?? 'classify',
    [ATTR.componentType]: TYPES[i % 8] ?? 'button',
    [ATTR.componentId]: `component-${i % 48}`,
    [ATTR.model]: i % 2 ? 'gpt-4o-mini' : 'gpt-4o',
    [ATTR.pipelineName]: 'bench',
    [ATTR.benchmarkRunId]: 'bench-run',
  };
}

/** Keeps every exported span and answers at once (what the SQLite exporter does once written). */
class ArraySink implements SpanExporter {
  readonly spans: ReadableSpan[] = [];

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const s of spans) this.spans.push(s);
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-bench-')), 'bench.db');
}

/** CPU time this thread has run, in ns (Linux: /proc/thread-self/schedstat), or NaN elsewhere. */
function threadCpuNs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** CPU time of every thread of this process, by thread id (Linux; empty elsewhere). */
function taskCpuNs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        out.set(tid, Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // Not Linux.
  }
  return out;
}

function processCpuNs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) * 1000;
}

interface EndToEnd {
  rate: number;
  stored: number;
  /** CPU time per span of the pipeline's thread (what the user's event loop pays), in us. */
  mainUs: number;
  /** CPU time per span of every other thread (the writer thread, GC helpers, SQLite), in us. */
  otherUs: number;
  /** CPU time per span of the busiest other thread (the writer thread when there is one), in us. */
  busiestUs: number;
}

/** Spans created in a burst through startTelemetry, written with rollups, until forceFlush resolved. */
async function endToEnd(n: number, writerThread: boolean): Promise<EndToEnd> {
  const file = tempFile();
  const telemetry = startTelemetry({ db: file, otlp: false, writerThread, batch: { maxExportBatchSize: 2048 } });
  // The writer thread's start (modules, connection) is not part of the steady state measured.
  await telemetry.forceFlush();
  await new Promise((resolve) => setTimeout(resolve, writerThread ? 300 : 0));
  const main0 = threadCpuNs();
  const all0 = processCpuNs();
  const tasks0 = taskCpuNs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) telemetry.tracer.startSpan('stage', { attributes: attrs(i) }).end();
  // Every span committed; the thread still runs (shutdown ends it), so its CPU time can be read.
  await telemetry.forceFlush();
  const secs = (performance.now() - t0) / 1000;
  const mainNs = threadCpuNs() - main0;
  const allNs = processCpuNs() - all0;
  let busiestNs = 0;
  for (const [tid, ns] of taskCpuNs())
    if (tid !== String(process.pid) && tasks0.has(tid)) busiestNs = Math.max(busiestNs, ns - (tasks0.get(tid) ?? 0));
  await telemetry.shutdown();
  const db = openDatabase(file);
  const stored = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
  db.close();
  return { rate: stored / secs, stored, mainUs: mainNs / n / 1000, otherUs: (allNs - mainNs) / n / 1000, busiestUs: busiestNs / n / 1000 };
}

/**
 * The event loop's delay while a paced producer ends 200 spans per turn (a pipeline yielding to
 * its awaits): p99 and max in ms. In-process, each batch's commit runs on this loop.
 */
async function loopDelay(n: number, writerThread: boolean): Promise<{ p99: number; max: number }> {
  const telemetry = startTelemetry({ db: tempFile(), otlp: false, writerThread, batch: { maxExportBatchSize: 2048 } });
  await new Promise((resolve) => setTimeout(resolve, writerThread ? 300 : 0));
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let i = 0; i < n; i += 200) {
    for (let j = i; j < i + 200; j++) telemetry.tracer.startSpan('stage', { attributes: attrs(j) }).end();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await telemetry.forceFlush();
  h.disable();
  await telemetry.shutdown();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export interface ExporterBenchResult {
  lines: string[];
  sqliteSpansPerSec: number;
  /** End to end through the writer thread (startTelemetry's default for a file). */
  threadSpansPerSec: number;
  /** Pipeline-thread CPU per span, in us: in-process writes and the writer thread. */
  syncMainUs: number;
  threadMainUs: number;
  rawRowsPerSec: number;
  exporterSpansPerSec: number;
  dropped: number;
  /** Exporter throughput with synchronous=FULL over NORMAL (512-span commits). */
  fullOverNormal: number;
  /** A stage-wrapped call over a bare span with the same attributes (stage-bench.ts). */
  stageOverSpan: number;
}

export async function benchExporter(n = 200_000): Promise<ExporterBenchResult> {
  const lines: string[] = [];

  // 1. An in-memory sink through the same batching processor. Not the SDK's InMemorySpanExporter:
  // it answers each export a timer later, so the processor holds its queue (65,536 spans) and drops
  // the rest of a burst; this bench once counted those dropped spans as exported.
  const memory = new ArraySink();
  const memProvider = new BasicTracerProvider({ spanProcessors: [new SyncBatchSpanProcessor(memory)] });
  const memTracer = memProvider.getTracer('bench');
  let t0 = performance.now();
  for (let i = 0; i < n; i++) memTracer.startSpan('stage', { attributes: attrs(i) }).end();
  await memProvider.forceFlush();
  const memSecs = (performance.now() - t0) / 1000;
  const finished = memory.spans;
  await memProvider.shutdown();
  if (finished.length !== n) throw new Error(`the in-memory baseline kept ${finished.length} of ${n} spans`);
  const memRate = finished.length / memSecs;

  // 2. End to end into SQLite: spans created, batched, mapped, written with rollups; in-process
  // (writerThread: false) and through the writer thread, in alternating rounds (medians).
  const rounds = { sync: [] as EndToEnd[], thread: [] as EndToEnd[] };
  for (let r = 0; r < 3; r++) {
    rounds.sync.push(await endToEnd(n, false));
    rounds.thread.push(await endToEnd(n, true));
  }
  const summary = (xs: EndToEnd[]) => ({
    rate: median(xs.map((x) => x.rate)),
    mainUs: median(xs.map((x) => x.mainUs)),
    otherUs: median(xs.map((x) => x.otherUs)),
    busiestUs: median(xs.map((x) => x.busiestUs)),
    dropped: Math.max(...xs.map((x) => n - x.stored)),
  });
  const sync = summary(rounds.sync);
  const thread = summary(rounds.thread);
  const sqliteRate = sync.rate;
  const delays = { sync: [] as { p99: number; max: number }[], thread: [] as { p99: number; max: number }[] };
  for (let r = 0; r < 3; r++) {
    delays.sync.push(await loopDelay(Math.min(n, 100_000), false));
    delays.thread.push(await loopDelay(Math.min(n, 100_000), true));
  }
  const delay = (xs: { p99: number; max: number }[]) => ({ p99: median(xs.map((x) => x.p99)), max: median(xs.map((x) => x.max)) });
  const syncDelay = delay(delays.sync);
  const threadDelay = delay(delays.thread);
  const dropped = Math.max(sync.dropped, thread.dropped);

  // 2b. The hand-off's cost on the pipeline's thread per span: the encoding the writer thread
  // path uses against a structured clone (what postMessage does) of the mapped records.
  const handoff = (f: (batch: ReadableSpan[]) => void): number => {
    const start = processCpuNs();
    for (let i = 0; i < finished.length; i += 2048) f(finished.slice(i, i + 2048));
    return (processCpuNs() - start) / finished.length / 1000;
  };
  const encoder = new SpanBatchEncoder();
  const encode = (batch: ReadableSpan[]) => {
    for (const span of batch) encoder.add(span);
    encoder.take();
  };
  const clone = (batch: ReadableSpan[]) => v8.serialize(batch.map(readableSpanToRecord));
  const handoffRounds = { encode: [] as number[], clone: [] as number[] };
  for (let r = 0; r < 5; r++) {
    handoffRounds.encode.push(handoff(encode));
    handoffRounds.clone.push(handoff(clone));
  }
  const encodeUs = median(handoffRounds.encode);
  const cloneUs = median(handoffRounds.clone);

  // 3. The exporter alone on the same finished spans (mapping, rows, rollups; no span creation).
  const exporterDb = openDatabase(tempFile());
  const exporter = new SqliteSpanExporter(new StoreWriter(exporterDb));
  t0 = performance.now();
  for (let i = 0; i < finished.length; i += 2048) exporter.export(finished.slice(i, i + 2048), () => undefined);
  const exporterSecs = (performance.now() - t0) / 1000;
  const exporterRate = finished.length / exporterSecs;
  exporterDb.close();

  // 4. Raw insert of the same rows (mapping and string ids done beforehand, no rollups): the
  // physical limit for the stored layout. The same table and indexes and the writer's own statement
  // and binding (GroupedInsert: by position, INSERT_GROUP_ROWS rows a statement, positional.ts; a
  // real resource id, so the foreign key is checked; the idempotence conflict clause), one IMMEDIATE
  // transaction per batch. Then the same rows one statement a row (by position, and by name: this
  // bench's baselines before), each into a fresh file, so ratios against any of them can be read.
  type Inserter = (db: ReturnType<typeof openDatabase>) => (rows: Record<string, unknown>[]) => void;
  const rawInsert = (make: Inserter): { rate: number; cpuUs: number } => {
    const rawDb = openDatabase(tempFile());
    rawDb.prepare("INSERT INTO resources (hash, service_name, attributes) VALUES ('bench', 'bench', '{}')").run();
    const resourceId = Number(rawDb.prepare("SELECT id FROM resources WHERE hash = 'bench'").pluck().get());
    const strings = new StringTable(rawDb);
    const rows = rawDb.transaction(() => {
      strings.begin();
      return finished.map((s) => {
        const record = readableSpanToRecord(s);
        const r = spanRecordToRows(record);
        r.span.resource_id = resourceId;
        return spanParams({ span: r.span, attributes: record.attributes, events: record.events, scores: r.scores, modelCall: r.modelCall }, strings, true);
      });
    })();
    const insert = make(rawDb);
    const batch = rawDb.transaction(insert);
    const start = performance.now();
    const cpu0 = threadCpuNs();
    for (let i = 0; i < rows.length; i += 2048) batch.immediate(rows.slice(i, i + 2048));
    const secs = (performance.now() - start) / 1000;
    const cpuUs = (threadCpuNs() - cpu0) / rows.length / 1000;
    const stored = Number(rawDb.prepare('SELECT count(*) FROM spans').pluck().get());
    rawDb.close();
    if (stored !== rows.length) throw new Error(`the raw insert stored ${stored} of ${rows.length} rows`);
    return { rate: rows.length / secs, cpuUs };
  };
  const grouped = rawInsert((db) => {
    const insert = new GroupedInsert(db, SPAN_INSERT_SQL, 'spans_rows', ['start_ns', 'span_id']);
    return (rows) => void insert.insertAll(rows);
  });
  const perRow = rawInsert((db) => {
    const insert = new PositionalStatement(db, SPAN_INSERT_SQL);
    return (rows) => {
      for (const r of rows) insert.run(r);
    };
  });
  const byName = rawInsert((db) => {
    const insert = db.prepare(SPAN_INSERT_SQL);
    return (rows) => {
      for (const r of rows) insert.run(r);
    };
  });
  const rawRate = grouped.rate;
  const rawCpuUs = grouped.cpuUs;
  const rowRate = perRow.rate;
  const namedRate = byName.rate;

  // 4b. The cost of synchronous=FULL (an fsync per commit, so an acknowledged batch survives a
  // power loss): the exporter alone in OTLP-request-sized batches of 512, NORMAL against FULL.
  const durable = (mode: 'NORMAL' | 'FULL'): number => {
    const d = openDatabase(tempFile());
    d.pragma(`synchronous = ${mode}`);
    const e = new SqliteSpanExporter(new StoreWriter(d));
    const spans = finished.slice(0, Math.min(finished.length, 50_000));
    const start = performance.now();
    for (let i = 0; i < spans.length; i += 512) e.export(spans.slice(i, i + 512), () => undefined);
    const rate = spans.length / ((performance.now() - start) / 1000);
    d.close();
    return rate;
  };
  const normalRate = durable('NORMAL');
  const fullRate = durable('FULL');

  // 5. Stage-wrapper overhead per call, against a bare span, both with no sink (stage-bench.ts).
  const stage = await benchStageWrapper();

  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  lines.push(`exporter: ${fmt(n)} spans, one process`);
  lines.push(`  in-memory sink                ${fmt(memRate)} spans/s  (the SDK and the batching processor alone, every span kept)`);
  const us = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(2)} us`);
  lines.push(
    `  SQLite exporter, end to end   ${fmt(sqliteRate)} spans/s  = ${(sqliteRate / memRate).toFixed(2)}x in-memory, ${(sqliteRate / rawRate).toFixed(2)}x raw insert; dropped ${dropped} (in-process writes, writerThread: false)`,
  );
  lines.push(
    `  end to end, writer thread     ${fmt(thread.rate)} spans/s  = ${(thread.rate / memRate).toFixed(2)}x in-memory, ${(thread.rate / rawRate).toFixed(2)}x raw insert, ${(thread.rate / sqliteRate).toFixed(2)}x in-process (the default for a file; medians of 3 alternating rounds, load ${os.loadavg()[0]?.toFixed(1)})`,
  );
  // CPU time per span, steadier under load than wall clock: the pipeline's thread is what the
  // user's event loop pays; with two free cores the slower of the two threads bounds the rate (the
  // writer thread is the busiest thread besides the pipeline's; the rest are V8's GC helpers).
  const bound = 1e6 / Math.max(thread.mainUs, thread.busiestUs);
  lines.push(
    `  pipeline thread CPU per span  ${us(sync.mainUs)} in-process, ${us(thread.mainUs)} with the writer thread (${(thread.mainUs / sync.mainUs).toFixed(2)}x); writer thread ${us(thread.busiestUs)}; all other threads ${us(sync.otherUs)} and ${us(thread.otherUs)}`,
  );
  lines.push(
    `  CPU-time bound                ${fmt(bound)} spans/s with the writer thread on a free core = ${(rawCpuUs * bound / 1e6).toFixed(2)}x the raw insert's CPU (${us(rawCpuUs)} a row); in-process ${(rawCpuUs / sync.mainUs).toFixed(2)}x (its one thread)`,
  );
  lines.push(
    `  event loop delay              p99 ${syncDelay.p99.toFixed(1)} ms, max ${syncDelay.max.toFixed(1)} ms in-process; p99 ${threadDelay.p99.toFixed(1)} ms, max ${threadDelay.max.toFixed(1)} ms with the writer thread (200 spans a turn, ${fmt(Math.min(n, 100_000))} spans; medians of 3 rounds)`,
  );
  lines.push(
    `  hand-off per span             ${us(encodeUs)} encoded (span-batch.ts) vs ${us(cloneUs)} mapping + structured clone of the records (pipeline thread, CPU)`,
  );
  lines.push(
    `  SQLite exporter alone         ${fmt(exporterRate)} spans/s  = ${(exporterRate / rawRate).toFixed(2)}x raw insert (same finished spans: mapping, rows, rollups)`,
  );
  lines.push(
    `  raw better-sqlite3 insert     ${fmt(rawRate)} rows/s   (same rows, table, indexes, statement and binding: ${INSERT_GROUP_ROWS} rows a statement; no mapping or rollups)`,
  );
  lines.push(
    `  raw insert, a row a statement ${fmt(rowRate)} rows/s   (by position; end to end ${(sqliteRate / rowRate).toFixed(2)}x in-process, ${(thread.rate / rowRate).toFixed(2)}x writer thread; exporter alone ${(exporterRate / rowRate).toFixed(2)}x this)`,
  );
  lines.push(
    `  raw insert, bound by name     ${fmt(namedRate)} rows/s   (a row a statement, the rows as objects; end to end ${(sqliteRate / namedRate).toFixed(2)}x in-process, ${(thread.rate / namedRate).toFixed(2)}x writer thread; exporter alone ${(exporterRate / namedRate).toFixed(2)}x this)`,
  );
  lines.push(
    `  synchronous=FULL              ${fmt(fullRate)} spans/s vs NORMAL ${fmt(normalRate)} spans/s = ${(fullRate / normalRate).toFixed(2)}x (exporter alone, 512 spans per commit)`,
  );
  lines.push(...stage.lines);
  return {
    lines,
    sqliteSpansPerSec: sqliteRate,
    threadSpansPerSec: thread.rate,
    syncMainUs: sync.mainUs,
    threadMainUs: thread.mainUs,
    exporterSpansPerSec: exporterRate,
    rawRowsPerSec: rawRate,
    dropped,
    fullOverNormal: fullRate / normalRate,
    stageOverSpan: stage.overSpan,
  };
}
