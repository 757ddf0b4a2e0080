/**
 * Self-observation, pipeline side: export failures, dropped spans (the SDK's queue-full count),
 * store retries and the export queue are themselves metrics, stored in genscope like any other.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { openDatabase } from '../../store';
import type { Db } from '../../store';
import { SELF_ATTR, SELF_METRIC, SQLITE_SPAN_PROCESSOR } from '../../schema/names';
import { startTelemetry } from '../../instrumentation';
import { componentRunRecords } from './helpers';
import { RetentionScheduler, StoreWriter } from '../../store';
import { startSelfTelemetry } from '../../instrumentation';
import { IngestGate } from '../../api';

/** Sum of a counter's stored (delta) points, optionally for one error.type ('' = none). */
function counterTotal(db: Db, name: string, errorType?: string): number {
  const rows = db
    .prepare<[string], { value: number | null; attributes: string }>('SELECT value, attributes FROM metric_points WHERE name = ?')
    .all(name);
  let total = 0;
  for (const r of rows) {
    const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
    if (errorType !== undefined && (attrs[SELF_ATTR.errorType] ?? '') !== errorType) continue;
    total += r.value ?? 0;
  }
  return total;
}

/** Polls until cond holds (the metric reader runs on its own interval); fails after 20 s. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(cond()).toBe(true);
}

function lastGauge(db: Db, name: string): number | null {
  const r = db
    .prepare<[string], { value: number | null }>('SELECT value FROM metric_points WHERE name = ? ORDER BY id DESC LIMIT 1')
    .get(name);
  return r?.value ?? null;
}

describe('self-observation metrics of a pipeline process', () => {
  it('stores the span processor and store writer counters as metrics', async () => {
    const db = openDatabase(':memory:');
    const telemetry = startTelemetry({ db, otlp: false, metricExportIntervalMillis: 60_000 });
    for (let i = 0; i < 250; i++) telemetry.tracer.startSpan('classify', { attributes: { 'pipeline.stage': 'classify' } }).end();
    await telemetry.forceFlush();
    expect(counterTotal(db, SELF_METRIC.spanProcessed, '')).toBe(250);
    expect(counterTotal(db, SELF_METRIC.spanProcessed, 'export_failed')).toBe(0);
    expect(counterTotal(db, SELF_METRIC.storeSpans)).toBe(250);
    expect(counterTotal(db, SELF_METRIC.storeFailures)).toBe(0);
    expect(lastGauge(db, SELF_METRIC.exportQueueSize)).toBe(0);
    expect(lastGauge(db, SELF_METRIC.processMemory)).toBeGreaterThan(10 * 1024 * 1024);
    const attrs = db.prepare('SELECT attributes FROM metric_points WHERE name = ? LIMIT 1').pluck().get(SELF_METRIC.spanProcessed);
    expect(JSON.parse(String(attrs))).toMatchObject({ [SELF_ATTR.componentType]: SQLITE_SPAN_PROCESSOR });

    // Counters are stored as deltas: a second flush adds only what happened since.
    for (let i = 0; i < 50; i++) telemetry.tracer.startSpan('map', { attributes: { 'pipeline.stage': 'map' } }).end();
    await telemetry.forceFlush();
    expect(counterTotal(db, SELF_METRIC.spanProcessed, '')).toBe(300);
    await telemetry.shutdown();
  });

  it('makes failed exports visible as metrics while the failure lasts', async () => {
    const db = openDatabase(':memory:');
    const telemetry = startTelemetry({ db, otlp: false, metricExportIntervalMillis: 60_000 });
    const p = telemetry.pipeline({ name: 'p', version: '1' });
    // The span store breaks (as a full disk or a bad migration would); metric points still go in.
    db.exec('DROP TABLE spans_rows');
    db.exec('CREATE TABLE spans_gone (x)');
    await p.run({ componentId: 'c1' }, () => 'ok');
    const failing = telemetry.tracer.startSpan('classify', { attributes: { 'pipeline.stage': 'classify' } });
    failing.setStatus({ code: SpanStatusCode.ERROR });
    failing.end();
    await telemetry.forceFlush();
    expect(telemetry.spanStats()?.failedSpans).toBe(2);
    expect(counterTotal(db, SELF_METRIC.spanProcessed, 'export_failed')).toBe(2);
    expect(counterTotal(db, SELF_METRIC.storeFailures)).toBeGreaterThanOrEqual(1);
    await telemetry.shutdown();
  });

  it("counts spans the OTLP path drops on a full queue (the SDK's own queue_full counter)", async () => {
    const db = openDatabase(':memory:');
    // Nothing listens on port 9 of loopback: the OTLP exporter cannot drain its queue.
    const queue = 65_536;
    const telemetry = startTelemetry({
      db,
      otlp: { endpoint: 'http://127.0.0.1:9', protocol: 'http/protobuf' },
      metricExportIntervalMillis: 100,
      env: { OTEL_BSP_MAX_QUEUE_SIZE: String(queue), OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048' },
    });
    // More spans in one synchronous burst than the OTLP queue holds.
    const burst = 70_000;
    for (let i = 0; i < burst; i++) telemetry.tracer.startSpan('s').end();
    // The periodic reader writes the SDK's counters within a few intervals.
    await waitFor(() => counterTotal(db, SELF_METRIC.spanProcessed, 'queue_full') > 0);
    const dropped = counterTotal(db, SELF_METRIC.spanProcessed, 'queue_full');
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThanOrEqual(burst - queue);
    // The SQLite path lost none of them.
    expect(telemetry.spanStats()?.failedSpans).toBe(0);
    await telemetry.shutdown();
  }, 60_000);
});

describe('self-observation metrics of the server', () => {
  it('stores the store, ingest and retention counters of the server in its own database', async () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db);
    const now = Date.now();
    for (let i = 0; i < 20; i++) writer.writeSpans(componentRunRecords(now - 40 * 86_400_000 + i, i));
    const retention = new RetentionScheduler(db, { retentionDays: 30, clock: { nowMillis: () => now } });
    const gate = new IngestGate();
    const self = startSelfTelemetry({ writer, sources: { writer, ingest: gate, retention }, exportIntervalMillis: 60_000 });
    await retention.runNow();
    await self.forceFlush();
    const deleted = (table: string) =>
      db
        .prepare('SELECT coalesce(sum(value), 0) FROM metric_points WHERE name = ? AND json_extract(attributes, ?) = ?')
        .pluck()
        .get(SELF_METRIC.retentionDeleted, `$."${SELF_ATTR.table}"`, table);
    expect(deleted('spans')).toBe(60);
    expect(deleted('model_calls')).toBe(20);
    expect(deleted('scores')).toBe(20);
    expect(counterTotal(db, SELF_METRIC.retentionFailures)).toBe(0);
    expect(counterTotal(db, SELF_METRIC.storeSpans)).toBe(60);
    expect(lastGauge(db, SELF_METRIC.ingestInFlight)).toBe(0);
    const service = db
      .prepare("SELECT DISTINCT r.service_name FROM metric_points m JOIN resources r ON r.id = m.resource_id WHERE m.name LIKE 'genscope.%'")
      .pluck()
      .all();
    expect(service).toEqual(['genscope-server']);
    await self.shutdown();
    await self.shutdown();
  });
});
