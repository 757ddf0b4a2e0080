/**
 * Shared strings (migration 042): values that repeat across many rows (span and score names,
 * component ids, benchmark run ids, labels, and attribute remainders, event bodies and
 * explanations once they repeat) are stored once in `strings` and referenced by id.
 *
 * Each string carries `last_ns`, an upper bound of the times of the rows that reference it, so
 * retention can delete the strings of pruned rows without a scan (`pruneStrings`). A pruning pass
 * bumps `store_meta.strings_epoch`; writers check it at the start of each transaction and forget
 * their cached ids when it moved, so an id deleted by another process is never reused.
 */
import type { Db } from './db';

/** How far past a row's time a string's last_ns is set, so it is rewritten at most once a day. */
const LAST_NS_SLACK = 86_400_000_000_000n;
/**
 * The last_ns of a string that rollups reference (migration 180): rollups outlive the raw rows,
 * so retention never deletes it.
 */
export const PERMANENT_NS = 9_223_372_036_854_775_807n;
/** Free text longer than this stays inline: a long text that repeats is rare. */
const MAX_SHARED_TEXT = 2048;
/** Free-text values remembered to spot a repeat (first sighting inline, later ones shared). */
const SEEN_LIMIT = 20_000;

interface Cached {
  id: number;
  lastNs: bigint;
}

/** SQL of the text of the string with id `col` (NULL for NULL). */
export function stringOf(col: string): string {
  return `(SELECT value FROM strings WHERE id = ${col})`;
}

/** SQL of a BLOB id column as lowercase hex (NULL stays NULL: hex(NULL) would be ''). */
export function hexOf(col: string): string {
  return `CASE WHEN ${col} IS NULL THEN NULL ELSE lower(hex(${col})) END`;
}

/** SQL of the id of a string given as a bound parameter (NULL when no row holds it). */
export const STRING_ID_PARAM = '(SELECT id FROM strings WHERE value = ?)';

/** The writer's side: interning within its transactions. */
export class StringTable {
  private readonly ids = new Map<string, Cached>();
  private readonly seen = new Set<string>();
  private epoch: number | null = null;
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      upsert: db.prepare<[string, bigint], { id: number; last_ns: bigint }>(
        `INSERT INTO strings (value, last_ns) VALUES (?, ?)
         ON CONFLICT (value) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns) RETURNING id, last_ns`,
      ),
      epoch: db.prepare<[], { value: number }>("SELECT value FROM store_meta WHERE key = 'strings_epoch'"),
    };
    this.stmt.upsert.safeIntegers(true);
  }

  /** Call at the start of each write transaction. */
  begin(): void {
    const e = this.stmt.epoch.get()?.value ?? 0;
    if (this.epoch !== null && e !== this.epoch) this.ids.clear();
    this.epoch = e;
  }

  /** After a rolled-back transaction: ids handed out in it may not exist. */
  reset(): void {
    this.ids.clear();
    this.epoch = null;
  }

  /** The id of value, for a row of time ns (interned now). */
  id(value: string, ns: bigint): number {
    const c = this.ids.get(value);
    if (c && c.lastNs >= ns) return c.id;
    const row = this.stmt.upsert.get(value, ns >= PERMANENT_NS - LAST_NS_SLACK ? PERMANENT_NS : ns + LAST_NS_SLACK);
    if (!row) throw new Error('strings row missing after upsert');
    const id = Number(row.id);
    this.ids.set(value, { id, lastNs: row.last_ns });
    return id;
  }

  /** The id of a rollup dimension's value: never pruned (PERMANENT_NS). */
  permanentId(value: string): number {
    return this.id(value, PERMANENT_NS);
  }

  idOrNull(value: string | null, ns: bigint): number | null {
    return value === null ? null : this.id(value, ns);
  }

  /**
   * Free text (an attribute remainder, an event body, an explanation): its id once it has been
   * seen before (in this writer, or already shared), otherwise null and the caller stores it inline.
   */
  shared(value: string, ns: bigint): number | null {
    const c = this.ids.get(value);
    if (c) return c.lastNs >= ns ? c.id : this.id(value, ns);
    if (value.length > MAX_SHARED_TEXT) return null;
    if (this.seen.has(value)) {
      this.seen.delete(value);
      return this.id(value, ns);
    }
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear();
    this.seen.add(value);
    return null;
  }
}

/** Reader side: id -> text, cached for one read (a run, an export chunk). */
export class StringReader {
  private readonly cache = new Map<number, string | null>();
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare<[number], { value: string }>('SELECT value FROM strings WHERE id = ?');
  }

  get(id: number | null | undefined): string | null {
    if (id === null || id === undefined) return null;
    let v = this.cache.get(id);
    if (v === undefined) {
      v = this.stmt.get(id)?.value ?? null;
      this.cache.set(id, v);
    }
    return v;
  }
}

/**
 * Deletes the strings no remaining row can reference (last_ns below the raw-data cutoff, run once
 * the raw rows older than the cutoff are gone) and bumps the epoch. Returns the number deleted.
 */
export function pruneStrings(db: Db, cutoffNs: bigint): number {
  let n = 0;
  db.transaction(() => {
    n = db.prepare('DELETE FROM strings WHERE last_ns < ?').run(cutoffNs).changes;
    if (n > 0) db.prepare("UPDATE store_meta SET value = value + 1 WHERE key = 'strings_epoch'").run();
  }).immediate();
  return n;
}
