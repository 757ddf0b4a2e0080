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

/** Measure inputs of one row: numbers/bigints merged per the layout; `hist` adds 1 to that bucket. */
type Contribution = (number | bigint | null | { hist: number })[];

/** Accumulates contributions into deltas, merging per the layout's measure rules. */
export class RollupAccumulator {
  private readonly list: RollupDelta[] = [];
  // Per table, per grain (in the layout's order), per bucket (BigInt keys compare by value, so no
  // string conversion), per dimension values: the hot path of every write is these lookups.
  private readonly index = new Map<RollupTable, Map<bigint, Map<string, RollupDelta>>[]>();
  // Rows arrive in time order: remember the last bucket per grain instead of redoing BigInt math.
  private readonly lastBucket = new Map<number, { start: bigint; end: bigint }>();

  private bucketOf(ns: bigint, grainS: number): bigint {
    const last = this.lastBucket.get(grainS);
    if (last && ns >= last.start && ns < last.end) return last.start;
    const start = bucketStartNs(ns, grainS);
    this.lastBucket.set(grainS, { start, end: start + BigInt(grainS) * 1_000_000_000n });
    return start;
  }

  /** Adds one row's contribution to every grain of the table. */
  add(table: RollupTable, ns: bigint, dims: string[], values: Contribution): void {
    const def = ROLLUPS[table];
    const dimsKey = dims.length === 1 ? (dims[0] as string) : dims.join('\u0001');
    let perGrain = this.index.get(table);
    if (!perGrain) {
      perGrain = def.grains.map(() => new Map<bigint, Map<string, RollupDelta>>());
      this.index.set(table, perGrain);
    }
    const measures = def.measures;
    for (let g = 0; g < def.grains.length; g++) {
      const grainS = def.grains[g] as number;
      const bucketNs = this.bucketOf(ns, grainS);
      const byBucket = perGrain[g] as Map<bigint, Map<string, RollupDelta>>;
      let byDims = byBucket.get(bucketNs);
      if (!byDims) {
        byDims = new Map();
        byBucket.set(bucketNs, byDims);
      }
      let d = byDims.get(dimsKey);
      if (!d) {
        d = { table, grainS, bucketNs, dims, measures: measures.map((m) => (m.merge === 'hist' ? new BucketCounts() : null)) };
        byDims.set(dimsKey, d);
        this.list.push(d);
      }
      const ms = d.measures;
      for (let i = 0; i < measures.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        const cur = ms[i] ?? null;
        const merge = measures[i]?.merge;
        if (typeof v === 'object') {
          (cur as BucketCounts).add(v.hist);
        } else if (cur === null) {
          ms[i] = v;
        } else if (merge === 'sum') {
          ms[i] = typeof v === 'bigint' ? (cur as bigint) + v : (cur as number) + v;
        } else if (merge === 'max') {
          if (v > (cur as number | bigint)) ms[i] = v;
        } else if (merge === 'min') {
          if (v < (cur as number | bigint)) ms[i] = v;
        }
      }
    }
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

export function addInput(acc: RollupAccumulator, input: AggregateInput, admit: Admit): void {
  const service = input.service;
  for (const sc of input.scores) addScore(acc, service === undefined ? sc : { ...sc, service }, admit);
  if (input.modelCall) addModelCall(acc, service === undefined ? input.modelCall : { ...input.modelCall, service }, admit);
  addSpan(acc, service === undefined ? input.span : { ...input.span, service }, input.cacheLookups, admit);
}

/** A score's contribution (scores without a value count nowhere). */
export function addScore(acc: RollupAccumulator, sc: ScoreFacts, admit: Admit): void {
  if (sc.value === null) return;
  const t = sc.time_ns;
  const name = admit('score_name', t, sc.name);
  const v = sc.value;
  const values: Contribution = [1, v, v * v, { hist: scoreBin(v) }];
  const label = LABELLED_SCORES.has(sc.name) ? admit('label', t, sc.label) : '';
  acc.add('rollup_scores', t, [name, admit('component_type', t, sc.component_type), admit('model', t, sc.model), label, admit('service', t, sc.service ?? null)], values);
  acc.add('rollup_scores_total', t, [name], values);
}

export function addModelCall(acc: RollupAccumulator, m: ModelCallFacts, admit: Admit): void {
  const t = m.time_ns;
  acc.add(
    'rollup_model_calls',
    t,
    [
      admit('operation', t, m.operation),
      admit('provider', t, m.provider),
      admit('model', t, m.response_model),
      admit('component_type', t, m.component_type),
      admit('service', t, m.service ?? null),
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
export function addSpan(acc: RollupAccumulator, span: SpanFacts, cacheLookups: readonly CacheLookupFacts[], admit: Admit): void {
  let hits = 0;
  let misses = 0;
  for (const e of cacheLookups) {
    if (e.hit) hits++;
    else misses++;
    const t = e.timeNs;
    acc.add(
      'rollup_cache',
      t,
      [admit('cache_name', t, e.cacheName), admit('stage', t, span.stage), admit('component_type', t, span.component_type), admit('service', t, span.service ?? null)],
      [e.hit ? 1 : 0, e.hit ? 0 : 1],
    );
  }
  if (span.role !== 'run' && span.role !== 'stage') return;
  const t = span.start_ns;
  const stage = admit('stage', t, span.stage);
  const type = admit('component_type', t, span.component_type);
  const model = admit('model', t, span.model);
  const error = span.status_code === 2 ? 1 : 0;
  const values: Contribution = [
    1,
    error,
    span.duration_ns,
    span.duration_ns,
    span.cost_usd ?? 0,
    hits,
    misses,
    { hist: sketchIndex(Number(span.duration_ns)) },
  ];
  acc.add('rollup_spans', t, [stage, type, model, admit('service', t, span.service ?? null)], values);
  acc.add('rollup_spans_total', t, [stage], values);
  if (span.role === 'run' && span.component_id) {
    acc.add('rollup_components', t, [admit('component_id', t, span.component_id), type, model], [1, error, span.cost_usd ?? 0, span.duration_ns]);
  }
}
