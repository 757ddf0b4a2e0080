/** The store writer's contract, shared by the SDK exporters and OTLP ingest. */
import type { LogRecordRecord, MetricPointRecord, SpanRecord } from '../schema/records';

export interface WriteResult {
  /** Records written. */
  accepted: number;
  /** Records refused (invalid or over a limit), with the reasons; never silently dropped. */
  rejected: number;
  /** Human-readable reasons for rejections (bounded list). */
  warnings: string[];
}

export interface TelemetryWriter {
  /** Writes spans in one transaction (with their scores, model calls, benchmark runs and rollups). */
  writeSpans(spans: readonly SpanRecord[]): WriteResult;
  /** Writes metric data points in one transaction. */
  writeMetricPoints(points: readonly MetricPointRecord[]): WriteResult;
  /**
   * Writes OTLP log records in one transaction; `gen_ai.evaluation.result` events among them also
   * become scores of the span (or response) they judge.
   */
  writeLogRecords(records: readonly LogRecordRecord[]): WriteResult;
}
