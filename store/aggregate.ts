/**
 * Aggregation as pure functions: the facts of stored rows -> rollup deltas in the layout of
 * store/layout.ts (one delta per table x grain x bucket x key, measures in the layout's order).
 * The writer applies the deltas in the same transaction as the raw rows; the rebuild applies
 * deltas computed from raw rows already stored. No I/O here: the cardinality bound is passed in
 * as `admit` (identity in tests).
 */
import { BucketCounts, scoreBin, sketchIndex } from './histogram';
import { LABELLED_SCORES, ROLLUPS, bucketStartNs } from './layout';
import type { RollupTable } from './layout';
import type { RollupDimension } from './sqlite/cardinality';
import { ATTR, EVENT } from '../schema/names';
import type { SpanEventRecord } from '../schema/records';

/** What a span contributes to rollups (a subset of SpanRow). */
export interface SpanFacts {
  role: string;
  start_ns: bigint;
  duration_ns: bigint;
  status_code: number;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  cost_usd: number | null;
  /** The resource's service.name (absent: unknown, as in rows read by migrations before 150). */
  service?: string | null;
}

export interface ScoreFacts {
  time_ns: bigint;
  name: string;
  value: number | null;
  label: string | null;
  component_type: string | null;
  model: string | null;
  /** The service.name of the score's span (absent: unknown). */
  service?: string | null;
}

export interface ModelCallFacts {
  time_ns: bigint;
  duration_ns: bigint;
  operation: string | null;
  provider: string | null;
  response_model: string | null;
  component_type: string | null;
  status_code: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  /** The stage and component of the call (absent in rows read before migration 141's readers). */
  stage?: string | null;
  component_id?: string | null;
  /** The service.name of the call's span (absent: unknown). */
  service?: string | null;
}

/** A genscope.cache.lookup event of the span. */
export interface CacheLookupFacts {
  timeNs: bigint;
  cacheName: string | null;
  hit: boolean;
}

/** The cache lookups among a span's events. */
export function cacheLookupsOf(events: readonly SpanEventRecord[]): CacheLookupFacts[] {
  if (events.length === 0) return [];
  const out: CacheLookupFacts[] = [];
  for (const e of events) {
    if (e.name !== EVENT.cacheLookup) continue;
    const name = e.attributes[ATTR.cacheName];
    out.push({ timeNs: e.timeNs, cacheName: typeof name === 'string' ? name : null, hit: e.attributes[ATTR.cacheHit] === true });
  }
  return out;
}

export interface AggregateInput {
  span: SpanFacts;
  scores: readonly ScoreFacts[];
  modelCall: ModelCallFacts | null;
  cacheLookups: readonly CacheLookupFacts[];
  /** The service.name of the span's resource, for all of its rows (absent: the facts' own). */
  service?: string | null;
}

/** The value a rollup key stores for a dimension at a time (the cardinality bound). */
export type Admit = (dimension: RollupDimension, ns: bigint, value: string | null) => string;

export const admitAll: Admit = (_d, _ns, v) => v ?? '';

export type MeasureValue = number | bigint | BucketCounts | null;

export interface RollupDelta {
  table: RollupTable;
  grainS: number;
  bucketNs: bigint;
  /** Values of the table's dimensions, in layout order. */
  dims: string[];
  /** Values of the table's measures, in layout order. */
  measures: MeasureValue[];
}

/**
 * Measure inputs of one row, in the layout's order: numbers/bigints merged per the layout; the
 * place of a histogram measure is null (the bucket to count goes in add's `hist` argument).
 */
type Contribution = (number | bigint | null)[];

const MERGE_SUM = 0;
const MERGE_MAX = 1;
const MERGE_MIN = 2;
const MERGE_HIST = 3;
const MERGE_CODES = { sum: MERGE_SUM, max: MERGE_MAX, min: MERGE_MIN, hist: MERGE_HIST } as const;

/** One table's deltas, by key (dimension values): per grain the delta last hit and the rest by bucket. */
interface TableIndex {
  table: RollupTable;
  grains: readonly number[];
  merges: Uint8Array;
  byKey: KeyTrie;
}

/** One level per dimension value (no key string is built per row); the last level holds the key's deltas. */
type KeyTrie = Map<string, KeyTrie | KeyDeltas>;

interface KeyDeltas {
  /** Per grain, the delta of the bucket last added to (rows arrive in about time order). */
  last: (RollupDelta | undefined)[];
  /** Per grain, every delta of this key by bucket (made once a second bucket shows up). */
  byBucket: (Map<bigint, RollupDelta> | undefined)[];
}

/** What the contributions of rows are added to (RollupAccumulator; a reference in the tests). */
export type RollupSink = Pick<RollupAccumulator, 'add'>;

/** Accumulates contributions into deltas, merging per the layout's measure rules. */
export class RollupAccumulator {
  private readonly list: RollupDelta[] = [];
  // The hot path of every write: per table one lookup of the key (a map per dimension, by values
  // whose hashes the strings keep), then per grain a compare with the bucket last hit by that key.
  private readonly tables = new Map<RollupTable, TableIndex>();
  // Rows arrive in time order: remember the last bucket per grain instead of redoing BigInt math.
  private readonly lastBucket = new Map<number, { start: bigint; end: bigint }>();

  private bucketOf(ns: bigint, grainS: number): bigint {
    const last = this.lastBucket.get(grainS);
    if (last && ns >= last.start && ns < last.end) return last.start;
    const start = bucketStartNs(ns, grainS);
    this.lastBucket.set(grainS, { start, end: start + BigInt(grainS) * 1_000_000_000n });
    return start;
  }

  private tableIndex(table: RollupTable): TableIndex {
    let t = this.tables.get(table);
    if (!t) {
      const def = ROLLUPS[table];
      t = { table, grains: def.grains, merges: Uint8Array.from(def.measures, (m) => MERGE_CODES[m.merge]), byKey: new Map() as KeyTrie };
      this.tables.set(table, t);
    }
    return t;
  }

  /**
   * Adds one row's contribution to every grain of the table; `hist` is the bucket the row
   * counts in the table's histogram measure (tables without one ignore it).
   */
  add(table: RollupTable, ns: bigint, dims: string[], values: Contribution, hist = 0): void {
    const t = this.tableIndex(table);
    const k = this.keyDeltas(t, dims);
    const merges = t.merges;
    for (let g = 0; g < t.grains.length; g++) {
      const grainS = t.grains[g] as number;
      const bucketNs = this.bucketOf(ns, grainS);
      let d = k.last[g];
      if (d === undefined || d.bucketNs !== bucketNs) {
        d = this.deltaOf(t, k, g, grainS, bucketNs, dims);
        k.last[g] = d;
      }
      const ms = d.measures;
      for (let i = 0; i < merges.length; i++) {
        const merge = merges[i];
        if (merge === MERGE_HIST) {
          (ms[i] as BucketCounts).add(hist);
          continue;
        }
        const v = values[i];
        if (v === null || v === undefined) continue;
        const cur = ms[i] ?? null;
        if (cur === null) ms[i] = v;
        else if (merge === MERGE_SUM) ms[i] = typeof v === 'bigint' ? (cur as bigint) + v : (cur as number) + v;
        else if (merge === MERGE_MAX) {
          if (v > (cur as number | bigint)) ms[i] = v;
        } else if (v < (cur as number | bigint)) ms[i] = v;
      }
    }
  }

  private keyDeltas(t: TableIndex, dims: readonly string[]): KeyDeltas {
    let node = t.byKey;
    const last = dims.length - 1;
    for (let i = 0; i < last; i++) {
      const v = dims[i] as string;
      let next = node.get(v) as KeyTrie | undefined;
      if (!next) {
        next = new Map();
        node.set(v, next);
      }
      node = next;
    }
    const v = dims[last] as string;
    let k = node.get(v) as KeyDeltas | undefined;
    if (!k) {
      k = { last: t.grains.map(() => undefined), byBucket: t.grains.map(() => undefined) };
      node.set(v, k);
    }
    return k;
  }

  /** The delta of key at grain g and bucketNs, made (and listed) when new. */
  private deltaOf(t: TableIndex, k: KeyDeltas, g: number, grainS: number, bucketNs: bigint, dims: string[]): RollupDelta {
    const prev = k.last[g];
    let byBucket = k.byBucket[g];
    if (prev !== undefined && !byBucket) {
      byBucket = new Map([[prev.bucketNs, prev]]);
      k.byBucket[g] = byBucket;
    }
    let d = byBucket?.get(bucketNs);
    if (!d) {
      d = { table: t.table, grainS, bucketNs, dims, measures: Array.from(t.merges, (m) => (m === MERGE_HIST ? new BucketCounts() : null)) };
      byBucket?.set(bucketNs, d);
      this.list.push(d);
    }
    return d;
  }

  result(): RollupDelta[] {
    return this.list.slice();
  }
}

/**
 * The rollup deltas of a batch of rows. `admit` is called in a fixed order per row (scores,
 * model call, cache lookups, span, component), so a bounded dimension admits the same values
 * whoever aggregates the same rows.
 */
export function aggregate(inputs: Iterable<AggregateInput>, admit: Admit = admitAll): RollupDelta[] {
  const acc = new RollupAccumulator();
  for (const input of inputs) addInput(acc, input, admit);
  return acc.result();
}

export function addInput(acc: RollupSink, input: AggregateInput, admit: Admit): void {
  const service = input.service;
  for (const sc of input.scores) addScore(acc, sc, admit, service);
  if (input.modelCall) addModelCall(acc, input.modelCall, admit, service);
  addSpan(acc, input.span, input.cacheLookups, admit, service);
}

/**
 * A score's contribution (scores without a value count nowhere). `service`, when given, stands
 * for the facts' own (the resource's service.name, for all of a span's rows).
 */
export function addScore(acc: RollupSink, sc: ScoreFacts, admit: Admit, service: string | null | undefined = sc.service): void {
  if (sc.value === null) return;
  const t = sc.time_ns;
  const name = admit('score_name', t, sc.name);
  const v = sc.value;
  const values: Contribution = [1, v, v * v, null];
  const hist = scoreBin(v);
  const label = LABELLED_SCORES.has(sc.name) ? admit('label', t, sc.label) : '';
  acc.add('rollup_scores', t, [name, admit('component_type', t, sc.component_type), admit('model', t, sc.model), label, admit('service', t, service ?? null)], values, hist);
  acc.add('rollup_scores_total', t, [name], values, hist);
}

export function addModelCall(acc: RollupSink, m: ModelCallFacts, admit: Admit, service: string | null | undefined = m.service): void {
  const t = m.time_ns;
  acc.add(
    'rollup_model_calls',
    t,
    [
      admit('operation', t, m.operation),
      admit('provider', t, m.provider),
      admit('model', t, m.response_model),
      admit('component_type', t, m.component_type),
      admit('service', t, service ?? null),
    ],
    [1, m.status_code === 2 ? 1 : 0, m.input_tokens, m.output_tokens, m.cached_tokens, m.cost_usd ?? 0, m.duration_ns],
  );
  if (m.component_id) {
    acc.add(
      'rollup_component_stages',
      t,
      [admit('component_id', t, m.component_id), admit('component_type', t, m.component_type), admit('stage', t, m.stage ?? null), admit('operation', t, m.operation), admit('model', t, m.response_model)],
      [1, m.status_code === 2 ? 1 : 0, m.input_tokens, m.output_tokens, m.cost_usd ?? 0],
    );
  }
}

/** A span's contribution: its cache lookups, and for runs and stages the span rollups and the component day. */
export function addSpan(
  acc: RollupSink,
  span: SpanFacts,
  cacheLookups: readonly CacheLookupFacts[],
  admit: Admit,
  service: string | null | undefined = span.service,
): void {
  let hits = 0;
  let misses = 0;
  for (const e of cacheLookups) {
    if (e.hit) hits++;
    else misses++;
    const t = e.timeNs;
    acc.add(
      'rollup_cache',
      t,
      [admit('cache_name', t, e.cacheName), admit('stage', t, span.stage), admit('component_type', t, span.component_type), admit('service', t, service ?? null)],
      [e.hit ? 1 : 0, e.hit ? 0 : 1],
    );
  }
  if (span.role !== 'run' && span.role !== 'stage') return;
  const t = span.start_ns;
  const stage = admit('stage', t, span.stage);
  const type = admit('component_type', t, span.component_type);
  const model = admit('model', t, span.model);
  const error = span.status_code === 2 ? 1 : 0;
  const values: Contribution = [1, error, span.duration_ns, span.duration_ns, span.cost_usd ?? 0, hits, misses, null];
  const hist = sketchIndex(Number(span.duration_ns));
  acc.add('rollup_spans', t, [stage, type, model, admit('service', t, service ?? null)], values, hist);
  acc.add('rollup_spans_total', t, [stage], values, hist);
  if (span.role === 'run' && span.component_id) {
    acc.add('rollup_components', t, [admit('component_id', t, span.component_id), type, model], [1, error, span.cost_usd ?? 0, span.duration_ns]);
  }
}
