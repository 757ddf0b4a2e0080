/**
 * Decoding off the event loop: a small pool of worker threads, each with its own bounded heap,
 * runs gunzip + decode + mapping for ingest, so one expensive body never stalls the other routes.
 * A task that runs past its time or its worker's heap ends that worker (a fresh one replaces it)
 * and is answered 413; when every worker is busy and the queue is full, the answer is 503 and the
 * sender retries. Only the records come back to the main thread, which writes them.
 *
 * Small bodies (inlineMaxBytes, 256 KiB by default, after decompression) are decoded on the
 * calling thread instead: sending the records back costs more than decoding them (the structured
 * clone of 512 spans took longer on the two threads together than the wire decode), and their
 * decode is bounded by their size (a few ms at most, less than writing the same spans, which the
 * main thread does anyway). A gzip body that inflates past the bound goes to a worker as received.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { IngestError } from './errors';
import { gunzipBounded, runDecodeTask } from './decode-task';
import type { DecodeResult, DecodeTask } from './decode-task';
import { workerEntry } from '../../store/worker-entry';

/** What the ingest router needs to turn a body into records. */
export interface IngestDecoder {
  decode(task: DecodeTask): Promise<DecodeResult>;
  close(): Promise<void>;
}

/** Decodes on the calling thread (the blocking fallback; libraries and unit tests). */
export const inlineDecoder: IngestDecoder = {
  decode: (task) => Promise.resolve().then(() => runDecodeTask(task)),
  close: () => Promise.resolve(),
};

export interface DecodePoolOptions {
  /** Worker threads (default: the CPU count, at most 2). */
  threads?: number;
  /** A task running longer ends its worker and is answered 413 (default 10 000). */
  taskTimeoutMillis?: number;
  /** Old-generation heap of each worker in MiB (default 160): a task needing more is a 413. */
  maxHeapMiB?: number;
  /** Tasks waiting for a worker beyond which requests are answered 503 (default 16). */
  maxQueued?: number;
  /** Bodies of at most this many bytes (decompressed) are decoded on the calling thread (default 256 KiB; 0: never). */
  inlineMaxBytes?: number;
}

/** See the header: below this, decoding costs less than moving the records between threads. */
export const DEFAULT_INLINE_MAX_BYTES = 256 * 1024;

export interface DecodePoolStats {
  tasks: number;
  queued: number;
  running: number;
  timedOut: number;
  outOfMemory: number;
  refused: number;
  /** Tasks decoded on the calling thread (small bodies). */
  inline: number;
}

interface Job {
  id: number;
  task: DecodeTask;
  resolve: (r: DecodeResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

type WorkerReply = { id: number; result: DecodeResult } | { id: number; error: { status: number; message: string } };

/**
 * The body's memory is moved to the worker, not copied (copying 16 MiB blocks the loop for
 * hundreds of ms on a loaded machine). Small Buffers may live in Node's shared pool, which must
 * never be moved: those are copied.
 */
function transferable(body: Uint8Array): Uint8Array {
  if (body.buffer instanceof ArrayBuffer && body.buffer.byteLength > Buffer.poolSize) return body;
  return new Uint8Array(body);
}

export class DecodePool implements IngestDecoder {
  readonly stats: DecodePoolStats = { tasks: 0, queued: 0, running: 0, timedOut: 0, outOfMemory: 0, refused: 0, inline: 0 };
  private readonly threads: number;
  private readonly timeoutMillis: number;
  private readonly maxHeapMiB: number;
  private readonly maxQueued: number;
  private readonly inlineMaxBytes: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: DecodePoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? Math.min(2, os.availableParallelism())));
    this.timeoutMillis = Math.max(1, options.taskTimeoutMillis ?? 10_000);
    this.maxHeapMiB = Math.max(16, Math.floor(options.maxHeapMiB ?? 160));
    this.maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 16));
    this.inlineMaxBytes = Math.max(0, Math.floor(options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES));
  }

  get bounds(): { threads: number; taskTimeoutMillis: number; maxHeapMiB: number; maxQueued: number } {
    return { threads: this.threads, taskTimeoutMillis: this.timeoutMillis, maxHeapMiB: this.maxHeapMiB, maxQueued: this.maxQueued };
  }

  /** Takes ownership of task.body: its memory moves to the worker (the caller must not reuse it). */
  decode(task: DecodeTask): Promise<DecodeResult> {
    if (this.closed) return Promise.reject(new IngestError(503, 'the server is shutting down; retry later'));
    const small = this.smallBody(task);
    if (small !== null) {
      this.stats.tasks++;
      this.stats.inline++;
      try {
        return Promise.resolve(runDecodeTask({ ...task, body: small, coding: 'identity' }));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return new Promise<DecodeResult>((resolve, reject) => {
      const job: Job = { id: this.nextId++, task: { ...task, body: transferable(task.body) }, resolve, reject };
      this.stats.tasks++;
      const slot = this.idleSlot();
      if (slot) {
        this.run(slot, job);
        return;
      }
      if (this.queue.length >= this.maxQueued) {
        this.stats.refused++;
        reject(new IngestError(503, 'every decoder is busy; retry later'));
        return;
      }
      this.queue.push(job);
      this.stats.queued = this.queue.length;
    });
  }

  /** Ends the workers; queued tasks are answered 503. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new IngestError(503, 'the server is shutting down; retry later'));
    this.stats.queued = 0;
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map((s) => {
        if (s.timer) clearTimeout(s.timer);
        s.job?.reject(new IngestError(503, 'the server is shutting down; retry later'));
        s.job = null;
        return s.worker.terminate();
      }),
    );
  }

  /** The decompressed body when it is small enough to decode here, else null (a worker decodes it). */
  private smallBody(task: DecodeTask): Uint8Array | null {
    const max = Math.min(this.inlineMaxBytes, task.maxBodyBytes);
    if (task.body.length > max) return null;
    if (task.coding === 'identity') return task.body;
    try {
      return gunzipBounded(task.body, max);
    } catch {
      // Past the bound, or not gzip at all: the worker decides, with the request's own limit.
      return null;
    }
  }

  private idleSlot(): Slot | undefined {
    const idle = this.slots.find((s) => s.job === null);
    if (idle) return idle;
    if (this.slots.length < this.threads) {
      const slot = this.spawn();
      this.slots.push(slot);
      return slot;
    }
    return undefined;
  }

  private spawn(): Slot {
    const entry = workerEntry(__dirname, 'decode-worker');
    const worker = new Worker(entry.file, {
      execArgv: entry.execArgv,
      env: entry.env,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMiB, maxYoungGenerationSizeMb: 16 },
    });
    // A pool waiting for work must not keep the process alive.
    worker.unref();
    const slot: Slot = { worker, job: null, timer: null };
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      this.finish(slot);
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(new IngestError(reply.error.status, reply.error.message));
      this.next(slot);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (oom) this.stats.outOfMemory++;
      this.replace(
        slot,
        oom
          ? new IngestError(413, `decoding this request needed more than ${this.maxHeapMiB} MiB; send smaller batches`)
          : new IngestError(503, `the decoder failed (${err.message}); retry later`),
      );
    });
    worker.on('exit', () => {
      if (this.slots.includes(slot)) this.replace(slot, new IngestError(503, 'the decoder stopped; retry later'));
    });
    return slot;
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    this.stats.running++;
    slot.timer = setTimeout(() => {
      this.stats.timedOut++;
      this.replace(
        slot,
        new IngestError(413, `decoding this request took longer than ${this.timeoutMillis} ms; send smaller batches`),
      );
    }, this.timeoutMillis);
    slot.timer.unref();
    slot.worker.postMessage({ id: job.id, task: job.task }, [job.task.body.buffer as ArrayBuffer]);
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    this.stats.running--;
  }

  /** Drops a worker that failed or overran (its task gets `reason`) and starts the queue again. */
  private replace(slot: Slot, reason: IngestError): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    if (job) this.finish(slot);
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    job?.reject(reason);
    if (this.closed) return;
    const next = this.queue.shift();
    this.stats.queued = this.queue.length;
    if (next) {
      const fresh = this.idleSlot();
      if (fresh) this.run(fresh, next);
      else this.queue.unshift(next);
    }
  }

  private next(slot: Slot): void {
    const job = this.queue.shift();
    this.stats.queued = this.queue.length;
    if (job) this.run(slot, job);
  }
}
