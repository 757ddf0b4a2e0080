/**
 * Shared SQL plumbing for the panel queries: a per-database statement cache, filter clauses
 * (bound parameters only), and the row sources the panels aggregate over. A source is a
 * subquery with the same columns whether it reads a rollup table or raw rows, so each panel's
 * aggregation is written once; raw rows are used for benchmark-run filters (rollups have no
 * benchmark column) and exact percentiles.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import type { Segment } from '../../window';

export type SqlParam = string | number | bigint | Uint8Array | null;

export interface Fragment {
  sql: string;
  params: SqlParam[];
}

const cache = new WeakMap<Db, Map<string, Statement>>();
const MAX_CACHED = 1000;

/** A prepared statement, cached per database by its SQL text (filters vary the text only a little). */
export function stmt(db: Db, sql: string): Statement {
  let m = cache.get(db);
  if (!m) {
    m = new Map();
    cache.set(db, m);
  }
  let s = m.get(sql);
  if (!s) {
    if (m.size >= MAX_CACHED) m.clear();
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

export function all<T>(db: Db, f: Fragment): T[] {
  return stmt(db, f.sql).all(...f.params) as T[];
}

export function get<T>(db: Db, f: Fragment): T | undefined {
  return stmt(db, f.sql).get(...f.params) as T | undefined;
}

/**
 * ' NOT INDEXED' when a time window covers at least half of the stored time range of a raw table
 * with a time index (then one pass over the table in rowid order reads fewer pages than an index
 * range plus a table lookup per row), else ''. Both bounds come from the index (two seeks).
 * `table` and `col` are code constants, never input.
 */
export function wideScan(db: Db, table: string, col: string, fromNs: bigint, toNs: bigint): string {
  const r = stmt(db, `SELECT (SELECT MIN(${col}) FROM ${table}) AS lo, (SELECT MAX(${col}) FROM ${table}) AS hi`).safeIntegers(true).get() as
    | { lo: bigint | null; hi: bigint | null }
    | undefined;
  if (!r || r.lo === null || r.hi === null || r.hi <= r.lo) return '';
  const lo = fromNs > r.lo ? fromNs : r.lo;
  const hi = toNs < r.hi ? toNs : r.hi;
  return hi > lo && (hi - lo) * 2n >= r.hi - r.lo ? ' NOT INDEXED' : '';
}

/** Dimension filters after validation (empty list = all). */
export interface Filters {
  componentType: string[];
  model: string[];
  stage: string[];
  benchmarkRun?: string | undefined;
  /** Resource service.name values (absent or empty = all). */
  service?: string[] | undefined;
}

export const NO_FILTERS: Filters = { componentType: [], model: [], stage: [] };

/**
 * `col IN (...)` for a list, as one bound JSON parameter so the SQL text does not grow with the list.
 * A `*_ref` column holds string ids (migrations 042, 180): the values' ids, through the strings index.
 */
const SPAN_ID_COLUMNS = { componentType: 'component_type_ref', model: 'model_ref', stage: 'stage_ref' } as const;
const SPAN_TEXT_COLUMNS = { componentType: 'component_type', model: 'model', stage: 'stage' } as const;
const spanRowsSeen = new WeakMap<Db, boolean>();

/**
 * The spans' filter columns: since migration 208 the string ids the `spans` view also gives (an
 * index can filter on them; the text is a lookup a row), before it the text columns.
 */
export function spanFilterColumns(db: Db): typeof SPAN_ID_COLUMNS | typeof SPAN_TEXT_COLUMNS {
  let ids = spanRowsSeen.get(db);
  if (ids === undefined) {
    ids = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spans_rows'").get() !== undefined;
    spanRowsSeen.set(db, ids);
  }
  return ids ? SPAN_ID_COLUMNS : SPAN_TEXT_COLUMNS;
}

export function inList(col: string, values: readonly string[]): Fragment {
  const ref = col.endsWith('_ref');
  if (values.length === 1) return { sql: ref ? `${col} = (SELECT id FROM strings WHERE value = ?)` : `${col} = ?`, params: [values[0] ?? ''] };
  return {
    sql: ref ? `${col} IN (SELECT id FROM strings WHERE value IN (SELECT value FROM json_each(?)))` : `${col} IN (SELECT value FROM json_each(?))`,
    params: [JSON.stringify(values)],
  };
}

/** Which filter columns a source has; a missing one means the filter is ignored (and reported). */
export interface FilterColumns {
  componentType?: string;
  model?: string;
  stage?: string;
  /** A text column, or a `*_ref` column holding the id of a shared string (migration 042). */
  benchmarkRun?: string;
  /** The service.name column, or an expression giving it (raw rows: through resources). */
  service?: string;
}

/** AND-joined conditions for the active filters the columns support; `ignored` names the others. */
export function filterConditions(f: Filters, cols: FilterColumns): { conds: Fragment[]; ignored: string[] } {
  const conds: Fragment[] = [];
  const ignored: string[] = [];
  const lists: ['componentType' | 'model' | 'stage' | 'service', string[]][] = [
    ['componentType', f.componentType],
    ['model', f.model],
    ['stage', f.stage],
    ['service', f.service ?? []],
  ];
  for (const [name, values] of lists) {
    if (values.length === 0) continue;
    const col = cols[name];
    if (col) conds.push(inList(col, values));
    else ignored.push(name);
  }
  if (f.benchmarkRun !== undefined) {
    const col = cols.benchmarkRun;
    if (col) conds.push({ sql: col.endsWith('_ref') ? `${col} = (SELECT id FROM strings WHERE value = ?)` : `${col} = ?`, params: [f.benchmarkRun] });
    else ignored.push('benchmarkRun');
  }
  return { conds, ignored };
}

export function joinAnd(parts: Fragment[]): Fragment {
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
}

// The grain planner lives in store/window.ts (shared with the alerts); re-exported for the queries.
export { DAY_GRAIN_S, coveredWindow, segmentsFor } from '../../window';
export type { Segment } from '../../window';

/**
 * `SELECT <cols> FROM <table> WHERE grain/bucket in segment AND <where>` for each segment, joined
 * by UNION ALL: each branch is a primary-key range scan. `pick` may send a segment to another
 * table with the same columns (the narrow total rollups), with its own conditions.
 */
export function rollupUnion(
  table: string,
  cols: string,
  segments: Segment[],
  where: Fragment,
  pick?: (s: Segment) => { table: string; cols: string; where?: Fragment; seekBuckets?: boolean } | null,
): Fragment {
  const branches = segments.map((s): Fragment => {
    const alt = pick?.(s) ?? null;
    const w = alt?.where ?? where;
    const buckets = alt?.seekBuckets ? bucketList(s) : null;
    return buckets
      ? {
          sql: `SELECT ${alt ? alt.cols : cols} FROM ${alt ? alt.table : table} WHERE grain_s = ? AND bucket_ns IN (SELECT value FROM json_each(?)) AND ${w.sql}`,
          params: [s.grainS, buckets, ...w.params],
        }
      : {
          sql: `SELECT ${alt ? alt.cols : cols} FROM ${alt ? alt.table : table} WHERE grain_s = ? AND bucket_ns >= ? AND bucket_ns < ? AND ${w.sql}`,
          params: [s.grainS, s.fromNs, s.toNs, ...w.params],
        };
  });
  return { sql: branches.map((b) => b.sql).join(' UNION ALL '), params: branches.flatMap((b) => b.params) };
}

/** Most buckets a segment is read by seeks of (past it, a range scan is cheaper). */
const MAX_SEEK_BUCKETS = 4096;

/**
 * The bucket starts of a segment as a JSON list, for `bucket_ns IN (...)`: one primary-key seek per
 * bucket on a key (grain_s, bucket_ns, name, ...) when a condition on the column after bucket_ns
 * can then narrow each seek (a month of hour rows of one score: a seventh of the rows, not all).
 */
function bucketList(s: Segment): string | null {
  const g = BigInt(s.grainS) * 1_000_000_000n;
  const first = ((s.fromNs + g - 1n) / g) * g;
  if (s.toNs <= first || (s.toNs - first) / g > BigInt(MAX_SEEK_BUCKETS)) return null;
  const out: string[] = [];
  for (let b = first; b < s.toNs; b += g) out.push(b.toString());
  return `[${out.join(',')}]`;
}

/** The SQL expression of the epoch-ms start of a time bucket of `stepS` seconds for ns column `col`. */
export function bucketMsExpr(col: string, stepS: number): string {
  const stepNs = BigInt(stepS) * 1_000_000_000n;
  return `((${col} / ${stepNs}) * ${stepNs}) / 1000000`;
}

export function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

export function round(x: number | null, digits = 6): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
