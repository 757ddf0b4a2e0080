/**
 * exporter/: OpenTelemetry SDK data -> SQLite rows. The SDK exporters, the pure mapping
 * functions, the store writer shared with OTLP ingest, and the price book.
 */
export { SqliteSpanExporter } from './span-exporter';
export { SqliteMetricExporter } from './metric-exporter';
export type { SqliteMetricExporterOptions } from './metric-exporter';
export { StoreWriter, ROLLUP_GRAINS_S } from './store-writer';
export type { StoreWriterOptions, StoreWriterStats } from './store-writer';
export { readableSpanToRecord, spanRecordToRows, spanRole, hrTimeToNs, nsToHrTime } from './map-spans';
export type { SpanRows, SpanRow, ScoreRow, ModelCallRow, BenchmarkRow, SpanRole } from './map-spans';
export { metricsToRecords } from './map-metrics';
export { createPriceBook, loadPriceOverrides, PriceOverrides, ModelPriceOverride } from './pricing';
export type { PriceBook, PriceQuery, PriceSource } from './pricing';
export type {
  AttributeMap,
  AttributeValue,
  SpanRecord,
  SpanEventRecord,
  SpanLinkRecord,
  MetricPointRecord,
  MetricPointType,
} from './records';
export type { TelemetryWriter, WriteResult } from './writer-types';
export { pruneOnce, Pruner, RetentionScheduler, DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS } from './retention';
export type {
  RetentionOptions,
  PruneOptions,
  PruneBatch,
  PruneResult,
  RetentionClock,
  RetentionSchedulerOptions,
  RetentionStats,
} from './retention';
export { CardinalityLimiter, OTHER_VALUE, DEFAULT_MAX_VALUES_PER_HOUR, DEFAULT_MAX_COMPONENTS_PER_DAY } from './cardinality';
export type { CardinalityLimits, RollupDimension, FoldReport } from './cardinality';
export { IngestGate } from './ingest-gate';
export type { IngestGateOptions, IngestGateStats } from './ingest-gate';
export { registerSelfMetrics, startSelfTelemetry } from './self-metrics';
export type { SelfObservationSources, SpanProcessorCounters, SelfTelemetry, SelfTelemetryOptions } from './self-metrics';
export { selfHealth, createHealthHandler } from './health';
export type { SelfHealth, HealthOptions } from './health';
