/**
 * The store's own damage check: SQLite's `PRAGMA quick_check` (every page and b-tree, without the
 * index-content cross-check of integrity_check) on a separate read-only connection, so it reads
 * the file from disk rather than the server connection's page cache. Run by the server at start
 * and on a schedule (never per health request: on a big file it reads every page); the last
 * result is what /api/v1/health/self reports.
 */
import Database from 'better-sqlite3';

export interface QuickCheckStats {
  /** The database file checked. */
  file: string;
  runs: number;
  lastRunAtMillis: number | null;
  lastDurationMillis: number | null;
  /** 'ok', or the first problems SQLite found (or the error that stopped the check). */
  lastResult: string[] | null;
}

/** Problems listed at most (quick_check stops there). */
const MAX_ERRORS = 10;

export class QuickCheck {
  readonly stats: QuickCheckStats;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    file: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.stats = { file, runs: 0, lastRunAtMillis: null, lastDurationMillis: null, lastResult: null };
  }

  /** True when the last check found nothing wrong (or none has run yet). */
  get healthy(): boolean {
    const r = this.stats.lastResult;
    return r === null || (r.length === 1 && r[0] === 'ok');
  }

  /** Checks now; returns the problems found (['ok'] when there are none). */
  runNow(): string[] {
    const started = this.clock();
    let result: string[];
    let db: Database.Database | null = null;
    try {
      db = new Database(this.stats.file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 1000');
      result = (db.pragma(`quick_check(${MAX_ERRORS})`) as { quick_check: string }[]).map((r) => r.quick_check);
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      // A lock held elsewhere says nothing about damage: keep the previous result.
      if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return this.stats.lastResult ?? ['ok'];
      result = [`${code || 'error'}: ${err instanceof Error ? err.message : String(err)}`];
    } finally {
      db?.close();
    }
    this.stats.runs++;
    this.stats.lastRunAtMillis = started;
    this.stats.lastDurationMillis = this.clock() - started;
    this.stats.lastResult = result;
    return result;
  }

  /** Checks at once, then every intervalMillis, until stop(). */
  start(intervalMillis: number): void {
    if (!(intervalMillis > 0)) throw new Error(`intervalMillis must be > 0 (got ${intervalMillis})`);
    this.stop();
    this.runNow();
    const tick = (): void => {
      this.runNow();
      this.timer = setTimeout(tick, intervalMillis);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, intervalMillis);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
