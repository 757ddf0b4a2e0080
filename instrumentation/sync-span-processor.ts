/**
 * A batching span processor for synchronous local sinks (the SQLite exporter). The SDK's
 * BatchSpanProcessor re-arms its export only after a microtask, so a synchronous burst of spans
 * larger than maxQueueSize is dropped; a synchronous sink can instead write a full batch inline
 * in onEnd. Memory stays bounded by the batch size and no span is ever dropped: a producer that
 * outruns the disk is slowed down by the write (backpressure), not robbed of its data.
 */
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SyncBatchSpanProcessorOptions {
  /** Spans per write transaction. */
  maxExportBatchSize?: number;
  /** Longest a finished span waits before it is written. */
  scheduledDelayMillis?: number;
}

export interface SpanProcessorStats {
  queued: number;
  exported: number;
  failedExports: number;
  failedSpans: number;
  lastError: string | null;
}

export class SyncBatchSpanProcessor implements SpanProcessor {
  readonly stats: SpanProcessorStats = { queued: 0, exported: 0, failedExports: 0, failedSpans: 0, lastError: null };
  private buffer: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly batchSize: number;
  private readonly delayMillis: number;

  constructor(
    private readonly exporter: SpanExporter,
    options: SyncBatchSpanProcessorOptions = {},
  ) {
    this.batchSize = Math.max(1, options.maxExportBatchSize ?? 2048);
    this.delayMillis = Math.max(0, options.scheduledDelayMillis ?? 1000);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped) return;
    this.buffer.push(span);
    this.stats.queued = this.buffer.length;
    if (this.buffer.length >= this.batchSize) this.flushBuffer();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushBuffer();
      }, this.delayMillis);
      this.timer.unref();
    }
  }

  private flushBuffer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.buffer.length > 0) {
      const batch = this.buffer.length <= this.batchSize ? this.buffer : this.buffer.slice(0, this.batchSize);
      this.buffer = this.buffer.length <= this.batchSize ? [] : this.buffer.slice(this.batchSize);
      let result: ExportResult | undefined;
      this.exporter.export(batch, (r) => {
        result = r;
      });
      if (result?.code === ExportResultCode.SUCCESS) this.stats.exported += batch.length;
      else {
        // The sink refused the batch (e.g. the disk is full): count it, keep going.
        this.stats.failedExports++;
        this.stats.failedSpans += batch.length;
        this.stats.lastError = result?.error?.message ?? 'exporter did not answer synchronously';
      }
    }
    this.stats.queued = 0;
  }

  forceFlush(): Promise<void> {
    this.flushBuffer();
    return this.exporter.forceFlush ? this.exporter.forceFlush() : Promise.resolve();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.flushBuffer();
    this.stopped = true;
    await this.exporter.shutdown();
  }
}
