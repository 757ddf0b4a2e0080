/**
 * SqliteMetricExporter: the metrics SDK's PushMetricExporter interface over the StoreWriter.
 * Delta temporality for counters and histograms, so every stored point is the change in its
 * interval and points sum over any range. Because a delta that is not stored is gone for good
 * (the reader does not export it again), the points of a failed export (a busy or full store)
 * are kept, up to a bound, and written with the next export.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import type { InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { metricsToRecords } from './map-metrics';
import type { MetricPointRecord } from '../schema/records';
import { asError, isDeferredWriter } from '../store/writer-types';
import type { AnyTelemetryWriter } from '../store/writer-types';

/** Points kept from failed exports at most (oldest dropped first, and counted). */
const DEFAULT_MAX_PENDING_POINTS = 50_000;

export interface SqliteMetricExporterOptions {
  /** Points of failed exports kept for the next export. Default 50 000. */
  maxPendingPoints?: number;
}

export class SqliteMetricExporter implements PushMetricExporter {
  private stopped = false;
  private pending: MetricPointRecord[] = [];
  private readonly maxPending: number;
  /** Points given up on because more failed exports piled up than maxPendingPoints. */
  droppedPoints = 0;

  constructor(
    private readonly writer: AnyTelemetryWriter,
    options: SqliteMetricExporterOptions = {},
  ) {
    this.maxPending = Math.max(0, Math.floor(options.maxPendingPoints ?? DEFAULT_MAX_PENDING_POINTS));
  }

  /** Points waiting for the next export after a failed one. */
  get pendingPoints(): number {
    return this.pending.length;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SqliteMetricExporter is shut down') });
      return;
    }
    let batch: MetricPointRecord[] = this.pending;
    const failed = (err: unknown): void => {
      // The write was one transaction: nothing of the batch is stored. Keep it for next time
      // (with whatever a later export, while this one waited on a busy store, left pending).
      const kept = this.pending.length > 0 ? batch.concat(this.pending) : batch;
      const over = kept.length - this.maxPending;
      if (over > 0) this.droppedPoints += over;
      this.pending = over > 0 ? kept.slice(over) : kept;
      resultCallback({ code: ExportResultCode.FAILED, error: asError(err) });
    };
    try {
      const points = metricsToRecords(metrics);
      batch = this.pending.length > 0 ? this.pending.concat(points) : points;
      this.pending = [];
      if (batch.length === 0) {
        resultCallback({ code: ExportResultCode.SUCCESS });
        return;
      }
      const writer = this.writer;
      if (isDeferredWriter(writer)) {
        writer.submit({ kind: 'points', records: batch }, (err) =>
          err ? failed(err) : resultCallback({ code: ExportResultCode.SUCCESS }),
        );
        return;
      }
      writer.writeMetricPoints(batch);
    } catch (err) {
      failed(err);
      return;
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  selectAggregationTemporality(_instrumentType: InstrumentType): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }

  forceFlush(): Promise<void> {
    return isDeferredWriter(this.writer) ? this.writer.flush() : Promise.resolve();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
  }
}
