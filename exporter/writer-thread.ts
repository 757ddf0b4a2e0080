/**
 * The SQLite writer thread (a worker_threads entry): owns its own connection to the file and
 * writes what the pipeline's thread posts, through the same StoreWriter and WriteQueue as the
 * in-process path, so rows, rollups, errors and the busy-database backoff (on this thread's
 * timers) are the same. Every job is answered once, when committed or given up; progress and
 * counters are published in shared memory (writer-thread-protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/sqlite/db';
import { StoreWriter } from '../store/sqlite/writer';
import { WriteQueue } from '../store/sqlite/write-queue';
import { createPriceBook } from './pricing';
import { spanBatchJob } from './span-batch';
import { BUSY, CONTROL_INTS, COUNTER_INDEX, COUNTER_OFFSET, COUNTERS, GENERATION } from './writer-thread-protocol';
import type { FromWriterThread, ToWriterThread, WriterThreadInit } from './writer-thread-protocol';
import type { WriteDone, WriteJob } from '../store/writer-types';

/** How often counters are published while jobs wait on a busy database. */
const BUSY_PUBLISH_MILLIS = 20;

function run(port: NonNullable<typeof parentPort>, init: WriterThreadInit): void {
  const db = openDatabase(init.file, { busyTimeoutMillis: init.busyTimeoutMillis, migrate: false });
  const writer = new StoreWriter(db, { prices: createPriceBook(init.prices) });
  const queue = new WriteQueue(writer, { maxRetryMillis: init.maxRetryMillis });
  const ints = new Int32Array(init.control, 0, CONTROL_INTS);
  const counters = new Float64Array(init.control, COUNTER_OFFSET, COUNTERS.length);
  let doneSpans = 0;
  let busyTimer: NodeJS.Timeout | undefined;

  const publish = (): void => {
    const w = writer.stats;
    const q = queue.stats;
    const values: Record<(typeof COUNTERS)[number], number> = {
      doneSpans,
      batches: w.batches,
      spans: w.spans,
      metricPoints: w.metricPoints,
      logRecords: w.logRecords,
      evaluationScores: w.evaluationScores,
      rejected: w.rejected,
      duplicates: w.duplicates,
      busyRetries: w.busyRetries,
      failures: w.failures,
      foldedValues: w.foldedValues,
      lastFailureAtMillis: w.lastFailureAtMillis ?? Number.NaN,
      pendingJobs: q.pendingJobs,
      pendingRecords: q.pendingRecords,
      retries: q.retries,
      gaveUp: q.gaveUp,
      gaveUpRecords: q.gaveUpRecords,
      largestTransactionJobs: q.largestTransactionJobs,
    };
    for (const c of COUNTERS) counters[COUNTER_INDEX[c]] = values[c];
    const busy = q.pendingJobs > 0 ? 1 : 0;
    Atomics.store(ints, BUSY, busy);
    // The counters are written before the generation moves: a reader woken by it sees them.
    Atomics.add(ints, GENERATION, 1);
    Atomics.notify(ints, GENERATION);
    if (busy && busyTimer === undefined) {
      busyTimer = setInterval(() => {
        if (queue.stats.pendingJobs > 0) publish();
        else {
          clearInterval(busyTimer);
          busyTimer = undefined;
          publish();
        }
      }, BUSY_PUBLISH_MILLIS);
    }
  };

  const submit = (id: number, job: WriteJob, spans: number): void => {
    const done: WriteDone = (err, result) => {
      doneSpans += spans;
      publish();
      // SQLITE_BUSY and the like must survive the trip: callers read the code.
      const code = (err as { code?: unknown } | null)?.code;
      const reply: FromWriterThread = {
        t: 'done',
        id,
        error: err ? { message: err.message, ...(typeof code === 'string' ? { code } : {}) } : null,
        ...(result ? { result } : {}),
        lastError: writer.stats.lastError,
      };
      port.postMessage(reply);
    };
    queue.submit(job, done);
    // A job that found the database busy waits in the queue: say so at once (no backpressure wait).
    if (queue.stats.pendingJobs > 0) publish();
  };

  port.on('message', (msg: ToWriterThread) => {
    if (msg.t === 'spans') {
      let job;
      try {
        job = spanBatchJob(msg.batch);
      } catch (err) {
        doneSpans += msg.batch.spans;
        publish();
        port.postMessage({ t: 'done', id: msg.id, error: { message: (err as Error).message }, lastError: writer.stats.lastError } satisfies FromWriterThread);
        return;
      }
      submit(msg.id, job, job.records.length);
    } else if (msg.t === 'job') submit(msg.id, msg.job, 0);
    else {
      void queue.flush().then(() => {
        if (busyTimer !== undefined) clearInterval(busyTimer);
        db.close();
        port.postMessage({ t: 'closed' } satisfies FromWriterThread);
        port.close();
      });
    }
  });
  publish();
}

if (parentPort) run(parentPort, workerData as WriterThreadInit);
