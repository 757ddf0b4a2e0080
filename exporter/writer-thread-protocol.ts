/**
 * What the pipeline's thread and the SQLite writer thread say to each other (types and the
 * shared-memory layout; no I/O). The writer thread owns the database connection; the pipeline's
 * thread posts batches and reads progress and counters from shared memory, so it can wait for
 * room (backpressure) and report stats without a message round trip.
 */
import type { PriceOverrides } from './pricing';
import type { WriteJob, WriteResult } from '../store/writer-types';
import type { EncodedSpanBatch } from './span-batch';

export interface WriterThreadInit {
  file: string;
  busyTimeoutMillis: number;
  maxRetryMillis: number;
  prices: PriceOverrides;
  /** CONTROL_INTS Int32 slots, then the Float64 counters (COUNTER_OFFSET bytes in). */
  control: SharedArrayBuffer;
}

export type ToWriterThread =
  | { t: 'spans'; id: number; batch: EncodedSpanBatch }
  | { t: 'job'; id: number; job: WriteJob }
  | { t: 'close' };

export type FromWriterThread =
  | { t: 'done'; id: number; error: { message: string; code?: string } | null; result?: WriteResult; lastError: string | null }
  | { t: 'closed' };

/** Int32 slots: bumped (and notified) on every change; 1 while the queue waits on a busy database. */
export const GENERATION = 0;
export const BUSY = 1;
export const CONTROL_INTS = 2;
export const COUNTER_OFFSET = 8;

/** Float64 counters after the Int32 slots, in this order: done spans, then the writer's and queue's stats. */
export const COUNTERS = [
  'doneSpans',
  'batches',
  'spans',
  'metricPoints',
  'logRecords',
  'evaluationScores',
  'rejected',
  'duplicates',
  'busyRetries',
  'failures',
  'foldedValues',
  'lastFailureAtMillis',
  'pendingJobs',
  'pendingRecords',
  'retries',
  'gaveUp',
  'gaveUpRecords',
  'largestTransactionJobs',
] as const;
export type CounterName = (typeof COUNTERS)[number];
export const COUNTER_INDEX = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<CounterName, number>;

export function controlBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(COUNTER_OFFSET + COUNTERS.length * 8);
}
