/**
 * A batching span processor for local sinks that usually answer synchronously (the SQLite
 * exporter over a WriteQueue). The SDK's BatchSpanProcessor re-arms its export only after a
 * microtask, so a synchronous burst of spans larger than maxQueueSize is dropped; this one writes
 * a full batch inline in onEnd while the sink answers at once, so a producer that outruns the
 * disk is slowed down by the write (backpressure), not robbed of its data.
 *
 * When the sink answers later (another process holds the database lock and the write queue
 * backs off on a timer), nothing blocks: one batch stays in flight, finished spans wait in a
 * buffer bounded by maxQueueSize, and spans past that bound are dropped and counted (stats.dropped,
 * the self-metric otel.sdk.processor.span.processed{error.type=queue_full}, /health/self).
 * forceFlush and shutdown wait for the batch in flight and the buffer.
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
  /** Finished spans held while the sink is busy; past it new spans are dropped (counted). Default 65 536. */
  maxQueueSize?: number;
}

export interface SpanProcessorStats {
  /** Finished spans not yet written: the buffer plus the batch in flight. */
  queued: number;
  exported: number;
  failedExports: number;
  failedSpans: number;
  /** Spans dropped because maxQueueSize spans were already waiting for a busy sink. */
  dropped: number;
  lastError: string | null;
}

export const DEFAULT_MAX_QUEUE_SIZE = 65_536;

/** The options as both SQLite span processors (this one and the writer thread's) apply them. */
export function batchBounds(options: SyncBatchSpanProcessorOptions): { batchSize: number; delayMillis: number; maxQueueSize: number } {
  const batchSize = Math.max(1, options.maxExportBatchSize ?? 2048);
  return {
    batchSize,
    delayMillis: Math.max(0, options.scheduledDelayMillis ?? 1000),
    maxQueueSize: Math.max(batchSize, options.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE),
  };
}

export function emptySpanProcessorStats(): SpanProcessorStats {
  return { queued: 0, exported: 0, failedExports: 0, failedSpans: 0, dropped: 0, lastError: null };
}

/** Counts an answered export; a refused one (the disk is full, or busy past its retries) with its reason. */
export function countExport(stats: SpanProcessorStats, spans: number, error: string | null): void {
  if (error === null) stats.exported += spans;
  else {
    stats.failedExports++;
    stats.failedSpans += spans;
    stats.lastError = error;
  }
}

export class SyncBatchSpanProcessor implements SpanProcessor {
  readonly stats: SpanProcessorStats = emptySpanProcessorStats();
  private buffer: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Spans of the export the sink has not answered yet (0: none in flight). */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly batchSize: number;
  private readonly delayMillis: number;
  private readonly maxQueueSize: number;

  constructor(
    private readonly exporter: SpanExporter,
    options: SyncBatchSpanProcessorOptions = {},
  ) {
    ({ batchSize: this.batchSize, delayMillis: this.delayMillis, maxQueueSize: this.maxQueueSize } = batchBounds(options));
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped) return;
    if (this.buffer.length >= this.maxQueueSize) {
      this.stats.dropped++;
      return;
    }
    this.buffer.push(span);
    this.stats.queued = this.buffer.length + this.inFlight;
    if (this.inFlight > 0) return;
    if (this.buffer.length >= this.batchSize) this.flushBuffer();
    else this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushBuffer();
    }, this.delayMillis);
    this.timer.unref();
  }

  /** Exports the buffer batch by batch while the sink answers at once; stops at a deferred answer. */
  private flushBuffer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight === 0 && this.buffer.length > 0) {
      const batch = this.buffer.length <= this.batchSize ? this.buffer : this.buffer.slice(0, this.batchSize);
      this.buffer = this.buffer.length <= this.batchSize ? [] : this.buffer.slice(this.batchSize);
      this.inFlight = batch.length;
      let answered = false;
      let deferred = false;
      this.exporter.export(batch, (r) => {
        if (answered) return;
        answered = true;
        this.inFlight = 0;
        this.account(batch.length, r);
        // A late answer: carry on with what piled up, one turn of the event loop later.
        if (deferred) setImmediate(() => this.resume());
      });
      if (!answered) deferred = true;
    }
    this.stats.queued = this.buffer.length + this.inFlight;
    if (this.inFlight === 0 && this.buffer.length === 0) this.notifyIdle();
  }

  private resume(): void {
    if (this.inFlight > 0) return;
    if (this.buffer.length >= this.batchSize || this.idleWaiters.length > 0 || this.stopped) this.flushBuffer();
    else {
      this.stats.queued = this.buffer.length;
      this.arm();
      if (this.buffer.length === 0) this.notifyIdle();
    }
  }

  private account(spans: number, result: ExportResult): void {
    countExport(this.stats, spans, result.code === ExportResultCode.SUCCESS ? null : (result.error?.message ?? 'export failed'));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when every span ended so far is written (or counted as failed). */
  private drained(): Promise<void> {
    this.flushBuffer();
    if (this.inFlight === 0 && this.buffer.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async forceFlush(): Promise<void> {
    await this.drained();
    if (this.exporter.forceFlush) await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.drained();
    await this.exporter.shutdown();
  }
}
