/**
 * The model-call panel's building blocks: a time slice of model_calls aggregated per (model,
 * provider, operation) with every call's duration and time to first token kept sorted, so slices
 * merge into EXACT percentiles (the k-th value across sorted arrays, the same type-7
 * interpolation as analysis/percentiles); and a per-database cache of whole UTC days and hours.
 *
 * Honest caching: a cached slice is dropped as soon as a row may have changed it. model_calls rows
 * are only inserted (a call's id is its span's row id, so new rows get ids above every stored
 * one) and deleted by retention (oldest first). Each read checks two index seeks, MAX(id) and
 * MIN(time_ns): rows above the last seen id name the hours they fall in, whose hour and day
 * slices are dropped; a larger minimum time drops the slices retention reached; a smaller MAX(id)
 * drops everything.
 */
import type { Db } from '../db';
import { all, stmt } from './sql';
import type { Fragment } from './sql';

const HOUR_NS = 3_600_000_000_000n;
const DAY_NS = 24n * HOUR_NS;

/** One group's aggregate over one slice. */
export interface Part {
  model: string | null;
  provider: string | null;
  operation: string | null;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  cost: number | null;
  unpriced: number;
  senderCalls: number;
  sender: number | null;
  priced: number | null;
  diff: number | null;
  responseModels: string[];
  firstNs: number;
  firstId: number;
  /** Durations (ms), ascending. */
  durations: Float64Array;
  /** Times to first token (ms) of the calls that reported one, ascending. */
  ttfts: Float64Array;
}

export type Slice = Map<string, Part>;

/** What a slice reads: the filters (on model_calls m, joined to spans s when `joinSpans`). */
export interface SliceFilter {
  where: Fragment;
  joinSpans: boolean;
}

interface SumRow {
  model: string | null;
  provider: string | null;
  operation: string | null;
  calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  unpriced: number;
  sender_calls: number;
  sender_cost_usd: number | null;
  priced_cost_usd: number | null;
  diff_usd: number | null;
  response_models: string;
  first_ns: number;
  first_id: number;
}

const keyOf = (model: string | null, provider: string | null, operation: string | null) => JSON.stringify([model, provider, operation]);

/**
 * Reads one slice [fromNs, toNs): the sums in one GROUP BY, the durations in one pass. A call
 * with no tokens (a refused request) costs nothing to price; one with tokens and no cost is unpriced.
 */
export function loadSlice(db: Db, fromNs: bigint, toNs: bigint, f: SliceFilter): Slice {
  // One read transaction: the sums and the durations see the same rows.
  return db.transaction(() => readSlice(db, fromNs, toNs, f))();
}

function readSlice(db: Db, fromNs: bigint, toNs: bigint, f: SliceFilter): Slice {
  const from = `FROM model_calls m${f.joinSpans ? ' JOIN spans s ON s.id = m.id' : ''} WHERE m.time_ns >= ? AND m.time_ns < ? AND ${f.where.sql}`;
  const params = [fromNs, toNs, ...f.where.params];
  const sums = all<SumRow>(db, {
    sql: `SELECT m.response_model AS model, m.provider, m.operation, count(*) AS calls, SUM(m.status_code = 2) AS errors,
        SUM(m.input_tokens) AS input_tokens, SUM(m.output_tokens) AS output_tokens, SUM(m.cached_tokens) AS cached_tokens,
        SUM(m.cache_write_tokens) AS cache_write_tokens, SUM(m.reasoning_tokens) AS reasoning_tokens,
        SUM(m.cost_usd) AS cost_usd, SUM(m.cost_usd IS NULL AND m.input_tokens + m.output_tokens > 0) AS unpriced,
        count(m.sender_cost_usd) AS sender_calls, SUM(m.sender_cost_usd) AS sender_cost_usd,
        SUM(CASE WHEN m.sender_cost_usd IS NOT NULL THEN m.priced_cost_usd END) AS priced_cost_usd,
        SUM(m.sender_cost_usd - m.priced_cost_usd) AS diff_usd,
        json_group_array(DISTINCT m.sent_response_model) AS response_models, MIN(m.time_ns) AS first_ns, MIN(m.id) AS first_id
      ${from} GROUP BY m.response_model, m.provider, m.operation`,
    params,
  });
  const slice: Slice = new Map();
  const values = new Map<string, { d: number[]; t: number[] }>();
  for (const r of sums) {
    const k = keyOf(r.model, r.provider, r.operation);
    values.set(k, { d: [], t: [] });
    slice.set(k, {
      model: r.model,
      provider: r.provider,
      operation: r.operation,
      calls: r.calls,
      errors: r.errors,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cachedTokens: r.cached_tokens,
      cacheWriteTokens: r.cache_write_tokens,
      reasoningTokens: r.reasoning_tokens,
      cost: r.cost_usd,
      unpriced: r.unpriced,
      senderCalls: r.sender_calls,
      sender: r.sender_cost_usd,
      priced: r.priced_cost_usd,
      diff: r.diff_usd,
      responseModels: (JSON.parse(r.response_models) as (string | null)[]).filter((m): m is string => m !== null),
      firstNs: r.first_ns,
      firstId: r.first_id,
      durations: new Float64Array(0),
      ttfts: new Float64Array(0),
    });
  }
  if (slice.size === 0) return slice;
  const rows = stmt(db, `SELECT m.response_model, m.provider, m.operation, m.duration_ns / 1e6, m.ttft_ns / 1e6 ${from}`)
    .raw(true)
    .iterate(...params) as IterableIterator<[string | null, string | null, string | null, number, number | null]>;
  let lastKey = '';
  let last: { d: number[]; t: number[] } | undefined;
  let lastTriple: [string | null, string | null, string | null] = [null, null, null];
  for (const r of rows) {
    if (!last || r[0] !== lastTriple[0] || r[1] !== lastTriple[1] || r[2] !== lastTriple[2]) {
      lastTriple = [r[0], r[1], r[2]];
      lastKey = keyOf(r[0], r[1], r[2]);
      last = values.get(lastKey);
      if (!last) continue;
    }
    last.d.push(r[3]);
    if (r[4] !== null) last.t.push(r[4]);
  }
  for (const [k, v] of values) {
    const p = slice.get(k) as Part;
    p.durations = Float64Array.from(v.d).sort();
    p.ttfts = Float64Array.from(v.t).sort();
  }
  return slice;
}

/** Number of values <= x in an ascending array. */
function countAtMost(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The k-th smallest value (0-based) of the union of ascending arrays (k below their total length). */
export function kthOfSorted(arrays: readonly Float64Array[], k: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    if (a.length === 0) continue;
    lo = Math.min(lo, a[0] as number);
    hi = Math.max(hi, a[a.length - 1] as number);
  }
  const atMost = (x: number) => arrays.reduce((n, a) => n + countAtMost(a, x), 0);
  if (atMost(lo) > k) return lo;
  // Invariant: fewer than k+1 values <= lo, at least k+1 values <= hi; the answer is in (lo, hi].
  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) return hi;
    if (atMost(mid) > k) hi = mid;
    else lo = mid;
  }
}

/** The q-quantile (type 7, as analysis/percentiles' quantileSorted) of the union of ascending arrays; null when empty. */
export function quantileOfSorted(arrays: readonly Float64Array[], q: number): number | null {
  const n = arrays.reduce((s, a) => s + a.length, 0);
  if (n === 0) return null;
  if (arrays.length === 1) {
    const only = arrays[0] as Float64Array;
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    const a = only[lo] as number;
    return a + (h - lo) * ((only[Math.min(n - 1, lo + 1)] as number) - a);
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const a = kthOfSorted(arrays, lo);
  const b = kthOfSorted(arrays, Math.min(n - 1, lo + 1));
  return a + (h - lo) * (b - a);
}

interface Kept {
  /** UTC day index -> slice, and hour index -> slice (the edges of a window). */
  days: Map<number, Slice>;
  hours: Map<number, Slice>;
}

interface SliceCache {
  maxId: number | null;
  minNs: bigint | null;
  /** Per filter (its SQL and parameters). */
  byFilter: Map<string, Kept>;
}

const caches = new WeakMap<Db, SliceCache>();
/** Distinct filters kept (the dashboard asks for one or two). */
const MAX_FILTERS = 8;

/** The cache of db, with the slices a write or a prune may have changed dropped. */
function validCache(db: Db): SliceCache {
  let c = caches.get(db);
  if (!c) {
    c = { maxId: null, minNs: null, byFilter: new Map() };
    caches.set(db, c);
  }
  const r = stmt(db, 'SELECT (SELECT MAX(id) FROM model_calls) AS hi, (SELECT MIN(time_ns) FROM model_calls) AS lo').safeIntegers(true).get() as {
    hi: bigint | null;
    lo: bigint | null;
  };
  const hi = r.hi === null ? null : Number(r.hi);
  const drop = (hourTest: (hour: number) => boolean) => {
    for (const k of c.byFilter.values()) {
      for (const h of [...k.hours.keys()]) if (hourTest(h)) k.hours.delete(h);
      // A day is dropped when any of its hours is.
      for (const d of [...k.days.keys()]) for (let h = d * 24; h < d * 24 + 24; h++) if (hourTest(h)) {
        k.days.delete(d);
        break;
      }
    }
  };
  if (hi === null || (c.maxId !== null && hi < c.maxId)) c.byFilter.clear();
  else if (c.maxId !== null && hi > c.maxId && c.byFilter.size > 0) {
    const touched = new Set(stmt(db, 'SELECT DISTINCT time_ns / ? FROM model_calls WHERE id > ?').pluck(true).all(HOUR_NS, c.maxId) as number[]);
    drop((h) => touched.has(h));
  }
  if (c.minNs !== null && r.lo !== null && r.lo > c.minNs) {
    const reached = Number(r.lo / HOUR_NS);
    drop((h) => h <= reached);
  }
  c.maxId = hi;
  c.minNs = r.lo;
  return c;
}

/**
 * The slices covering [fromNs, toNs), ascending in time: whole UTC days and, at the window's
 * edges, whole hours from the cache (read once, then kept while unchanged); the sub-hour ragged
 * edges read each time.
 */
export function slicesFor(db: Db, fromNs: bigint, toNs: bigint, f: SliceFilter): Slice[] {
  const c = validCache(db);
  const fk = JSON.stringify([f.where.sql, f.where.params.map(String), f.joinSpans]);
  let kept = c.byFilter.get(fk);
  if (!kept) {
    if (c.byFilter.size >= MAX_FILTERS) c.byFilter.clear();
    kept = { days: new Map(), hours: new Map() };
    c.byFilter.set(fk, kept);
  }
  const h0 = (fromNs + HOUR_NS - 1n) / HOUR_NS;
  const h1 = toNs / HOUR_NS;
  if (h1 <= h0) return [loadSlice(db, fromNs, toNs, f)];
  const out: Slice[] = [];
  const cached = (m: Map<number, Slice>, i: bigint, unit: bigint) => {
    let s = m.get(Number(i));
    if (!s) {
      s = loadSlice(db, i * unit, (i + 1n) * unit, f);
      m.set(Number(i), s);
    }
    out.push(s);
  };
  if (fromNs < h0 * HOUR_NS) out.push(loadSlice(db, fromNs, h0 * HOUR_NS, f));
  const d0 = (h0 + 23n) / 24n;
  const d1 = h1 / 24n;
  if (d1 > d0) {
    for (let h = h0; h < d0 * 24n; h++) cached(kept.hours, h, HOUR_NS);
    for (let d = d0; d < d1; d++) cached(kept.days, d, DAY_NS);
    for (let h = d1 * 24n; h < h1; h++) cached(kept.hours, h, HOUR_NS);
  } else for (let h = h0; h < h1; h++) cached(kept.hours, h, HOUR_NS);
  if (h1 * HOUR_NS < toNs) out.push(loadSlice(db, h1 * HOUR_NS, toNs, f));
  return out;
}
