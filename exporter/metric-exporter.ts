/**
 * SqliteMetricExporter: the metrics SDK's PushMetricExporter interface over the StoreWriter.
 * Delta temporality for counters and histograms, so every stored point is the change in its
 * interval and points sum over any range.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import type { InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { metricsToRecords } from './map-metrics';
import type { TelemetryWriter } from './writer-types';

export class SqliteMetricExporter implements PushMetricExporter {
  private stopped = false;

  constructor(private readonly writer: TelemetryWriter) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SqliteMetricExporter is shut down') });
      return;
    }
    try {
      const points = metricsToRecords(metrics);
      if (points.length > 0) this.writer.writeMetricPoints(points);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  selectAggregationTemporality(_instrumentType: InstrumentType): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
