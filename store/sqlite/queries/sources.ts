/**
 * Row sources the panels aggregate over. Each returns a subquery with fixed columns, reading a
 * rollup table when the filters allow it and raw rows otherwise (a benchmark-run filter, or a
 * filter the rollup has no column for but the raw table has). Panels never care which.
 */
import { END_TO_END_STAGE } from '../../../schema/api';
import { ATTR, EVENT } from '../../../schema/names';
import type { Window } from '../../window';
import { DAY_GRAIN_S, MINUTE_GRAIN_S } from '../../window';
import { filterConditions, inList, joinAnd, rollupUnion, segmentsFor } from './sql';
import type { Filters, Fragment } from './sql';
import { stringOf } from '../strings';
import { ROLLUPS } from '../../layout';

export interface Source {
  /** A subquery (without parentheses). */
  from: Fragment;
  source: 'rollup' | 'raw';
  ignored: string[];
}

/** Whether the filters select only pipeline.run roots (so the partial index spans_runs applies). */
export function runsOnly(f: Filters): boolean {
  return f.stage.length === 1 && f.stage[0] === END_TO_END_STAGE;
}

/** Whether the narrow total rollups (hour and day grains, no type/model/service columns) can answer. */
function totalsApply(f: Filters, dims: boolean | undefined): boolean {
  return dims === false && f.componentType.length === 0 && f.model.length === 0 && (f.service ?? []).length === 0;
}

/**
 * Rollup rows are read from their stored tables (migration 180): filters compare string ids (no
 * lookup per row), and only the dimension columns a source gives back are named.
 */
const REF_FILTERS = { componentType: 'component_type_ref', model: 'model_ref', stage: 'stage_ref', service: 'service_ref' } as const;
const named = (cols: readonly string[]): string => cols.map((c) => `${stringOf(`${c}_ref`)} AS ${c}`).join(', ');
const NOT_RUN_STAGE: Fragment = { sql: 'stage_ref IS NOT (SELECT id FROM strings WHERE value = ?)', params: [END_TO_END_STAGE] };

/** The service.name of a raw row's resource (NULL when unknown), by the SQL of its resource id. */
export const serviceOf = (resourceIdSql: string): string => `(SELECT r.service_name FROM resources r WHERE r.id = ${resourceIdSql})`;

/**
 * Span rows of runs and stages. Columns: bucket_ns, stage, component_type, model, count, errors,
 * duration_sum_ns, duration_max_ns, cost_usd, latency_hist (NULL for raw rows), duration_ns (raw
 * rows only; NULL for rollups). With `dims: false` the caller promises not to group by component
 * type or model, so hour and day rows may come from rollup_spans_total (with '' in those columns).
 */
export function spanSource(
  w: Window,
  f: Filters,
  opts: { grainS?: number; raw?: boolean; stagesOnly?: boolean; dims?: boolean } = {},
): Source {
  if (opts.raw || f.benchmarkRun !== undefined) {
    const { conds, ignored } = filterConditions(runsOnly(f) ? { ...f, stage: [] } : f, {
      componentType: 'component_type',
      model: 'model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_ref',
      service: serviceOf('spans.resource_id'),
    });
    const role: Fragment = runsOnly(f)
      ? { sql: "role = 'run'", params: [] }
      : opts.stagesOnly
        ? { sql: "role = 'stage'", params: [] }
        : { sql: "role IN ('run', 'stage')", params: [] };
    const where = joinAnd([{ sql: 'start_ns >= ? AND start_ns < ?', params: [w.fromNs, w.toNs] }, role, ...conds]);
    return {
      from: {
        sql: `SELECT start_ns AS bucket_ns, COALESCE(stage, '') AS stage, COALESCE(component_type, '') AS component_type,
          COALESCE(model, '') AS model, 1 AS count, (status_code = 2) AS errors, duration_ns AS duration_sum_ns,
          duration_ns AS duration_max_ns, COALESCE(cost_usd, 0) AS cost_usd, NULL AS latency_hist, duration_ns
          FROM spans WHERE ${where.sql}`,
        params: where.params,
      },
      source: 'raw',
      ignored,
    };
  }
  const { conds, ignored } = filterConditions(f, REF_FILTERS);
  if (opts.stagesOnly) conds.push(NOT_RUN_STAGE);
  const totals = totalsApply(f, opts.dims);
  const rest = 'count, errors, duration_sum_ns, duration_max_ns, cost_usd, latency_hist, NULL AS duration_ns';
  // Totals have only the stage (the filters then are stage filters): their key (grain_s, stage_ref, bucket_ns) seeks it.
  return {
    from: rollupUnion(
      ROLLUPS.rollup_spans.stored,
      // Without dims the caller groups by none of type and model: only the stage is decoded (a string lookup a row each).
      `bucket_ns, ${opts.dims === false ? `${named(['stage'])}, '' AS component_type, '' AS model` : named(['stage', 'component_type', 'model'])}, ${rest}`,
      segmentsFor(w, opts.grainS, { dayGrain: true }),
      joinAnd(conds),
      (seg) =>
        totals && seg.grainS !== MINUTE_GRAIN_S
          ? { table: ROLLUPS.rollup_spans_total.stored, cols: `bucket_ns, ${named(['stage'])}, '' AS component_type, '' AS model, ${rest}` }
          : null,
    ),
    source: 'rollup',
    ignored,
  };
}

/**
 * Quality score rows. Columns: bucket_ns, name, component_type, model, label, count, sum,
 * sum_sq, hist (store/histogram codec, 20 bins; NULL for raw rows), value (raw rows only).
 * `names` narrows to these score names. With `dims: false` (no grouping by component type, model
 * or label) hour and day rows may come from rollup_scores_total.
 */
export function scoreSource(w: Window, f: Filters, names: readonly string[] | null, opts: { grainS?: number; dims?: boolean } = {}): Source {
  if (f.benchmarkRun !== undefined || f.stage.length > 0) {
    const { conds, ignored } = filterConditions(f, {
      componentType: 'component_type',
      model: 'model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_ref',
      service: serviceOf('(SELECT p.resource_id FROM spans p WHERE p.id = scores.span_row)'),
    });
    // Raw score names are shared strings (migration 042): the names' ids, through the strings index.
    const rawNameCond: Fragment[] =
      names === null
        ? []
        : [{ sql: 'name_ref IN (SELECT id FROM strings WHERE value IN (SELECT value FROM json_each(?)))', params: [JSON.stringify(names)] }];
    const where = joinAnd([...rawNameCond, { sql: 'time_ns >= ? AND time_ns < ? AND value IS NOT NULL', params: [w.fromNs, w.toNs] }, ...conds]);
    return {
      from: {
        sql: `SELECT time_ns AS bucket_ns, ${stringOf('name_ref')} AS name, COALESCE(component_type, '') AS component_type,
          COALESCE(model, '') AS model, COALESCE(${stringOf('label_ref')}, '') AS label, 1 AS count, value AS sum, value * value AS sum_sq, NULL AS hist, value
          FROM scores WHERE ${where.sql}`,
        params: where.params,
      },
      source: 'raw',
      ignored,
    };
  }
  const { conds, ignored } = filterConditions(f, { componentType: REF_FILTERS.componentType, model: REF_FILTERS.model, service: REF_FILTERS.service });
  const totals = totalsApply(f, opts.dims);
  // Totals' key (grain_s, name_ref, bucket_ns) seeks a name (the other filters exclude totals).
  const nameRef: Fragment[] = names === null ? [] : [inList('name_ref', names)];
  // Without dims the caller groups by none of type, model and label: only the name is decoded (a string lookup a row each).
  const cols = `bucket_ns, ${opts.dims === false ? `${named(['name'])}, '' AS component_type, '' AS model, '' AS label` : named(['name', 'component_type', 'model', 'label'])}, count, sum, sum_sq, hist, NULL AS value`;
  return {
    from: rollupUnion(
      ROLLUPS.rollup_scores.stored,
      cols,
      segmentsFor(w, opts.grainS, { dayGrain: true }),
      joinAnd([...nameRef, ...conds]),
      (seg) =>
        totals && seg.grainS !== MINUTE_GRAIN_S
          ? {
              table: ROLLUPS.rollup_scores_total.stored,
              cols: `bucket_ns, ${named(['name'])}, '' AS component_type, '' AS model, '' AS label, count, sum, sum_sq, hist, NULL AS value`,
            }
          : // The full table's key is (grain_s, bucket_ns, name_ref, ...): with names, a seek per bucket reads only theirs.
            names !== null && seg.grainS !== DAY_GRAIN_S
            ? { table: ROLLUPS.rollup_scores.stored, cols, seekBuckets: true }
            : null,
    ),
    source: 'rollup',
    ignored,
  };
}

/**
 * Model-call rows. Columns: bucket_ns, operation, provider, model (the response model),
 * component_type, calls, errors, input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns.
 */
export function modelCallSource(w: Window, f: Filters, opts: { grainS?: number } = {}): Source {
  if (f.benchmarkRun !== undefined || f.stage.length > 0) {
    const { conds, ignored } = filterConditions(f, {
      componentType: 'component_type',
      model: 'response_model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_ref',
      service: serviceOf('(SELECT p.resource_id FROM spans p WHERE p.id = model_calls.id)'),
    });
    const where = joinAnd([{ sql: 'time_ns >= ? AND time_ns < ?', params: [w.fromNs, w.toNs] }, ...conds]);
    return {
      from: {
        sql: `SELECT time_ns AS bucket_ns, COALESCE(operation, '') AS operation, COALESCE(provider, '') AS provider,
          COALESCE(response_model, '') AS model, COALESCE(component_type, '') AS component_type, 1 AS calls,
          (status_code = 2) AS errors, input_tokens, output_tokens, cached_tokens, COALESCE(cost_usd, 0) AS cost_usd,
          duration_ns AS duration_sum_ns
          FROM model_calls WHERE ${where.sql}`,
        params: where.params,
      },
      source: 'raw',
      ignored,
    };
  }
  const { conds, ignored } = filterConditions(f, { componentType: REF_FILTERS.componentType, model: REF_FILTERS.model, service: REF_FILTERS.service });
  return {
    from: rollupUnion(
      ROLLUPS.rollup_model_calls.stored,
      `bucket_ns, ${named(['operation', 'provider', 'model', 'component_type'])}, calls, errors, input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns`,
      segmentsFor(w, opts.grainS, { dayGrain: true }),
      joinAnd(conds),
    ),
    source: 'rollup',
    ignored,
  };
}

/**
 * Cache lookups. Columns: bucket_ns, cache_name, stage, component_type, hits, misses (raw rows:
 * one lookup event each, for a benchmark-run filter or with `raw`, e.g. the alerts' samples).
 */
export function cacheSource(w: Window, f: Filters, opts: { grainS?: number; raw?: boolean } = {}): Source {
  if (opts.raw || f.benchmarkRun !== undefined) {
    // Raw: the genscope.cache.lookup events of the benchmark's spans (found through spans_benchmark).
    const { conds, ignored } = filterConditions(f, {
      componentType: 's.component_type',
      model: 's.model',
      stage: 's.stage',
      benchmarkRun: 's.benchmark_run_ref',
      service: serviceOf('s.resource_id'),
    });
    // Stored events (migration 042) hold a name and attributes, or `ref`, the id of a shared
    // string holding both: `body` is the event's JSON either way.
    const namePath = `$.attributes."${ATTR.cacheName}"`;
    const hitPath = `$.attributes."${ATTR.cacheHit}"`;
    const where = joinAnd([{ sql: 's.start_ns >= ? AND s.start_ns < ? AND s.events IS NOT NULL', params: [w.fromNs, w.toNs] }, ...conds]);
    return {
      from: {
        sql: `SELECT bucket_ns, COALESCE(json_extract(body, ?), '') AS cache_name, stage, component_type,
            (json_extract(body, ?) = 1) AS hits, (COALESCE(json_extract(body, ?), 0) <> 1) AS misses
          FROM (SELECT s.start_ns AS bucket_ns, COALESCE(s.stage, '') AS stage, COALESCE(s.component_type, '') AS component_type,
              COALESCE(${stringOf("json_extract(e.value, '$.ref')")}, e.value) AS body
            FROM spans s, json_each(s.events) e WHERE ${where.sql})
          WHERE json_extract(body, '$.name') = ?`,
        params: [namePath, hitPath, hitPath, ...where.params, EVENT.cacheLookup],
      },
      source: 'raw',
      ignored,
    };
  }
  const { conds, ignored } = filterConditions(f, { componentType: REF_FILTERS.componentType, stage: REF_FILTERS.stage, service: REF_FILTERS.service });
  return {
    from: rollupUnion(
      ROLLUPS.rollup_cache.stored,
      `bucket_ns, ${named(['cache_name', 'stage', 'component_type'])}, hits, misses`,
      segmentsFor(w, opts.grainS, { dayGrain: true }),
      joinAnd(conds),
    ),
    source: 'rollup',
    ignored,
  };
}
