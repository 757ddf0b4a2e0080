/**
 * The span processor of the SQLite writer thread (startTelemetry's default for a database file):
 * each finished span is encoded into the batch being built as it ends (span-batch.ts), and a full
 * batch is posted to the thread, which maps, writes and rolls it up off this thread. Several
 * batches may be in flight; the bound is maxQueueSize spans waiting (built or in flight).
 *
 * At the bound the processor behaves as the synchronous one does: while the thread keeps writing,
 * a producer that outruns the disk waits for it (backpressure: this thread blocks until the writer
 * publishes progress; nothing is dropped); while the thread's queue backs off on a database another
 * process holds, nothing waits and spans past the bound are dropped and counted (stats.dropped,
 * the self-metric otel.sdk.processor.span.processed{error.type=queue_full}, /health/self).
 * forceFlush and shutdown resolve once the thread answered every span ended before the call.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanBatchEncoder } from '../exporter/span-batch';
import type { SqliteWriterThread } from '../exporter/sqlite-writer-thread';
import { batchBounds, countExport, emptySpanProcessorStats } from './sync-span-processor';
import type { SpanProcessorStats, SyncBatchSpanProcessorOptions } from './sync-span-processor';

/** A writer thread that publishes no progress for this long is taken as stalled: spans are dropped, not waited for. */
const STALL_MILLIS = 10_000;
/** One wait's slice, after which the busy flag and the stall are looked at again. */
const WAIT_SLICE_MILLIS = 50;

export class ThreadSpanProcessor implements SpanProcessor {
  readonly stats: SpanProcessorStats = emptySpanProcessorStats();
  private readonly encoder = new SpanBatchEncoder();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly batchSize: number;
  private readonly delayMillis: number;
  private readonly maxQueueSize: number;

  constructor(
    private readonly thread: SqliteWriterThread,
    options: SyncBatchSpanProcessorOptions = {},
  ) {
    ({ batchSize: this.batchSize, delayMillis: this.delayMillis, maxQueueSize: this.maxQueueSize } = batchBounds(options));
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped) return;
    if (this.encoder.count + this.thread.spansInFlight >= this.maxQueueSize && !this.waitForRoom()) {
      this.stats.dropped++;
      return;
    }
    try {
      this.encoder.add(span);
    } catch (err) {
      // A span the encoding cannot read (an SDK span never is one): counted as failed, not thrown into end().
      countExport(this.stats, 1, err instanceof Error ? err.message : String(err));
      return;
    }
    this.stats.queued = this.encoder.count + this.thread.spansInFlight;
    if (this.encoder.count >= this.batchSize) this.post();
    else this.arm();
  }

  /** Waits while the thread writes and is not backing off; false when the span must be dropped. */
  private waitForRoom(): boolean {
    let since = Date.now();
    while (this.encoder.count + this.thread.spansInFlight >= this.maxQueueSize) {
      if (this.thread.busy || this.thread.failed) return false;
      if (this.thread.waitForProgress(WAIT_SLICE_MILLIS)) since = Date.now();
      else if (Date.now() - since > STALL_MILLIS) return false;
    }
    return true;
  }

  private arm(): void {
    if (this.timer !== undefined || this.encoder.count === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.post();
    }, this.delayMillis);
    this.timer.unref();
  }

  private post(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.encoder.count === 0) return;
    const batch = this.encoder.take();
    this.thread.submitSpans(batch, (err) => {
      countExport(this.stats, batch.spans, err ? err.message : null);
      this.stats.queued = this.encoder.count + this.thread.spansInFlight;
    });
  }

  async forceFlush(): Promise<void> {
    this.post();
    await this.thread.flush();
    this.stats.queued = this.encoder.count + this.thread.spansInFlight;
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.forceFlush();
  }
}
