/**
 * The alert evaluator's metric reads off the server's event loop. At 10M spans one pass of the
 * default rules reads for seconds (the quality rule's samples: up to 100 000 scores per score
 * name over the 7-day baseline), and a synchronous read stalls every request arriving meanwhile.
 * Here each read runs in a worker thread on its own read-only connection (WAL: it sees every
 * committed write). The worker starts on the first read and ends after a quiet spell, so its
 * heap (the rows a read builds) is handed back between passes rather than held by the server.
 */
import { Worker } from 'node:worker_threads';
import type { BucketValue, GroupSamples, GroupValue, MetricScope, TimeRange } from './alert-metrics';
import type { PlanContext } from '../window';
import { workerEntry } from '../worker-entry';

/** One read: the arguments of readAggregates, readBucketSeries or readSamples (alert-metrics.ts). */
export type MetricRead =
  | { kind: 'aggregates'; scope: MetricScope; range: TimeRange; plan: PlanContext }
  | { kind: 'series'; scope: MetricScope; range: TimeRange; bucketMillis: number; plan: PlanContext }
  | { kind: 'samples'; scope: MetricScope; range: TimeRange; maxSamples: number | undefined; plan: PlanContext };

/** The worker's heap bound: a read past it fails (the pass reports the error), the server stays within its memory. */
const MAX_HEAP_MIB = 256;

type Rows = GroupValue[] | BucketValue[] | GroupSamples[];

type Reply = { id: number; rows: Rows } | { id: number; error: string };

export interface MetricReadWorkerOptions {
  /** The worker ends after this long without a read (default 5 s). */
  idleMillis?: number;
}

export class MetricReadWorker {
  /** Workers started so far (one per busy spell). */
  started = 0;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (rows: Rows) => void; reject: (err: Error) => void }>();
  private idle: NodeJS.Timeout | null = null;
  private readonly idleMillis: number;

  constructor(
    readonly file: string,
    options: MetricReadWorkerOptions = {},
  ) {
    this.idleMillis = options.idleMillis ?? 5_000;
  }

  /** True while a worker thread is alive. */
  get running(): boolean {
    return this.worker !== null;
  }

  read(r: MetricRead & { kind: 'aggregates' }): Promise<GroupValue[]>;
  read(r: MetricRead & { kind: 'series' }): Promise<BucketValue[]>;
  read(r: MetricRead & { kind: 'samples' }): Promise<GroupSamples[]>;
  read(r: MetricRead): Promise<Rows> {
    const worker = this.worker ?? this.spawn();
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const id = this.nextId++;
    return new Promise<Rows>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, read: r });
    });
  }

  /** Ends the worker (reads in flight are refused); a later read starts a new one. */
  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    this.worker = null;
    this.fail(new Error('the alert metric reader was closed'));
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const entry = workerEntry(__dirname, 'metric-worker');
    const worker = new Worker(entry.file, {
      execArgv: entry.execArgv,
      env: entry.env,
      workerData: { file: this.file },
      // A read holds at most one score name's capped rows (100 000) at once: tens of MiB.
      resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MIB, maxYoungGenerationSizeMb: 16 },
    });
    // A reader waiting for work must not keep the process alive.
    worker.unref();
    this.started++;
    this.worker = worker;
    worker.on('message', (reply: Reply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if ('rows' in reply) job.resolve(reply.rows);
      else job.reject(new Error(reply.error));
      if (this.pending.size === 0 && this.worker === worker) {
        this.idle = setTimeout(() => void this.stopIdle(worker), this.idleMillis);
        this.idle.unref();
      }
    });
    worker.on('error', (err) => this.lost(worker, new Error(`alert metric reader: ${err.message}`)));
    worker.on('exit', (code) => this.lost(worker, new Error(`alert metric reader exited (code ${code})`)));
    return worker;
  }

  private async stopIdle(worker: Worker): Promise<void> {
    if (this.worker !== worker || this.pending.size > 0) return;
    this.worker = null;
    this.idle = null;
    await worker.terminate();
  }

  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.fail(err);
  }

  private fail(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }
}
