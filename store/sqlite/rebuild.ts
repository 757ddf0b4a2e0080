/**
 * Rebuilding rollups in the current codec (migration 040, when day and total rollups moved from
 * triggers into the writer and histograms from sparse JSON to store/histogram's codec).
 *
 * Every existing rollup row is first converted in place (nothing is lost: an old latency bucket's
 * count goes to the sketch bucket of its geometric middle, which is as precise as the old bucket
 * was). Then, per source of raw rows (spans, scores, model calls), every bucket from the first
 * whole day the raw rows still cover is recomputed exactly from those rows with the same pure
 * aggregation the writer uses: there the numbers are what a fresh write gives. Older buckets,
 * whose raw rows retention already deleted, keep their converted values.
 */
import type { Db } from './db';
import { StringReader, stringOf } from './strings';
import { decodeStoredEvents } from './span-read';
import { BucketCounts, SCORE_BINS, sketchIndex } from '../histogram';
import { DAY_GRAIN_S, HOUR_GRAIN_S, ROLLUPS, bucketStartNs, storedColumn } from '../layout';
import type { RollupTable } from '../layout';
import { RollupAccumulator, addModelCall, addScore, addSpan } from '../aggregate';
import type { Admit, CacheLookupFacts, ModelCallFacts, ScoreFacts, SpanFacts } from '../aggregate';
import { ATTR, EVENT } from '../../schema/names';
import { CardinalityLimiter } from './cardinality';
import { RollupApplier } from './rollup-apply';

/** The buckets of the histogram layout before migration 040 (4 per doubling from 0.1 ms). */
const OLD_BASE_NS = 100_000;
const OLD_LOG_R = Math.LN2 / 4;
/** Rows aggregated before the deltas are written (bounds memory on large files). */
const CHUNK_ROWS = 20_000;

function oldBucketMiddleNs(i: number): number {
  return i <= 0 ? OLD_BASE_NS / 2 : OLD_BASE_NS * Math.exp((i + 0.5) * OLD_LOG_R);
}

/** An old latency histogram ({"bucketIndex": count} JSON) as a sketch. */
export function convertLatencyJson(json: string): BucketCounts {
  const h = new BucketCounts();
  const parsed = JSON.parse(json) as Record<string, number>;
  for (const k of Object.keys(parsed)) {
    const c = Number(parsed[k] ?? 0);
    if (c > 0) h.add(sketchIndex(oldBucketMiddleNs(Number(k))), c);
  }
  return h;
}

/** An old score histogram (JSON array of 20 bins) in the codec. */
export function convertScoreJson(json: string): BucketCounts {
  const h = new BucketCounts();
  const parsed = JSON.parse(json) as unknown;
  if (Array.isArray(parsed)) parsed.slice(0, SCORE_BINS).forEach((c, i) => h.add(i, Number(c) || 0));
  return h;
}

function convertTable(db: Db, table: RollupTable, column: string, convert: (json: string) => BucketCounts): void {
  // An older migration's rebuild runs before later key columns exist (service: migration 150).
  // Since migration 180 the rows are in the stored table, keyed by dimension ids.
  const def = ROLLUPS[table];
  const stored = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(def.stored) !== undefined;
  const target = stored ? def.stored : table;
  const columns = new Set((db.pragma(`table_info(${target})`) as { name: string }[]).map((c) => c.name));
  const key = def.primaryKey.map((k) => (stored ? storedColumn(def, k) : k)).filter((k) => columns.has(k));
  const rows = db.prepare(`SELECT ${key.join(', ')}, ${column} AS h FROM ${target} WHERE typeof(${column}) = 'text'`).safeIntegers(true).raw(true);
  const update = db.prepare(`UPDATE ${target} SET ${column} = ? WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`);
  const all = rows.all() as unknown[][];
  for (const r of all) {
    const json = r[r.length - 1] as string;
    update.run(convert(json).encode(), ...r.slice(0, -1));
  }
}

interface Source {
  /** Raw table, its time column and the rollup tables it feeds. */
  raw: 'spans' | 'scores' | 'model_calls';
  time: string;
  tables: RollupTable[];
}

const SOURCES: Source[] = [
  { raw: 'spans', time: 'start_ns', tables: ['rollup_spans', 'rollup_spans_total', 'rollup_components', 'rollup_cache'] },
  { raw: 'scores', time: 'time_ns', tables: ['rollup_scores', 'rollup_scores_total'] },
  { raw: 'model_calls', time: 'time_ns', tables: ['rollup_model_calls', 'rollup_component_stages'] },
];

const DAY_NS = BigInt(DAY_GRAIN_S) * 1_000_000_000n;

/**
 * The first instant from which the raw rows are complete: the day of the oldest raw row when no
 * rollup is older (nothing was ever pruned), else the next whole day (that day lost rows).
 */
function completeFrom(db: Db, s: Source): bigint | null {
  const min = db.prepare(`SELECT min(${s.time}) AS t FROM ${s.raw}`).safeIntegers(true).get() as { t: bigint | null };
  if (min.t === null) return null;
  const day = bucketStartNs(min.t, DAY_GRAIN_S);
  const main = s.tables[0] as RollupTable;
  const older = ROLLUPS[main].grainColumn
    ? db.prepare(`SELECT 1 FROM ${main} WHERE grain_s = ? AND bucket_ns < ? LIMIT 1`).get(HOUR_GRAIN_S, day)
    : db.prepare(`SELECT 1 FROM ${main} WHERE bucket_ns < ? LIMIT 1`).get(day);
  return older ? day + DAY_NS : day;
}

function cacheLookupsOfJson(events: string | null): CacheLookupFacts[] {
  if (!events) return [];
  const out: CacheLookupFacts[] = [];
  for (const e of JSON.parse(events) as { name?: string; timeNs?: string; attributes?: Record<string, unknown> }[]) {
    if (e.name !== EVENT.cacheLookup || e.timeNs === undefined) continue;
    const name = e.attributes?.[ATTR.cacheName];
    out.push({ timeNs: BigInt(e.timeNs), cacheName: typeof name === 'string' ? name : null, hit: e.attributes?.[ATTR.cacheHit] === true });
  }
  return out;
}

type RawReader = (acc: RollupAccumulator, row: Record<string, unknown>, admit: Admit) => void;

type Readers = Record<Source['raw'], { select: string; add: RawReader }>;

/** Raw rows as migrations before 042 left them (hex ids, events with their scores). */
const READERS_041: Readers = {
  spans: {
    select: 'role, start_ns, duration_ns, status_code, stage, component_id, component_type, model, cost_usd, events',
    add: (acc, r, admit) => addSpan(acc, r as unknown as SpanFacts, cacheLookupsOfJson(r.events as string | null), admit),
  },
  scores: {
    select: 'time_ns, name, value, label, component_type, model',
    add: (acc, r, admit) => addScore(acc, r as unknown as ScoreFacts, admit),
  },
  model_calls: {
    select:
      'time_ns, duration_ns, operation, provider, response_model, component_type, status_code, input_tokens, output_tokens, cached_tokens, cost_usd',
    add: (acc, r, admit) => addModelCall(acc, r as unknown as ModelCallFacts, admit),
  },
};

/** The service.name of the resource whose id `idSql` gives (NULL when unknown). */
const SERVICE_OF = (idSql: string) => `(SELECT r.service_name FROM resources r WHERE r.id = ${idSql})`;

/** The compact layout of 042: shared strings resolved in SQL, stored events decoded. */
function readers042(db: Db): Readers {
  const strings = new StringReader(db);
  const lookups = (events: unknown, startNs: unknown): CacheLookupFacts[] =>
    decodeStoredEvents(typeof events === 'string' ? events : null, startNs as bigint, strings).flatMap((e) => {
      if (e.name !== EVENT.cacheLookup) return [];
      const name = e.attributes[ATTR.cacheName];
      return [{ timeNs: e.timeNs, cacheName: typeof name === 'string' ? name : null, hit: e.attributes[ATTR.cacheHit] === true }];
    });
  return {
    spans: {
      select: `role, start_ns, duration_ns, status_code, stage, ${stringOf('component_id_ref')} AS component_id, component_type, model, cost_usd, events,
        ${SERVICE_OF('resource_id')} AS service`,
      add: (acc, r, admit) => addSpan(acc, r as unknown as SpanFacts, lookups(r.events, r.start_ns), admit),
    },
    scores: {
      select: `time_ns, ${stringOf('name_ref')} AS name, value, ${stringOf('label_ref')} AS label, component_type, model,
        ${SERVICE_OF('(SELECT p.resource_id FROM spans p WHERE p.id = span_row)')} AS service`,
      add: READERS_041.scores.add,
    },
    model_calls: {
      select: `${READERS_041.model_calls.select}, stage, ${stringOf('component_id_ref')} AS component_id,
        ${SERVICE_OF('(SELECT p.resource_id FROM spans p WHERE p.id = model_calls.id)')} AS service`,
      add: READERS_041.model_calls.add,
    },
  };
}

/** Integer columns that must stay BigInt (ns); the rest are read as numbers. */
const NS_COLUMNS = new Set(['start_ns', 'duration_ns', 'time_ns']);

function recompute(db: Db, s: Source, from: bigint, applier: RollupApplier, admit: Admit, readers: Readers): void {
  // A rebuild inside an older migration runs before the tables added since exist.
  // Since migration 180 the rows are in the stored table (`t` is the view reading it).
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  for (const t of s.tables) {
    const table = exists.get(ROLLUPS[t].stored) ? ROLLUPS[t].stored : exists.get(t) ? t : null;
    if (table) db.prepare(`DELETE FROM ${table} WHERE bucket_ns >= ?`).run(from);
  }
  const reader = readers[s.raw];
  const page = db
    .prepare(`SELECT id, ${reader.select} FROM ${s.raw} WHERE ${s.time} >= ? AND (${s.time} > ? OR id > ?) ORDER BY ${s.time}, id LIMIT ?`)
    .safeIntegers(true);
  let cursorT = from;
  let cursorId = -1n;
  let first = true;
  for (;;) {
    const rows = page.all(cursorT, first ? cursorT - 1n : cursorT, cursorId, CHUNK_ROWS) as Record<string, unknown>[];
    first = false;
    if (rows.length === 0) return;
    const acc = new RollupAccumulator();
    for (const r of rows) {
      for (const k of Object.keys(r)) if (typeof r[k] === 'bigint' && !NS_COLUMNS.has(k)) r[k] = Number(r[k]);
      reader.add(acc, r, admit);
    }
    applier.apply(acc.result());
    const last = rows[rows.length - 1] as Record<string, unknown>;
    cursorT = last[s.time] as bigint;
    cursorId = BigInt(last.id as number);
    if (rows.length < CHUNK_ROWS) return;
  }
}

/** Converts every rollup row to the current codec and recomputes what raw rows still cover. */
export function rebuildRollups(db: Db, only?: readonly Source['raw'][]): void {
  if (!only) {
    convertTable(db, 'rollup_spans', 'latency_hist', convertLatencyJson);
    convertTable(db, 'rollup_spans_total', 'latency_hist', convertLatencyJson);
    convertTable(db, 'rollup_scores', 'hist', convertScoreJson);
    convertTable(db, 'rollup_scores_total', 'hist', convertScoreJson);
  }
  const applier = new RollupApplier(db);
  const hasBound = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dimension_values'").get();
  // The values the bound admitted are stored, so the rebuilt keys fold exactly as written.
  const limiter = hasBound ? new CardinalityLimiter(db) : null;
  const admit: Admit = (d, ns, v) => (limiter ? limiter.admit(d, ns, v ?? '') : (v ?? ''));
  const compact = (db.pragma('table_info(spans)') as { name: string }[]).some((c) => c.name === 'name_ref');
  const readers = compact ? readers042(db) : READERS_041;
  for (const s of SOURCES) {
    if (only && !only.includes(s.raw)) continue;
    const from = completeFrom(db, s);
    if (from !== null) recompute(db, s, from, applier, admit, readers);
  }
}
