/**
 * WriteQueue: the store writer for callers whose event loop must stay responsive (the
 * instrumented pipeline, the server's ingest). A transaction that finds the database locked by
 * another process is not waited for: the job stays queued and is retried on a timer with bounded
 * exponential backoff and jitter, so other work (the pipeline's stages, other HTTP requests) runs
 * meanwhile. SQLite's own busy timeout on such a connection should be a few milliseconds at most
 * (it blocks the thread while it waits).
 *
 * Memory is bounded by the callers: the span processor holds one batch in flight and bounds its
 * buffer (dropping, counted, past it); ingest holds at most the gate's requests in flight.
 *
 * With `coalesce`, jobs are written one tick later and all jobs waiting then share one
 * transaction (one commit, one rollup merge), which is what makes many small OTLP requests cheap.
 */
import { asError } from '../writer-types';
import type { DeferredTelemetryWriter, WriteDone, WriteJob, WriteResult } from '../writer-types';
import { isBusyError } from './writer';
import type { StoreWriter } from './writer';

export interface WriteQueueOptions {
  /** A job still not committed after this long busy is given up (its callback gets the busy error). Default 60 000. */
  maxRetryMillis?: number;
  /** Wait after the first busy attempt; doubles per attempt up to maxBackoffMillis, jittered. Default 2. */
  initialBackoffMillis?: number;
  /** Default 200. */
  maxBackoffMillis?: number;
  /** Write one tick later, several waiting jobs in one transaction (ingest). Default false: at once when nothing waits. */
  coalesce?: boolean;
  /** Records per coalesced transaction at most (a larger single job is still written whole). Default 32 768. */
  maxRecordsPerTransaction?: number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

export interface WriteQueueStats {
  /** Jobs and records waiting for a transaction (a busy database, or the next coalescing tick). */
  pendingJobs: number;
  pendingRecords: number;
  /** Transactions retried after finding the database busy. */
  retries: number;
  /** Jobs given up after maxRetryMillis of a busy database (each also counts as a store failure). */
  gaveUp: number;
  /** Records in the jobs given up. */
  gaveUpRecords: number;
  /** Most jobs written in one transaction so far. */
  largestTransactionJobs: number;
}

interface Pending {
  job: WriteJob;
  done: WriteDone;
  sinceMillis: number;
}

export class WriteQueue implements DeferredTelemetryWriter {
  readonly stats: WriteQueueStats = {
    pendingJobs: 0,
    pendingRecords: 0,
    retries: 0,
    gaveUp: 0,
    gaveUpRecords: 0,
    largestTransactionJobs: 0,
  };
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private attempt = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxRetryMillis: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly coalesce: boolean;
  private readonly maxRecords: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    readonly writer: StoreWriter,
    options: WriteQueueOptions = {},
  ) {
    this.maxRetryMillis = Math.max(0, options.maxRetryMillis ?? 60_000);
    this.initialBackoff = Math.max(1, options.initialBackoffMillis ?? 2);
    this.maxBackoff = Math.max(this.initialBackoff, options.maxBackoffMillis ?? 200);
    this.coalesce = options.coalesce ?? false;
    this.maxRecords = Math.max(1, options.maxRecordsPerTransaction ?? 32_768);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  submit(job: WriteJob, done: WriteDone): void {
    if (!this.coalesce && this.pending.length === 0) {
      // The common case: nothing waits, so write now and answer synchronously.
      let result: WriteResult;
      try {
        result = this.writeOne(job);
      } catch (err) {
        if (!isBusyError(err)) {
          done(asError(err));
          return;
        }
        this.stats.retries++;
        this.enqueue({ job, done, sinceMillis: this.now() });
        this.attempt = 1;
        this.scheduleRetry();
        return;
      }
      done(null, result);
      return;
    }
    this.enqueue({ job, done, sinceMillis: this.now() });
    // While a retry timer runs, the job waits for it (and shares its transaction).
    if (this.timer === undefined && this.immediate === undefined) this.immediate = setImmediate(() => this.drain());
  }

  flush(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private writeOne(job: WriteJob): WriteResult {
    return this.writer.writeJobs([job])[0] as WriteResult;
  }

  private enqueue(p: Pending): void {
    this.pending.push(p);
    this.stats.pendingJobs = this.pending.length;
    this.stats.pendingRecords += p.job.records.length;
  }

  private take(n: number): Pending[] {
    const taken = this.pending.splice(0, n);
    this.stats.pendingJobs = this.pending.length;
    for (const p of taken) this.stats.pendingRecords -= p.job.records.length;
    return taken;
  }

  private unshift(ps: Pending[]): void {
    this.pending.unshift(...ps);
    this.stats.pendingJobs = this.pending.length;
    for (const p of ps) this.stats.pendingRecords += p.job.records.length;
  }

  /** Bounded exponential backoff with jitter: half the step fixed, half random. */
  private scheduleRetry(): void {
    const step = Math.min(this.maxBackoff, this.initialBackoff * 2 ** Math.min(30, this.attempt - 1));
    const delay = step / 2 + (this.random() * step) / 2;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delay);
  }

  /** Writes waiting jobs, as many per transaction as the bound allows, until none wait or the database is busy. */
  private drain(): void {
    this.immediate = undefined;
    while (this.pending.length > 0) {
      let n = 0;
      let records = 0;
      for (const p of this.pending) {
        if (n > 0 && (records + p.job.records.length > this.maxRecords || p.job.kind === 'logs')) break;
        n++;
        records += p.job.records.length;
        if (p.job.kind === 'logs') break;
      }
      const batch = this.take(n);
      let results: WriteResult[];
      try {
        results = this.writer.writeJobs(batch.map((p) => p.job));
      } catch (err) {
        if (isBusyError(err)) {
          this.unshift(this.giveUpExpired(batch, err));
          if (this.pending.length === 0) break;
          this.stats.retries++;
          this.attempt++;
          this.scheduleRetry();
          return;
        }
        // One bad job must not take the others down with it: write them one by one.
        if (batch.length > 1) {
          this.writeSeparately(batch);
          if (this.timer !== undefined) return;
          continue;
        }
        batch[0]?.done(asError(err));
        continue;
      }
      this.attempt = 0;
      this.stats.largestTransactionJobs = Math.max(this.stats.largestTransactionJobs, batch.length);
      batch.forEach((p, i) => p.done(null, results[i]));
    }
    this.attempt = 0;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** After a coalesced transaction failed for another reason than busy: each job alone. */
  private writeSeparately(batch: Pending[]): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      let result: WriteResult;
      try {
        result = this.writeOne(p.job);
      } catch (err) {
        if (isBusyError(err)) {
          this.unshift(batch.slice(i));
          this.stats.retries++;
          this.attempt++;
          this.scheduleRetry();
          return;
        }
        p.done(asError(err));
        continue;
      }
      p.done(null, result);
    }
  }

  /** Answers the jobs that waited past maxRetryMillis with the busy error; returns the others. */
  private giveUpExpired(batch: Pending[], err: unknown): Pending[] {
    const now = this.now();
    const keep: Pending[] = [];
    for (const p of batch) {
      if (now - p.sinceMillis < this.maxRetryMillis) {
        keep.push(p);
        continue;
      }
      this.stats.gaveUp++;
      this.stats.gaveUpRecords += p.job.records.length;
      this.writer.recordGaveUp(err);
      p.done(asError(err));
    }
    return keep;
  }
}
