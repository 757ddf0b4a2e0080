/**
 * exporter/: OpenTelemetry SDK data -> records, written through the store's writer. The SDK
 * exporters, the pure SDK -> record mapping functions, and the price book.
 */
export { SqliteSpanExporter } from './span-exporter';
export { SqliteMetricExporter } from './metric-exporter';
export type { SqliteMetricExporterOptions } from './metric-exporter';
export { readableSpanToRecord, hrTimeToNs, nsToHrTime } from './map-spans';
export { metricsToRecords } from './map-metrics';
export { createPriceBook, loadPriceOverrides, PriceOverrides, ModelPriceOverride } from './pricing';
export type { PriceBook, PriceQuery, PriceSource } from './pricing';
