/**
 * SQL building for the ClickHouse readers: every value becomes a named, typed bound parameter
 * ({p0:Int64}, {p1:Array(String)}); the SQL text holds only genscope's own identifiers. Also the
 * row sources the panels aggregate over: genscope's extracted tables with the same columns the
 * SQLite store's sources have, so each panel reads alike on both engines.
 */
import { END_TO_END_STAGE } from '../../schema/api';
import type { Window } from '../window';

/** Collects bound parameters for one statement. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** A placeholder bound to `value` as ClickHouse type `type`. */
  bind(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = typeof value === 'bigint' ? value.toString() : value;
    return `{${name}:${type}}`;
  }

  /** A DateTime64(9) expression for a nanosecond instant. */
  ns(v: bigint): string {
    return `fromUnixTimestamp64Nano(${this.bind(v, 'Int64')})`;
  }
}

/** Dimension filters after validation (empty list = all). */
export interface ChFilters {
  componentType: readonly string[];
  model: readonly string[];
  stage: readonly string[];
  benchmarkRun?: string | undefined;
  /** Resource service.name values (absent or empty = all). */
  service?: readonly string[] | undefined;
}

export interface FilterColumns {
  componentType?: string;
  model?: string;
  stage?: string;
  benchmarkRun?: string;
  /** The service.name column, or an expression giving it. */
  service?: string;
}

/** AND-ed conditions for the filters the columns support; `ignored` names the others. */
export function filterSql(
  p: Params,
  f: ChFilters,
  cols: FilterColumns,
): { conds: string[]; ignored: string[] } {
  const conds: string[] = [];
  const ignored: string[] = [];
  const lists: ['componentType' | 'model' | 'stage' | 'service', readonly string[]][] = [
    ['componentType', f.componentType],
    ['model', f.model],
    ['stage', f.stage],
    ['service', f.service ?? []],
  ];
  for (const [name, values] of lists) {
    if (values.length === 0) continue;
    const col = cols[name];
    if (col) conds.push(`${col} IN ${p.bind(values, 'Array(String)')}`);
    else ignored.push(name);
  }
  if (f.benchmarkRun !== undefined) {
    if (cols.benchmarkRun) conds.push(`${cols.benchmarkRun} = ${p.bind(f.benchmarkRun, 'String')}`);
    else ignored.push('benchmarkRun');
  }
  return { conds, ignored };
}

export function and(conds: readonly string[]): string {
  return conds.length === 0 ? '1' : conds.map((c) => `(${c})`).join(' AND ');
}

/** `col` within the window [from, to). */
export function inWindow(p: Params, col: string, w: Pick<Window, 'fromNs' | 'toNs'>): string {
  return `${col} >= ${p.ns(w.fromNs)} AND ${col} < ${p.ns(w.toNs)}`;
}

/** Epoch-ms start of the `stepS`-second bucket holding DateTime64 column `col`. */
export function bucketMs(col: string, stepS: number): string {
  const stepMs = Math.round(stepS * 1000);
  return `intDiv(toUnixTimestamp64Milli(${col}), ${stepMs}) * ${stepMs}`;
}

export interface ChSource {
  /** A subquery (without parentheses). */
  sql: string;
  ignored: string[];
}

/**
 * Span rows of runs and stages: time, stage, component_type, model ('' for none), err (0/1),
 * duration_ns, cost_usd. `stagesOnly` leaves out the end-to-end run spans.
 */
export function spanSource(
  p: Params,
  db: string,
  w: Window,
  f: ChFilters,
  opts: { stagesOnly?: boolean } = {},
): ChSource {
  const { conds, ignored } = filterSql(p, f, {
    componentType: 'component_type',
    model: 'model',
    stage: 'stage',
    benchmarkRun: 'benchmark_run_id',
    service: 'service_name',
  });
  const role = opts.stagesOnly ? "role = 'stage'" : "role IN ('run', 'stage')";
  return {
    sql: `SELECT start AS time, ifNull(stage, '') AS stage, ifNull(component_type, '') AS component_type,
        ifNull(model, '') AS model, toUInt8(status_code = 2) AS err, duration_ns, ifNull(cost_usd, 0) AS cost_usd
      FROM ${db}.genscope_spans WHERE ${and([role, inWindow(p, 'start', w), ...conds])}`,
    ignored,
  };
}

/** Spans start up to this long before the scores, calls and cache lookups recorded in them. */
const SPAN_LOOKBACK_NS = 3_600_000_000_000n;

/**
 * The service filter on rows derived from a span (scores, model calls, cache lookups, which do not
 * copy its resource): the row's span is one of the service's, found in genscope_spans.
 */
export function serviceOfSpan(p: Params, db: string, w: Window, f: Pick<ChFilters, 'service'>): string[] {
  if (!f.service || f.service.length === 0) return [];
  const spans = { fromNs: w.fromNs - SPAN_LOOKBACK_NS, toNs: w.toNs };
  return [
    `(trace_id, span_id) IN (SELECT trace_id, span_id FROM ${db}.genscope_spans
      WHERE service_name IN ${p.bind(f.service, 'Array(String)')} AND ${inWindow(p, 'start', spans)})`,
  ];
}

/** Whether the filters select only end-to-end runs. */
export function runsOnly(f: ChFilters): boolean {
  return f.stage.length === 1 && f.stage[0] === END_TO_END_STAGE;
}

/** Score rows with a value: time, name, component_type, model, label ('' for none), value. */
export function scoreSource(
  p: Params,
  db: string,
  w: Window,
  f: ChFilters,
  names: readonly string[] | null,
): ChSource {
  const { conds, ignored } = filterSql(p, { ...f, service: [] }, {
    componentType: 'component_type',
    model: 'model',
    stage: 'stage',
    benchmarkRun: 'benchmark_run_id',
  });
  conds.push(...serviceOfSpan(p, db, w, f));
  if (names !== null) conds.push(`name IN ${p.bind(names, 'Array(String)')}`);
  return {
    sql: `SELECT time, name, ifNull(component_type, '') AS component_type, ifNull(model, '') AS model,
        ifNull(label, '') AS label, assumeNotNull(value) AS value
      FROM ${db}.genscope_scores WHERE ${and([inWindow(p, 'time', w), 'value IS NOT NULL', ...conds])}`,
    ignored,
  };
}

/** Model-call rows: time, operation, provider, model (response model), component_type, err, tokens, cost_usd, duration_ns. */
export function modelCallSource(p: Params, db: string, w: Window, f: ChFilters): ChSource {
  const { conds, ignored } = filterSql(p, { ...f, service: [] }, {
    componentType: 'component_type',
    model: 'response_model',
    stage: 'stage',
    benchmarkRun: 'benchmark_run_id',
  });
  conds.push(...serviceOfSpan(p, db, w, f));
  return {
    sql: `SELECT time, ifNull(operation, '') AS operation, ifNull(provider, '') AS provider, ifNull(response_model, '') AS model,
        ifNull(component_type, '') AS component_type, ifNull(stage, '') AS stage, toUInt8(status_code = 2) AS err,
        input_tokens, output_tokens, cached_tokens, ifNull(cost_usd, 0) AS cost_usd, duration_ns
      FROM ${db}.genscope_model_calls WHERE ${and([inWindow(p, 'time', w), ...conds])}`,
    ignored,
  };
}

/**
 * Cache lookups: time, cache_name, stage, component_type, hit (0/1). As in the SQLite store, the
 * model filter applies only with a benchmark run (its cache rollup has no model column).
 */
export function cacheSource(p: Params, db: string, w: Window, f: ChFilters): ChSource {
  const withModel = f.benchmarkRun !== undefined;
  const { conds, ignored } = filterSql(p, { ...f, service: [] }, {
    componentType: 'component_type',
    stage: 'stage',
    benchmarkRun: 'benchmark_run_id',
    ...(withModel ? { model: 'model' } : {}),
  });
  if (f.service && f.service.length > 0) {
    // genscope_cache_lookups does not keep the span: a service's lookups come from its spans' own.
    const spans = { fromNs: w.fromNs - SPAN_LOOKBACK_NS, toNs: w.toNs };
    return {
      sql: `SELECT c.time AS time, c.name AS cache_name, ifNull(stage, '') AS stage, ifNull(component_type, '') AS component_type, c.hit AS hit
        FROM ${db}.genscope_spans ARRAY JOIN cache AS c
        WHERE ${and([
          inWindow(p, 'start', spans),
          inWindow(p, 'c.time', w),
          `service_name IN ${p.bind(f.service, 'Array(String)')}`,
          ...conds,
        ])}`,
      ignored,
    };
  }
  return {
    sql: `SELECT time, cache_name, ifNull(stage, '') AS stage, ifNull(component_type, '') AS component_type, hit
      FROM ${db}.genscope_cache_lookups WHERE ${and([inWindow(p, 'time', w), ...conds])}`,
    ignored,
  };
}

/** Numbers from JSONEachRow: 64-bit integers may arrive as strings. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
}
