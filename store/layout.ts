/**
 * The rollup layout, in one place: which rollup tables exist, at which grains, keyed by which
 * dimensions, with which measures and how each measure merges, and how long each grain is kept.
 * The writer builds its upserts from this, retention its deletes, the rebuild its inserts; the
 * pure aggregation (aggregate.ts) produces deltas in this shape. Nothing else spells a rollup key.
 */

import { SCORE } from '../schema/names';

export const MINUTE_GRAIN_S = 60;
export const HOUR_GRAIN_S = 3600;
export const DAY_GRAIN_S = 86_400;

/** How a measure of a delta merges into the stored row. */
export type MeasureMerge = 'sum' | 'max' | 'min' | 'hist';

export interface MeasureDef {
  column: string;
  merge: MeasureMerge;
}

export interface RollupTableDef {
  table: RollupTable;
  /** Grains written (seconds). A table without a grain_s column has exactly one grain. */
  grains: readonly number[];
  /** Whether the table has a grain_s column. */
  grainColumn: boolean;
  /** Dimension columns, in key order after grain_s and bucket_ns. */
  dimensions: readonly string[];
  /** The primary key as declared (conflict target). */
  primaryKey: readonly string[];
  measures: readonly MeasureDef[];
  /**
   * The table holding the rows since migration 180: dimensions as ids into `strings` (column
   * `<dimension>_ref`), read through the view named `table`, which gives them back as text with
   * exactly the columns of before. Writes and deletes go to this table.
   */
  stored: string;
}

export type RollupTable =
  | 'rollup_spans'
  | 'rollup_spans_total'
  | 'rollup_scores'
  | 'rollup_scores_total'
  | 'rollup_model_calls'
  | 'rollup_components'
  | 'rollup_component_stages'
  | 'rollup_cache';

const ALL_GRAINS = [MINUTE_GRAIN_S, HOUR_GRAIN_S, DAY_GRAIN_S] as const;

const sum = (column: string): MeasureDef => ({ column, merge: 'sum' });

const SPAN_MEASURES: readonly MeasureDef[] = [
  sum('count'),
  sum('errors'),
  sum('duration_sum_ns'),
  { column: 'duration_max_ns', merge: 'max' },
  sum('cost_usd'),
  sum('cache_hits'),
  sum('cache_misses'),
  { column: 'latency_hist', merge: 'hist' },
];

// No min and max: never read, so dropped in migration 177 (older tables keep them, NULL in new rows).
const SCORE_MEASURES: readonly MeasureDef[] = [sum('count'), sum('sum'), sum('sum_sq'), { column: 'hist', merge: 'hist' }];

function def(
  table: RollupTable,
  grains: readonly number[],
  dimensions: readonly string[],
  measures: readonly MeasureDef[],
  opts: { grainColumn?: boolean; primaryKey?: readonly string[] } = {},
): RollupTableDef {
  const grainColumn = opts.grainColumn ?? true;
  return {
    table,
    grains,
    grainColumn,
    dimensions,
    primaryKey: opts.primaryKey ?? [...(grainColumn ? ['grain_s'] : []), 'bucket_ns', ...dimensions],
    measures,
    stored: `${table}_rows`,
  };
}

/** The column of the stored table (migration 180) holding a dimension's string id. */
export function storedColumn(def: RollupTableDef, column: string): string {
  return def.dimensions.includes(column) ? `${column}_ref` : column;
}

/**
 * Every rollup table. Empty string, not NULL, stands for "none" in a dimension so the primary key
 * works. Totals (no type/model columns) are kept at the hour and day grains (short ranges read few
 * minute rows anyway): a month without a type or model filter reads a row per stage or score name
 * and day, not one per type, model and service (migration 200).
 */
export const ROLLUPS: Readonly<Record<RollupTable, RollupTableDef>> = {
  // `service` (resource service.name, '' unknown) on the tables the panels filter (migration 150).
  rollup_spans: def('rollup_spans', ALL_GRAINS, ['stage', 'component_type', 'model', 'service'], SPAN_MEASURES),
  rollup_spans_total: def('rollup_spans_total', [HOUR_GRAIN_S, DAY_GRAIN_S], ['stage'], SPAN_MEASURES, {
    primaryKey: ['grain_s', 'stage', 'bucket_ns'],
  }),
  rollup_scores: def('rollup_scores', ALL_GRAINS, ['name', 'component_type', 'model', 'label', 'service'], SCORE_MEASURES),
  rollup_scores_total: def('rollup_scores_total', [HOUR_GRAIN_S, DAY_GRAIN_S], ['name'], SCORE_MEASURES, {
    primaryKey: ['grain_s', 'name', 'bucket_ns'],
  }),
  rollup_model_calls: def('rollup_model_calls', ALL_GRAINS, ['operation', 'provider', 'model', 'component_type', 'service'], [
    sum('calls'),
    sum('errors'),
    sum('input_tokens'),
    sum('output_tokens'),
    sum('cached_tokens'),
    sum('cost_usd'),
    sum('duration_sum_ns'),
  ]),
  rollup_components: def(
    'rollup_components',
    [DAY_GRAIN_S],
    ['component_id', 'component_type', 'model'],
    [sum('runs'), sum('errors'), sum('cost_usd'), sum('duration_sum_ns')],
    { grainColumn: false },
  ),
  // A component's model spend per stage and operation (embedding in map, generation, validation),
  // per UTC day: cost per component split by stage (migration 141).
  rollup_component_stages: def(
    'rollup_component_stages',
    [DAY_GRAIN_S],
    ['component_id', 'component_type', 'stage', 'operation', 'model'],
    [sum('calls'), sum('errors'), sum('input_tokens'), sum('output_tokens'), sum('cost_usd')],
    { grainColumn: false },
  ),
  rollup_cache: def('rollup_cache', ALL_GRAINS, ['cache_name', 'stage', 'component_type', 'service'], [sum('hits'), sum('misses')]),
};

export const ROLLUP_TABLES = Object.keys(ROLLUPS) as RollupTable[];

/**
 * The score names whose label is a rollup_scores dimension: the confusion matrix reads the labels
 * of classification.accuracy (the predicted type); no panel or alert reads another score's label
 * from the rollups, so the others are counted under label '' (migration 178 folded older rows).
 */
export const LABELLED_SCORES: ReadonlySet<string> = new Set([SCORE.classificationAccuracy]);

/** How long minute rollups live by default when raw retention is longer. */
export const DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS = 7;

export interface RetentionSettings {
  /** Raw rows (spans, scores, model calls, metric points) are kept this many days. */
  retentionDays: number;
  /** Minute rollups are kept this many days; default min(retentionDays, 7). */
  minuteRollupRetentionDays?: number;
}

/** What retention deletes: one rule per (table, grain) it prunes; absent grains live forever. */
export interface PruneRule {
  table: RollupTable;
  grainS: number;
  keepDays: number;
}

/** Days minute rollups are kept under these settings (readers plan grains from the same number). */
export function minuteRollupDays(s: RetentionSettings): number {
  return s.minuteRollupRetentionDays ?? Math.min(s.retentionDays, DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS);
}

/**
 * The prune policy: minute rollups go after minuteRollupDays; hour and day rollups, totals and
 * component days outlive the raw rows (they are the long history).
 */
export function prunePolicy(s: RetentionSettings): PruneRule[] {
  const keepDays = minuteRollupDays(s);
  return ROLLUP_TABLES.filter((t) => ROLLUPS[t].grains.includes(MINUTE_GRAIN_S)).map((table) => ({
    table,
    grainS: MINUTE_GRAIN_S,
    keepDays,
  }));
}

/** The start (ns) of the grain-sized bucket holding ns. */
export function bucketStartNs(ns: bigint, grainS: number): bigint {
  const g = BigInt(grainS) * 1_000_000_000n;
  return ns - (((ns % g) + g) % g);
}
