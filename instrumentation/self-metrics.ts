/**
 * Self-observation as metrics: the store writer's, span processor's, ingest gate's and
 * retention's counters exposed as observable instruments on an OpenTelemetry meter, so that
 * failures, retries, drops and queue depth land in metric_points like any other metric (and in
 * any OTLP backend the meter also exports to). A pipeline process registers them on its
 * telemetry meter (instrumentation/telemetry.ts); the server uses startSelfTelemetry.
 */
import type { Attributes, BatchObservableResult, Meter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR, SELF_ATTR, SELF_METRIC, SELF_UNIT, SQLITE_SPAN_PROCESSOR } from '../schema/names';
import { SqliteMetricExporter } from '../exporter/metric-exporter';
import type { QuickCheckStats } from '../store/sqlite/quick-check';
import type { RetentionStats } from '../store/sqlite/retention';
import type { StoreWriterStats } from '../store/sqlite/writer';
import type { AnyTelemetryWriter } from '../store/writer-types';

/** The span processor counters read here (instrumentation's SpanProcessorStats has these). */
export interface SpanProcessorCounters {
  queued: number;
  exported: number;
  failedSpans: number;
  /** Spans dropped on a full queue while the store was busy (absent: the processor never drops). */
  dropped?: number;
}

/** The write queue's counters (store/sqlite/write-queue.ts WriteQueueStats has these). */
export interface WriteQueueCounters {
  pendingJobs: number;
  pendingRecords: number;
  retries: number;
  gaveUp: number;
  gaveUpRecords: number;
}

/** What is observed; every source is optional. */
/** The ingest gate's counters (api/ingest-gate.ts IngestGate.stats has this shape). */
export interface IngestCounters {
  inFlight: number;
  inFlightBytes: number;
  peakInFlight: number;
  peakInFlightBytes: number;
  requests: number;
  refused: number;
}

export interface SelfObservationSources {
  writer?: { readonly stats: StoreWriterStats } | null;
  /** The queue in front of the writer (busy retries on a timer). */
  queue?: { readonly stats: WriteQueueCounters } | null;
  spanProcessor?: (() => SpanProcessorCounters | null) | null;
  ingest?: { readonly stats: IngestCounters; readonly bounds: { maxInFlightRequests: number; maxInFlightBytes: number } } | null;
  retention?: { readonly stats: RetentionStats } | null;
  /** The store's scheduled damage check (PRAGMA quick_check). */
  quickCheck?: { readonly stats: QuickCheckStats } | null;
}

const SQLITE_PROCESSOR_ATTRS: Attributes = {
  [SELF_ATTR.componentType]: SQLITE_SPAN_PROCESSOR,
  [SELF_ATTR.componentName]: `${SQLITE_SPAN_PROCESSOR}/0`,
};

/**
 * Registers the observable instruments on meter; returns a function that removes them.
 * Counters are cumulative in the sources; the metric reader turns them into deltas as needed.
 */
export function registerSelfMetrics(meter: Meter, sources: SelfObservationSources): () => void {
  const counter = (name: string, unit: string, description: string) =>
    meter.createObservableCounter(name, { unit, description });
  const gauge = (name: string, unit: string, description: string) =>
    meter.createObservableGauge(name, { unit, description });

  const processed = counter(SELF_METRIC.spanProcessed, SELF_UNIT.spans, 'Spans a span processor finished with, by outcome');
  const queue = gauge(SELF_METRIC.exportQueueSize, SELF_UNIT.spans, 'Spans waiting in the SQLite span processor');
  const pendingRecords = gauge(
    SELF_METRIC.storePendingRecords,
    SELF_UNIT.records,
    'Records waiting in the store write queue (busy database or coalescing)',
  );
  const gaveUp = counter(SELF_METRIC.storeGaveUp, SELF_UNIT.records, 'Records given up after the busy retries ran out');
  const spans = counter(SELF_METRIC.storeSpans, SELF_UNIT.spans, 'Spans written by the store writer');
  const points = counter(SELF_METRIC.storeMetricPoints, SELF_UNIT.dataPoints, 'Metric points written by the store writer');
  const rejected = counter(SELF_METRIC.storeRejected, SELF_UNIT.records, 'Records refused by the store writer as invalid');
  const retries = counter(SELF_METRIC.storeBusyRetries, SELF_UNIT.retries, 'Store transactions retried on a busy database');
  const failures = counter(SELF_METRIC.storeFailures, SELF_UNIT.batches, 'Store transactions that failed for good');
  const folded = counter(SELF_METRIC.storeFoldedValues, SELF_UNIT.values, "Rollup values folded into '(other)'");
  const inFlight = gauge(SELF_METRIC.ingestInFlight, SELF_UNIT.requests, 'OTLP requests held by the server');
  const refused = counter(SELF_METRIC.ingestRefused, SELF_UNIT.requests, 'OTLP requests answered 503 (over the bound)');
  const deleted = counter(SELF_METRIC.retentionDeleted, SELF_UNIT.rows, 'Rows deleted by retention');
  const retentionFailures = counter(SELF_METRIC.retentionFailures, SELF_UNIT.runs, 'Retention runs that failed');
  const memory = gauge(SELF_METRIC.processMemory, SELF_UNIT.bytes, 'Resident memory of the process');

  const observables = [
    processed,
    queue,
    pendingRecords,
    gaveUp,
    spans,
    points,
    rejected,
    retries,
    failures,
    folded,
    inFlight,
    refused,
    deleted,
    retentionFailures,
    memory,
  ];
  const callback = (r: BatchObservableResult): void => {
    const sp = sources.spanProcessor?.();
    if (sp) {
      r.observe(processed, sp.exported, SQLITE_PROCESSOR_ATTRS);
      r.observe(processed, sp.failedSpans, { ...SQLITE_PROCESSOR_ATTRS, [SELF_ATTR.errorType]: 'export_failed' });
      // The SDK's own name for spans dropped on a full queue.
      if (sp.dropped !== undefined)
        r.observe(processed, sp.dropped, { ...SQLITE_PROCESSOR_ATTRS, [SELF_ATTR.errorType]: 'queue_full' });
      r.observe(queue, sp.queued, SQLITE_PROCESSOR_ATTRS);
    }
    const w = sources.writer?.stats;
    if (w) {
      r.observe(spans, w.spans);
      r.observe(points, w.metricPoints);
      r.observe(rejected, w.rejected);
      r.observe(retries, w.busyRetries);
      r.observe(failures, w.failures);
      r.observe(folded, w.foldedValues);
    }
    const q = sources.queue?.stats;
    if (q) {
      r.observe(pendingRecords, q.pendingRecords);
      r.observe(gaveUp, q.gaveUpRecords);
    }
    const g = sources.ingest?.stats;
    if (g) {
      r.observe(inFlight, g.inFlight);
      r.observe(refused, g.refused);
    }
    const ret = sources.retention?.stats;
    if (ret) {
      for (const [table, n] of Object.entries(ret.deleted)) r.observe(deleted, n, { [SELF_ATTR.table]: table });
      r.observe(retentionFailures, ret.failures);
    }
    r.observe(memory, process.memoryUsage().rss);
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

export interface SelfTelemetryOptions {
  /** Where the self-metrics are stored (the server's StoreWriter). */
  writer: AnyTelemetryWriter;
  sources: SelfObservationSources;
  /** Default 10 s; shutdown() writes the last values. */
  exportIntervalMillis?: number;
  /** Default 'genscope-server'. */
  serviceName?: string;
}

export interface SelfTelemetry {
  readonly meterProvider: MeterProvider;
  forceFlush(): Promise<void>;
  /** Writes the last values and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

/** The server's own meter: self-metrics written into its store every exportIntervalMillis. */
export function startSelfTelemetry(options: SelfTelemetryOptions): SelfTelemetry {
  const interval = Math.max(100, options.exportIntervalMillis ?? 10_000);
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR.serviceName]: options.serviceName ?? 'genscope-server' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new SqliteMetricExporter(options.writer),
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(interval, 30_000),
      }),
    ],
  });
  const unregister = registerSelfMetrics(meterProvider.getMeter('genscope.self'), options.sources);
  let stopping: Promise<void> | null = null;
  return {
    meterProvider,
    forceFlush: () => meterProvider.forceFlush(),
    shutdown() {
      stopping ??= meterProvider.shutdown().finally(unregister);
      return stopping;
    },
  };
}
