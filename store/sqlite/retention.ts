/**
 * Retention: prunes raw telemetry (spans, scores, model calls, metric points, log records, artefacts) older than a
 * configured number of days, and minute-grain rollups after a shorter period, while hour rollups,
 * daily component rollups and benchmark runs are kept (aggregates outlive the raw rows).
 *
 * Deletes run in small batches, one short IMMEDIATE transaction each, selected through the time
 * indexes, so that in WAL mode readers are never blocked and other writers (the ingest path,
 * pipeline processes exporting into the same file) wait at most one batch for the lock.
 *
 * Vacuum strategy: databases created by store/sqlite/db.ts openDatabase use auto_vacuum=INCREMENTAL, so
 * after pruning the freed pages are handed back to the file system a few thousand pages at a time
 * (`PRAGMA incremental_vacuum(N)`, one short write each), then a PASSIVE WAL checkpoint copies the
 * work into the main file without waiting for readers. Files created before incremental
 * auto-vacuum (auto_vacuum=NONE) keep their freed pages on the freelist and reuse them for new
 * rows, so they stop growing once the retained window is full; to shrink such a file, stop the
 * server and run `PRAGMA auto_vacuum = INCREMENTAL; VACUUM;` once.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from './db';
import { pruneStrings } from './strings';
import { DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS, ROLLUPS, minuteRollupDays, prunePolicy, storedColumn } from '../layout';
import type { PruneRule } from '../layout';

const NS_PER_MS = 1_000_000n;
const MS_PER_DAY = 86_400_000;

/**
 * How long minute rollups live by default (when retentionDays is longer). Readers must not read
 * the minute grain for windows that start earlier than this (they read the hour grain there).
 */
export { DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS };

export interface RetentionOptions {
  /** Raw spans, scores, model calls and metric points older than this many days are deleted. */
  retentionDays: number;
  /**
   * Minute-grain rollups older than this many days are deleted (hour rollups are kept).
   * Default: the smaller of retentionDays and DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS (7).
   */
  minuteRollupRetentionDays?: number;
  /**
   * Rows deleted per transaction. Small batches keep each write lock short. Default 5000
   * (pruneOnce, Pruner); the RetentionScheduler's default is SCHEDULED_BATCH_ROWS.
   */
  batchRows?: number;
  /**
   * Pages handed back per incremental_vacuum step. Default 2048 (8 MiB with 4 KiB pages);
   * the RetentionScheduler's default is SCHEDULED_VACUUM_PAGES.
   */
  vacuumPagesPerStep?: number;
}

export interface PruneOptions extends RetentionOptions {
  /** The current time in milliseconds since the epoch (injected: nothing here reads the wall clock). */
  nowMillis: number;
  /** Called after each committed delete batch (tests read on another connection here). */
  onBatch?: (progress: PruneBatch) => void;
}

export interface PruneBatch {
  table: string;
  deleted: number;
}

export interface PruneResult {
  /** Raw rows that started before this instant were deleted (ns since the epoch). */
  cutoffNs: bigint;
  /** Minute rollups whose bucket starts before this instant were deleted (ns since the epoch). */
  minuteRollupCutoffNs: bigint;
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
  /** Delete transactions committed. */
  batches: number;
  /** Pages handed back to the file system by incremental vacuum. */
  vacuumedPages: number;
  /** Pages still on the freelist afterwards (new rows reuse them). */
  freelistPages: number;
  /** WAL frames not yet copied into the database after the passive checkpoint (held by readers). */
  walFramesLeft: number;
}

function validDays(name: string, days: number): number {
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0)
    throw new Error(`${name} must be a number of days >= 0 (got ${String(days)})`);
  return days;
}

/** nowMillis minus days, in ns; whole milliseconds so fractional days work exactly. */
function cutoffNs(nowMillis: number, days: number): bigint {
  return (BigInt(Math.floor(nowMillis)) - BigInt(Math.round(days * MS_PER_DAY))) * NS_PER_MS;
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * The work of one prune as a sequence of small steps (one short transaction each). pruneOnce runs
 * them back to back; the RetentionScheduler yields to the event loop between them so a server
 * keeps answering while old data goes.
 */
export class Pruner {
  readonly result: PruneResult;
  private readonly deleteSteps: (() => boolean)[];
  private readonly batchRows: number;
  private readonly vacuumPages: number;
  private readonly onBatch: ((progress: PruneBatch) => void) | undefined;
  private vacuumDone = false;
  private finished = false;

  constructor(
    private readonly db: Db,
    options: PruneOptions,
  ) {
    const days = validDays('retentionDays', options.retentionDays);
    const settings = { retentionDays: days, ...(options.minuteRollupRetentionDays !== undefined ? { minuteRollupRetentionDays: options.minuteRollupRetentionDays } : {}) };
    const minuteDays = validDays('minuteRollupRetentionDays', minuteRollupDays(settings));
    if (typeof options.nowMillis !== 'number' || !Number.isFinite(options.nowMillis))
      throw new Error('nowMillis must be a time in milliseconds since the epoch');
    this.batchRows = Math.max(1, Math.floor(options.batchRows ?? 5000));
    this.vacuumPages = Math.max(1, Math.floor(options.vacuumPagesPerStep ?? 2048));
    this.onBatch = options.onBatch;
    const raw = cutoffNs(options.nowMillis, days);
    const minute = cutoffNs(options.nowMillis, minuteDays);
    this.result = {
      cutoffNs: raw,
      minuteRollupCutoffNs: minute,
      deleted: {},
      batches: 0,
      vacuumedPages: 0,
      freelistPages: 0,
      walFramesLeft: 0,
    };
    this.deleteSteps = [
      hasTable(db, 'artefacts') ? this.spansWithArtefacts(raw) : this.byTime('spans', 'start_ns', raw),
      this.byTime('model_calls', 'time_ns', raw),
      this.byNameAndTime('scores', raw),
      this.byNameAndTime('metric_points', raw),
      ...(hasTable(db, 'log_records') ? [this.byTime('log_records', 'time_ns', raw)] : []),
      // Artefacts go with their span (above), then the contents no artefact left uses (migration 166).
      ...(hasTable(db, 'artefact_blobs') ? [this.byTime('artefact_blobs', 'last_ns', raw)] : []),
      ...prunePolicy(settings).map((rule) => this.rollupGrain(rule, cutoffNs(options.nowMillis, validDays(rule.table, rule.keepDays)))),
    ];
    // The cardinality bound's admitted values (migration 030) matter while a bucket still gets rows.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dimension_values'").get())
      this.deleteSteps.push(this.dimensionValues(raw));
    // Last, once no raw row older than the cutoff is left: the shared strings only they used.
    this.deleteSteps.push(() => {
      this.record('strings', pruneStrings(db, raw));
      return true;
    });
  }

  /** True once every step has run. */
  get done(): boolean {
    return this.finished;
  }

  private record(table: string, n: number): void {
    if (n === 0) return;
    this.result.deleted[table] = (this.result.deleted[table] ?? 0) + n;
    this.result.batches++;
    this.onBatch?.({ table, deleted: n });
  }

  /** One IMMEDIATE transaction: the write lock is taken up front, never upgraded from a read lock. */
  private deleteBatch(stmt: { run: (...params: unknown[]) => { changes: number } }, ...params: unknown[]): number {
    let n = 0;
    this.db
      .transaction(() => {
        n = stmt.run(...params).changes;
      })
      .immediate();
    return n;
  }

  /** Tables with an index on their time column (spans.start_ns, model_calls.time_ns). */
  private byTime(table: 'spans' | 'model_calls' | 'log_records' | 'artefact_blobs', column: 'start_ns' | 'time_ns' | 'last_ns', cutoff: bigint): () => boolean {
    const del = this.db.prepare(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?)`,
    );
    return () => {
      const n = this.deleteBatch(del, cutoff, this.batchRows);
      this.record(table, n);
      return n < this.batchRows;
    };
  }

  /**
   * Spans and their artefacts (migration 176: keyed by span row) in one transaction per batch, so
   * no artefact outlives its span.
   */
  private spansWithArtefacts(cutoff: bigint): () => boolean {
    // The spans are in spans_rows since migration 208 (`spans` is a view of them).
    const stored = hasTable(this.db, 'spans_rows') ? 'spans_rows' : 'spans';
    const ids = this.db.prepare<[bigint, number], number>(`SELECT id FROM ${stored} WHERE start_ns < ? ORDER BY start_ns LIMIT ?`).pluck();
    const artefacts = this.db.prepare('DELETE FROM artefacts WHERE span_row IN (SELECT value FROM json_each(?))');
    const spans = this.db.prepare(`DELETE FROM ${stored} WHERE id IN (SELECT value FROM json_each(?))`);
    return () => {
      let n = 0;
      let a = 0;
      this.db
        .transaction(() => {
          const batch = JSON.stringify(ids.all(cutoff, this.batchRows));
          a = artefacts.run(batch).changes;
          n = spans.run(batch).changes;
        })
        .immediate();
      this.record('spans', n);
      this.record('artefacts', a);
      return n < this.batchRows;
    };
  }

  /**
   * scores and metric_points are indexed on (name, time_ns), not on time alone (a second index
   * would cost every insert): walk the distinct names with index seeks and delete per name.
   */
  private byNameAndTime(table: 'scores' | 'metric_points', cutoff: bigint): () => boolean {
    // Score names are shared-string ids (migration 042), metric names text: the same walk. The
    // scores are in scores_rows since migration 182 (`scores` is a view of them).
    const col = table === 'scores' ? 'name_ref' : 'name';
    const stored = table === 'scores' && hasTable(this.db, 'scores_rows') ? 'scores_rows' : table;
    const first = this.db.prepare<[], { name: string | number | null }>(`SELECT min(${col}) AS name FROM ${stored}`);
    const next = this.db.prepare<[string | number], { name: string | number }>(
      `SELECT ${col} AS name FROM ${stored} WHERE ${col} > ? ORDER BY ${col} LIMIT 1`,
    );
    const del = this.db.prepare(
      `DELETE FROM ${stored} WHERE id IN
         (SELECT id FROM ${stored} WHERE ${col} = ? AND time_ns < ? ORDER BY ${col}, time_ns LIMIT ?)`,
    );
    let name: string | number | null | undefined;
    return () => {
      if (name === undefined) name = first.get()?.name ?? null;
      if (name === null) return true;
      const current: string | number = name;
      const n = this.deleteBatch(del, current, cutoff, this.batchRows);
      this.record(table, n);
      if (n < this.batchRows) name = next.get(current)?.name ?? null;
      return name === null;
    };
  }

  /** One grain of a rollup table (store/layout's prune policy), by primary key so that a batch is exact on these WITHOUT ROWID tables. */
  private rollupGrain(rule: PruneRule, cutoff: bigint): () => boolean {
    const { table, grainS } = rule;
    // The rows are in the stored table (migration 180), keyed by dimension ids.
    const def = ROLLUPS[table];
    const ids = hasTable(this.db, def.stored);
    const stored = ids ? def.stored : table;
    const key = def.primaryKey.map((c) => (ids ? storedColumn(def, c) : c)).join(', ');
    const del = this.db.prepare(
      `DELETE FROM ${stored} WHERE (${key}) IN
         (SELECT ${key} FROM ${stored} WHERE grain_s = ? AND bucket_ns < ? ORDER BY grain_s, bucket_ns LIMIT ?)`,
    );
    return () => {
      const n = this.deleteBatch(del, grainS, cutoff, this.batchRows);
      this.record(table, n);
      return n < this.batchRows;
    };
  }

  private dimensionValues(cutoff: bigint): () => boolean {
    const del = this.db.prepare(
      `DELETE FROM rollup_dimension_values WHERE (bucket_ns, dimension, value) IN
         (SELECT bucket_ns, dimension, value FROM rollup_dimension_values WHERE bucket_ns < ? ORDER BY bucket_ns LIMIT ?)`,
    );
    return () => {
      const n = this.deleteBatch(del, cutoff, this.batchRows);
      this.record('rollup_dimension_values', n);
      return n < this.batchRows;
    };
  }

  /**
   * Runs one small step: a delete batch, an incremental vacuum step, or the final checkpoint.
   * Returns false once the prune is complete.
   */
  step(): boolean {
    if (this.finished) return false;
    const head = this.deleteSteps[0];
    if (head) {
      if (head()) this.deleteSteps.shift();
      return true;
    }
    if (!this.vacuumDone) {
      if (this.vacuumStep() === 0) this.vacuumDone = true;
      return true;
    }
    this.finish();
    return false;
  }

  /** Hands back up to vacuumPages free pages; 0 when none are left or auto-vacuum is not incremental. */
  private vacuumStep(): number {
    // 2 = INCREMENTAL; a file created without it keeps its free pages for reuse.
    if (Number(this.db.pragma('auto_vacuum', { simple: true })) !== 2) return 0;
    const before = Number(this.db.pragma('freelist_count', { simple: true }));
    if (before === 0) return 0;
    this.db.pragma(`incremental_vacuum(${this.vacuumPages})`);
    const after = Number(this.db.pragma('freelist_count', { simple: true }));
    const freed = Math.max(0, before - after);
    this.result.vacuumedPages += freed;
    return freed;
  }

  private finish(): void {
    this.finished = true;
    this.result.freelistPages = Number(this.db.pragma('freelist_count', { simple: true }));
    if (this.db.memory) return;
    // PASSIVE: copy what no reader still needs; never wait for readers, never block writers.
    const rows = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    const r = rows[0];
    this.result.walFramesLeft = r && r.log >= 0 ? Math.max(0, r.log - r.checkpointed) : 0;
  }
}

/** Prunes everything past retention in small batches, then vacuums and checkpoints. Synchronous. */
export function pruneOnce(db: Db, options: PruneOptions): PruneResult {
  const pruner = new Pruner(db, options);
  while (pruner.step()) {
    // each step is one short transaction
  }
  return pruner.result;
}

/**
 * The RetentionScheduler's batch, smaller than pruneOnce's: a server answers requests between its
 * steps, and each step holds the event loop. At 10M spans the first start on a demo file deletes
 * 3.2M minute-rollup rows past their 7 days: batches of 5000 took 8 ms of CPU each (p95 28 ms,
 * up to 0.9 s with the commit's fsync and checkpoint on a loaded machine), batches of 1000 2 ms
 * (p95 12 ms, max 68 ms) for 15 % more CPU in all.
 */
export const SCHEDULED_BATCH_ROWS = 1000;
/** The RetentionScheduler's incremental_vacuum step: 2048 pages took up to 176 ms at 10M; 512 pages is about a quarter. */
export const SCHEDULED_VACUUM_PAGES = 512;

/** The clock the scheduler reads: milliseconds since the epoch. */
export interface RetentionClock {
  nowMillis(): number;
}

export interface RetentionSchedulerOptions extends RetentionOptions {
  /** Default: the wall clock. */
  clock?: RetentionClock;
  /** Told about a failed prune (retried at the next interval). Default: console.error. */
  onError?: (err: unknown) => void;
}

export interface RetentionStats {
  runs: number;
  failures: number;
  running: boolean;
  lastRunAtMillis: number | null;
  lastError: string | null;
  lastResult: PruneResult | null;
  /** Rows deleted over all runs, by table. */
  deleted: Record<string, number>;
}

const wallClock: RetentionClock = { nowMillis: () => Date.now() };

/**
 * Runs a prune every intervalMillis, yielding to the event loop between batches so the server
 * keeps answering while old data goes. Runs never overlap; stop() ends a run in progress at its
 * next batch boundary and resolves once it has.
 */
export class RetentionScheduler {
  readonly stats: RetentionStats = {
    runs: 0,
    failures: 0,
    running: false,
    lastRunAtMillis: null,
    lastError: null,
    lastResult: null,
    deleted: {},
  };
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<PruneResult | null> | null = null;
  private started = false;
  private stopping = false;
  private readonly clock: RetentionClock;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly db: Db,
    private readonly options: RetentionSchedulerOptions,
  ) {
    // A bad setting fails at construction, not at the first interval.
    validDays('retentionDays', options.retentionDays);
    if (options.minuteRollupRetentionDays !== undefined)
      validDays('minuteRollupRetentionDays', options.minuteRollupRetentionDays);
    this.clock = options.clock ?? wallClock;
    this.onError =
      options.onError ??
      ((err: unknown) => {
        console.error('genscope retention: prune failed:', err);
      });
  }

  /** Prunes at once, then every intervalMillis after each run ends, until stop(). */
  start(intervalMillis: number): void {
    if (!(intervalMillis > 0)) throw new Error(`intervalMillis must be > 0 (got ${intervalMillis})`);
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    const tick = (): void => {
      this.timer = undefined;
      void this.runNow().then(() => {
        if (!this.started) return;
        this.timer = setTimeout(tick, intervalMillis);
        // The schedule alone never keeps a process alive.
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  /** Runs one prune now (or joins the one in progress). Never rejects: failures land in stats. */
  runNow(): Promise<PruneResult | null> {
    if (this.current) return this.current;
    this.stopping = false;
    this.current = this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async run(): Promise<PruneResult | null> {
    this.stats.running = true;
    const nowMillis = this.clock.nowMillis();
    this.stats.lastRunAtMillis = nowMillis;
    try {
      const { retentionDays, minuteRollupRetentionDays, batchRows, vacuumPagesPerStep } = this.options;
      const pruner = new Pruner(this.db, {
        retentionDays,
        nowMillis,
        ...(minuteRollupRetentionDays !== undefined ? { minuteRollupRetentionDays } : {}),
        batchRows: batchRows ?? SCHEDULED_BATCH_ROWS,
        vacuumPagesPerStep: vacuumPagesPerStep ?? SCHEDULED_VACUUM_PAGES,
      });
      while (!this.stopping && this.db.open && pruner.step()) {
        // Requests get the event loop between batches.
        await yieldToEventLoop();
      }
      const result = pruner.result;
      this.stats.runs++;
      this.stats.lastResult = result;
      for (const [t, n] of Object.entries(result.deleted)) this.stats.deleted[t] = (this.stats.deleted[t] ?? 0) + n;
      return result;
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      this.onError(err);
      return null;
    } finally {
      this.stats.running = false;
    }
  }

  /** Stops the schedule; resolves once no prune is running. Safe to call twice. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.current) await this.current;
  }
}
