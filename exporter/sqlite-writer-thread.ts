/**
 * SqliteWriterThread: the pipeline's side of the SQLite writer thread (writer-thread.ts). A
 * DeferredTelemetryWriter (every job is answered later, once the thread committed or gave up on
 * it), plus the span fast path (encoded batches, span-batch.ts) and what a span processor needs to
 * apply backpressure without blocking on a busy database: spans in flight, whether the thread is
 * backing off, and a bounded wait for its progress. The thread is unref'd: it never keeps the
 * process alive (forceFlush/shutdown wait for it).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';
import type { PriceOverrides } from './pricing';
import { spanBatchJob } from './span-batch';
import type { EncodedSpanBatch } from './span-batch';
import { openDatabase } from '../store/sqlite/db';
import type { Db } from '../store/sqlite/db';
import { StoreWriter } from '../store/sqlite/writer';
import { WriteQueue } from '../store/sqlite/write-queue';
import { createPriceBook } from './pricing';
import { BUSY, CONTROL_INTS, COUNTER_INDEX, COUNTER_OFFSET, COUNTERS, GENERATION, controlBuffer } from './writer-thread-protocol';
import type { CounterName, FromWriterThread, ToWriterThread, WriterThreadInit } from './writer-thread-protocol';
import type { DeferredTelemetryWriter, WriteDone, WriteJob } from '../store/writer-types';
import type { StoreWriterStats } from '../store/sqlite/writer';
import type { WriteQueueStats } from '../store/sqlite/write-queue';

export interface SqliteWriterThreadOptions {
  /** The SQLite file (already created and migrated: startTelemetry opens it first). */
  file: string;
  /** The thread's connection's busy timeout. Default 5. */
  busyTimeoutMillis?: number;
  /** A batch still not written after this long busy is given up. Default 60 000. */
  maxRetryMillis?: number;
  prices?: PriceOverrides;
}

let bundledEntry: string | null = null;

/**
 * The compiled thread next to this file (the package, dist/). From the TypeScript sources (jest,
 * ts-node) the entry and the store code it imports are bundled once per process with esbuild (a
 * devDependency; starting a thread through ts-node took seconds): under node_modules/.cache, so
 * the bundle's own imports resolve, named by its content, so concurrent test workers share it.
 */
function threadEntry(): string {
  const js = path.join(__dirname, 'writer-thread.js');
  if (fs.existsSync(js)) return js;
  if (bundledEntry && fs.existsSync(bundledEntry)) return bundledEntry;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  const built = esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'writer-thread.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'error',
  });
  const code = built.outputFiles[0]?.text ?? '';
  const dir = path.join(__dirname, '..', 'node_modules', '.cache', 'genscope');
  const file = path.join(dir, `writer-thread-${crypto.createHash('sha1').update(code).digest('hex').slice(0, 16)}.js`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  bundledEntry = file;
  return file;
}

interface Waiting {
  done: WriteDone;
  spans: number;
  /** What the job was, kept until it is answered, so the in-process fallback can write it again. */
  job: WriteJob | EncodedSpanBatch;
}

/** The writer that takes over in this thread when the writer thread dies (see fail()). */
interface InProcess {
  db: Db;
  writer: StoreWriter;
  queue: WriteQueue;
  /** Spans submitted to it and not answered yet. */
  inFlight: number;
}

/** Counters that are the current state, not totals: after a fallback only the in-process writer's count. */
const GAUGES: readonly CounterName[] = ['pendingJobs', 'pendingRecords', 'largestTransactionJobs'];

/** Plain objects whose fields read the thread's published counters (a spread copies the values). */
function liveStats<T extends object>(read: (name: CounterName) => number, names: readonly CounterName[], extra: object): T {
  const out = { ...extra };
  for (const n of names) Object.defineProperty(out, n, { enumerable: true, get: () => read(n) });
  return out as T;
}

export class SqliteWriterThread implements DeferredTelemetryWriter {
  /** The thread's StoreWriter counters, as last published (live). */
  readonly writerStats: StoreWriterStats;
  /** The thread's WriteQueue counters, as last published (live). */
  readonly queueStats: WriteQueueStats;
  private readonly worker: Worker;
  private readonly ints: Int32Array;
  private readonly counters: Float64Array;
  private readonly waiting = new Map<number, Waiting>();
  private idleWaiters: (() => void)[] = [];
  private nextId = 1;
  private postedSpans = 0;
  private lastError: string | null = null;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private local: InProcess | null = null;
  private readonly options: SqliteWriterThreadOptions;

  constructor(options: SqliteWriterThreadOptions) {
    const control = controlBuffer();
    this.ints = new Int32Array(control, 0, CONTROL_INTS);
    this.counters = new Float64Array(control, COUNTER_OFFSET, COUNTERS.length);
    this.options = options;
    // The thread's published counters; after a fallback, plus the in-process writer's own.
    const read = (n: CounterName): number => {
      const thread = this.counters[COUNTER_INDEX[n]] as number;
      const local = this.local;
      if (local === null) return thread;
      const own = n in local.writer.stats ? (local.writer.stats as unknown as Record<string, number | null>)[n] : (local.queue.stats as unknown as Record<string, number>)[n];
      if (n === 'lastFailureAtMillis') return own === null || own === undefined ? thread : Math.max(Number.isNaN(thread) ? 0 : thread, own);
      return GAUGES.includes(n) ? Number(own) : thread + Number(own ?? 0);
    };
    const writer = liveStats<StoreWriterStats>(
      read,
      ['batches', 'spans', 'metricPoints', 'logRecords', 'evaluationScores', 'rejected', 'duplicates', 'busyRetries', 'failures', 'foldedValues'],
      {},
    );
    Object.defineProperty(writer, 'lastError', { enumerable: true, get: () => this.lastError });
    Object.defineProperty(writer, 'lastFailureAtMillis', {
      enumerable: true,
      get: () => (Number.isNaN(read('lastFailureAtMillis')) ? null : read('lastFailureAtMillis')),
    });
    this.writerStats = writer;
    this.queueStats = liveStats<WriteQueueStats>(read, ['pendingJobs', 'pendingRecords', 'retries', 'gaveUp', 'gaveUpRecords', 'largestTransactionJobs'], {});
    this.counters[COUNTER_INDEX.lastFailureAtMillis] = Number.NaN;

    const init: WriterThreadInit = {
      file: options.file,
      busyTimeoutMillis: Math.max(0, Math.floor(options.busyTimeoutMillis ?? 5)),
      maxRetryMillis: Math.max(0, options.maxRetryMillis ?? 60_000),
      prices: options.prices ?? { models: {} },
      control,
    };
    this.worker = new Worker(threadEntry(), { workerData: init });
    this.worker.on('message', (msg: FromWriterThread) => {
      if (msg.t !== 'done') return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      this.lastError = msg.lastError;
      if (msg.error) {
        const err = new Error(msg.error.message) as Error & { code?: string };
        if (msg.error.code !== undefined) err.code = msg.error.code;
        w.done(err);
      } else w.done(null, msg.result ?? { accepted: w.spans, rejected: 0, warnings: [] });
      this.notifyIdle();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.closing === null || this.waiting.size > 0) this.fail(new Error(`the SQLite writer thread stopped (exit code ${code})`));
    });
    // Never what keeps the process alive (forceFlush() and shutdown() are how a caller waits); after
    // the listeners, since adding a 'message' listener refs the thread again.
    this.worker.unref();
  }

  /** Spans posted and not answered yet. */
  get spansInFlight(): number {
    if (this.local) return this.local.inFlight;
    return this.postedSpans - (this.counters[COUNTER_INDEX.doneSpans] as number);
  }

  /** The thread's queue waits on a database another connection holds: do not wait for it. */
  get busy(): boolean {
    if (this.local) return this.local.queue.stats.pendingJobs > 0;
    return Atomics.load(this.ints, BUSY) === 1;
  }

  /** True once the thread failed and no in-process writer could take over: every job is answered with that error. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Blocks this thread until the writer thread publishes progress, at most timeoutMillis;
   * false on timeout. Only for backpressure against a writer that is keeping up.
   */
  waitForProgress(timeoutMillis: number): boolean {
    // In-process, a job not written at once waits on the busy database: nothing to wait for here.
    if (this.local) return false;
    const generation = Atomics.load(this.ints, GENERATION);
    return Atomics.wait(this.ints, GENERATION, generation, timeoutMillis) !== 'timed-out';
  }

  submit(job: WriteJob, done: WriteDone): void {
    this.post({ t: 'job', id: this.nextId++, job }, done, 0, job);
  }

  /** Posts an encoded span batch (its buffer moves to the thread); done once it is committed or given up. */
  submitSpans(batch: EncodedSpanBatch, done: WriteDone): void {
    // A copy of the numbers stays here until the batch is answered (about 0.02 us a span): the
    // fallback writes it again if the thread dies first.
    const kept: EncodedSpanBatch = this.local ? batch : { ...batch, nums: batch.nums.slice() };
    this.post({ t: 'spans', id: this.nextId++, batch }, done, batch.spans, kept, [batch.nums.buffer as ArrayBuffer]);
  }

  private post(msg: ToWriterThread & { id: number }, done: WriteDone, spans: number, job: WriteJob | EncodedSpanBatch, transfer: ArrayBuffer[] = []): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    if (this.local) {
      this.writeLocally(msg.id, { done, spans, job });
      return;
    }
    this.waiting.set(msg.id, { done, spans, job });
    this.postedSpans += spans;
    this.worker.postMessage(msg, transfer);
  }

  /** Writes a job on the in-process writer; answered once it is committed or given up. */
  private writeLocally(id: number, w: Waiting): void {
    const local = this.local as InProcess;
    this.waiting.set(id, w);
    let job: WriteJob;
    try {
      job = 'nums' in w.job ? spanBatchJob(w.job) : w.job;
    } catch (err) {
      this.waiting.delete(id);
      w.done(err instanceof Error ? err : new Error(String(err)));
      this.notifyIdle();
      return;
    }
    local.inFlight += w.spans;
    local.queue.submit(job, (err, result) => {
      this.waiting.delete(id);
      local.inFlight -= w.spans;
      this.lastError = local.writer.stats.lastError ?? this.lastError;
      w.done(err, result);
      this.notifyIdle();
    });
  }

  /**
   * Resolves once every job submitted so far is answered. While someone waits, the thread keeps
   * the process alive (an awaited flush must finish); otherwise it never does.
   */
  flush(): Promise<void> {
    if (this.waiting.size === 0) return Promise.resolve();
    this.worker.ref();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waits for every job, then closes the thread's connection and ends the thread; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      if (this.local) {
        this.local.db.close();
        return;
      }
      if (this.failure) return;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.ref();
      this.worker.postMessage({ t: 'close' } satisfies ToWriterThread);
      await exited;
    })();
    return this.closing;
  }

  /**
   * The thread died (an error it did not catch, or it exited while jobs were pending). Its
   * connection is gone with it; this thread opens its own and writes on in-process, starting with
   * every job the thread had not answered, in order: a batch it committed just before dying is
   * written again as copies (stored once: the idempotence clause), so nothing is lost or doubled.
   * Only when this thread cannot open the database either is every job answered with the error.
   */
  private fail(err: Error): void {
    if (this.local || this.failure) return;
    const message = `the SQLite writer thread failed: ${err.message}`;
    this.counters[COUNTER_INDEX.failures] = (this.counters[COUNTER_INDEX.failures] as number) + 1;
    this.counters[COUNTER_INDEX.lastFailureAtMillis] = Date.now();
    const pending = [...this.waiting.entries()].sort((a, b) => a[0] - b[0]);
    this.waiting.clear();
    try {
      const db = openDatabase(this.options.file, { busyTimeoutMillis: Math.max(0, Math.floor(this.options.busyTimeoutMillis ?? 5)), migrate: false });
      const writer = new StoreWriter(db, { prices: createPriceBook(this.options.prices ?? { models: {} }) });
      this.local = { db, writer, queue: new WriteQueue(writer, { maxRetryMillis: Math.max(0, this.options.maxRetryMillis ?? 60_000) }), inFlight: 0 };
    } catch (openErr) {
      this.failure = new Error(`${message} (and writing in-process failed too: ${openErr instanceof Error ? openErr.message : String(openErr)})`);
      this.lastError = this.failure.message;
      for (const [, w] of pending) w.done(this.failure);
      this.postedSpans = this.counters[COUNTER_INDEX.doneSpans] as number;
      this.notifyIdle();
      return;
    }
    this.lastError = `${message}; writing in-process since`;
    for (const [id, w] of pending) this.writeLocally(id, w);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.waiting.size > 0) return;
    const waiters = this.idleWaiters;
    if (waiters.length === 0) return;
    this.idleWaiters = [];
    if (this.closing === null) this.worker.unref();
    for (const w of waiters) w();
  }
}
