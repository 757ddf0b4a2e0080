/**
 * exporter/: OpenTelemetry SDK data -> SQLite rows. The SDK exporters, the pure mapping
 * functions, the store writer shared with OTLP ingest, and the price book.
 */
export { SqliteSpanExporter } from './span-exporter';
export { SqliteMetricExporter } from './metric-exporter';
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
