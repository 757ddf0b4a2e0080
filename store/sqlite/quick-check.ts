/**
 * The store's own damage check: SQLite's `PRAGMA quick_check` (every page and b-tree, without the
 * index-content cross-check of integrity_check) on a separate read-only connection, so it reads
 * the file from disk rather than the server connection's page cache. It runs in a worker thread
 * (reading every page of a big file takes a while; no request waits for it) with a time bound,
 * at start and on a schedule, never per health request; the last result is what
 * /api/v1/health/self reports.
 */
import { Worker } from 'node:worker_threads';

export interface QuickCheckStats {
  /** The database file checked. */
  file: string;
  runs: number;
  /** Checks stopped at the time bound (their result is not known; the previous one stands). */
  timedOut: number;
  lastRunAtMillis: number | null;
  lastDurationMillis: number | null;
  /** ['ok'], or the first problems SQLite found (or the error that stopped the check). */
  lastResult: string[] | null;
}

export interface QuickCheckOptions {
  /** A check still running after this long is stopped. Default 10 minutes. */
  timeoutMillis?: number;
  clock?: () => number;
}

/** Problems listed at most (quick_check stops there). */
const MAX_ERRORS = 10;

/** The worker's code (plain CommonJS, so it runs the same from sources and from dist/). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
let db = null;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 1000');
  parentPort.postMessage({ result: db.pragma('quick_check(' + workerData.max + ')').map((r) => String(r.quick_check)) });
} catch (err) {
  parentPort.postMessage({ error: { code: String((err && err.code) || ''), message: String((err && err.message) || err) } });
} finally {
  if (db) db.close();
}
`;

type Reply = { result: string[] } | { error: { code: string; message: string } };

export class QuickCheck {
  readonly stats: QuickCheckStats;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<string[]> | null = null;
  private worker: Worker | null = null;
  private readonly timeoutMillis: number;
  private readonly clock: () => number;

  constructor(file: string, options: QuickCheckOptions = {}) {
    this.stats = { file, runs: 0, timedOut: 0, lastRunAtMillis: null, lastDurationMillis: null, lastResult: null };
    this.timeoutMillis = options.timeoutMillis ?? 10 * 60_000;
    this.clock = options.clock ?? Date.now;
  }

  /** True when the last check found nothing wrong (or none has finished yet). */
  get healthy(): boolean {
    const r = this.stats.lastResult;
    return r === null || (r.length === 1 && r[0] === 'ok');
  }

  /** Checks now (or joins the check in progress); resolves with the problems found (['ok'] when none). */
  runNow(): Promise<string[]> {
    this.current ??= this.check().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private check(): Promise<string[]> {
    const started = this.clock();
    // An in-memory database has no file to damage (and no second connection can see it).
    if (this.stats.file === ':memory:') return Promise.resolve(['ok']);
    return new Promise<string[]>((resolve) => {
      const worker = new Worker(WORKER, { eval: true, workerData: { file: this.stats.file, sqlite: require.resolve('better-sqlite3'), max: MAX_ERRORS } });
      this.worker = worker;
      worker.unref();
      let settled = false;
      const done = (result: string[] | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(bound);
        this.worker = null;
        void worker.terminate();
        if (result === null) {
          resolve(this.stats.lastResult ?? ['ok']);
          return;
        }
        this.stats.runs++;
        this.stats.lastRunAtMillis = started;
        this.stats.lastDurationMillis = this.clock() - started;
        this.stats.lastResult = result;
        resolve(result);
      };
      const bound = setTimeout(() => {
        this.stats.timedOut++;
        done(null);
      }, this.timeoutMillis);
      bound.unref();
      worker.on('message', (reply: Reply) => {
        if ('result' in reply) done(reply.result);
        // A lock held elsewhere says nothing about damage: the previous result stands.
        else if (/^SQLITE_(BUSY|LOCKED)/.test(reply.error.code)) done(null);
        else done([`${reply.error.code || 'error'}: ${reply.error.message}`]);
      });
      worker.on('error', (err) => done([`quick_check could not run: ${err.message}`]));
      worker.on('exit', () => done(null));
    });
  }

  /** Checks at once, then every intervalMillis after each check ends, until stop(); onResult hears each result. */
  start(intervalMillis: number, onResult: (result: string[]) => void = () => undefined): void {
    if (!(intervalMillis > 0)) throw new Error(`intervalMillis must be > 0 (got ${intervalMillis})`);
    this.stop();
    const tick = (): void => {
      this.timer = undefined;
      void this.runNow().then((result) => {
        onResult(result);
        this.timer = setTimeout(tick, intervalMillis);
        this.timer.unref();
      });
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.worker?.terminate();
  }
}
