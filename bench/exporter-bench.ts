/**
 * Exporter throughput: spans/s end to end into SQLite, against the SDK's in-memory exporter and
 * a raw better-sqlite3 insert of the same rows, all in this process, so machine noise cancels
 * in the ratios. Also the per-call overhead of the stage wrapper against a bare OTel span.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Attributes } from '@opentelemetry/api';
import { openDatabase } from '../store';
import { ATTR } from '../schema/names';
import { SqliteSpanExporter, readableSpanToRecord } from '../exporter';
import { startTelemetry, SyncBatchSpanProcessor } from '../instrumentation';
import { PositionalStatement, SPAN_INSERT_SQL, StoreWriter, StringTable, spanParams, spanRecordToRows } from '../store';
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

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-bench-')), 'bench.db');
}

export interface ExporterBenchResult {
  lines: string[];
  sqliteSpansPerSec: number;
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

  // 1. SDK in-memory exporter through the same batching processor.
  const memory = new InMemorySpanExporter();
  const memProvider = new BasicTracerProvider({ spanProcessors: [new SyncBatchSpanProcessor(memory)] });
  const memTracer = memProvider.getTracer('bench');
  let t0 = performance.now();
  for (let i = 0; i < n; i++) memTracer.startSpan('stage', { attributes: attrs(i) }).end();
  await memProvider.forceFlush();
  const memSecs = (performance.now() - t0) / 1000;
  const finished = memory.getFinishedSpans();
  await memProvider.shutdown();
  const memRate = n / memSecs;

  // 2. End to end into SQLite: spans created, batched, mapped, written with rollups.
  const file = tempFile();
  const telemetry = startTelemetry({ db: file, otlp: false, batch: { maxExportBatchSize: 2048 } });
  t0 = performance.now();
  for (let i = 0; i < n; i++) telemetry.tracer.startSpan('stage', { attributes: attrs(i) }).end();
  await telemetry.shutdown();
  const sqliteSecs = (performance.now() - t0) / 1000;
  const db = openDatabase(file);
  const stored = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
  db.close();
  const sqliteRate = stored / sqliteSecs;
  const dropped = n - stored;

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
  // and binding (by position, positional.ts; a real resource id, so the foreign key is checked; the idempotence conflict clause), one
  // IMMEDIATE transaction per batch.
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
      return spanParams({ span: r.span, attributes: record.attributes, events: record.events, scores: r.scores, modelCall: r.modelCall }, strings);
    });
  })();
  const insert = new PositionalStatement(rawDb, SPAN_INSERT_SQL);
  const insertBatch = rawDb.transaction((batch: typeof rows) => {
    for (const r of batch) insert.run(r);
  });
  t0 = performance.now();
  for (let i = 0; i < rows.length; i += 2048) insertBatch.immediate(rows.slice(i, i + 2048));
  const rawSecs = (performance.now() - t0) / 1000;
  const rawRate = rows.length / rawSecs;
  // The same rows again bound by name (better-sqlite3's object form, this bench's baseline before
  // the writer bound by position), so ratios against either can be read.
  rawDb.exec('DELETE FROM spans');
  const named = rawDb.prepare(SPAN_INSERT_SQL);
  const namedBatch = rawDb.transaction((batch: typeof rows) => {
    for (const r of batch) named.run(r);
  });
  t0 = performance.now();
  for (let i = 0; i < rows.length; i += 2048) namedBatch.immediate(rows.slice(i, i + 2048));
  const namedRate = rows.length / ((performance.now() - t0) / 1000);
  rawDb.close();

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
  lines.push(`  SDK in-memory exporter        ${fmt(memRate)} spans/s  (baseline)`);
  lines.push(
    `  SQLite exporter, end to end   ${fmt(sqliteRate)} spans/s  = ${(sqliteRate / memRate).toFixed(2)}x in-memory, ${(sqliteRate / rawRate).toFixed(2)}x raw insert; dropped ${dropped}`,
  );
  lines.push(
    `  SQLite exporter alone         ${fmt(exporterRate)} spans/s  = ${(exporterRate / rawRate).toFixed(2)}x raw insert (same finished spans: mapping, rows, rollups)`,
  );
  lines.push(`  raw better-sqlite3 insert     ${fmt(rawRate)} rows/s   (same rows, table, indexes, statement and binding; no mapping or rollups)`);
  lines.push(
    `  raw insert, bound by name     ${fmt(namedRate)} rows/s   (the same rows as objects; end to end ${(sqliteRate / namedRate).toFixed(2)}x, exporter alone ${(exporterRate / namedRate).toFixed(2)}x this)`,
  );
  lines.push(
    `  synchronous=FULL              ${fmt(fullRate)} spans/s vs NORMAL ${fmt(normalRate)} spans/s = ${(fullRate / normalRate).toFixed(2)}x (exporter alone, 512 spans per commit)`,
  );
  lines.push(...stage.lines);
  return {
    lines,
    sqliteSpansPerSec: sqliteRate,
    exporterSpansPerSec: exporterRate,
    rawRowsPerSec: rawRate,
    dropped,
    fullOverNormal: fullRate / normalRate,
    stageOverSpan: stage.overSpan,
  };
}
