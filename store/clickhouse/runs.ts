/**
 * Runs, run detail, benchmark runs, filter options and export datasets on ClickHouse. A run's
 * numeric id (the API's /runs/:id) is RUN_KEY: the first 48 bits of its root span id, since
 * ClickHouse rows have no row id; a run is looked up by it through a bloom-filter index.
 */
import { EXPORT_COLUMNS, EXPORT_JSON_COLUMNS } from '../../schema/api';
import type {
  BenchmarkRow,
  BenchmarksQuery,
  BenchmarksResponse,
  ExportDataset,
  ExportQuery,
  FilterOptionsQuery,
  FilterOptionsResponse,
  RunDetailResponse,
  RunRow,
  RunsQuery,
  RunsResponse,
  ScoreRow,
  SpanEvent,
  SpanNode,
} from '../../schema/api';
import { QueryError } from '../errors';
import { resolveWindow } from '../window';
import type { Window } from '../window';
import { meta } from '../sqlite/queries/context';
import { DEFAULT_WORST_SCORE, SCORE_SLACK_NS, parseCursor, runRowWithCalls, statusName } from '../sqlite/queries/runs-list';
import type { RunCalls } from '../sqlite/queries/runs-list';
import { SCORE } from '../../schema/names';
import type { ExportRow, ExportShape } from '../types';
import type { ChContext } from './context';
import { traceLogs } from './otel-logs';
import type { LogsTable } from './otel-logs';
import { EVALUATION_LOOKBACK_NS } from '../sqlite/log-writer';
import { RUN_KEY } from './ddl';
import { and, filterSql, inWindow, num, Params, serviceOfSpan } from './sql';
import { parseJsonObject } from '../json';

interface RunDbRow {
  id: number | string;
  trace_id: string;
  span_id: string;
  name: string;
  start_ns: string;
  end_ns: string;
  start_ms: number | string;
  duration_ms: number;
  status_code: number;
  status_message: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
  cost_usd: number | null;
  service_name: string | null;
  score?: number | null;
}

const RUN_COLUMNS = `${RUN_KEY} AS id, trace_id, span_id, name, toString(toUnixTimestamp64Nano(start)) AS start_ns,
  toString(toUnixTimestamp64Nano(end)) AS end_ns, toUnixTimestamp64Milli(start) AS start_ms, duration_ns / 1e6 AS duration_ms,
  status_code, status_message, component_id, component_type, model, benchmark_run_id, cost_usd, service_name`;

/** SQLite reports start_ms as ns / 1e6 (fractional ms); so does this. */
function startMs(startNs: string): number {
  const ns = BigInt(startNs);
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}

/** The base row of a run, before its calls' sums (withCalls). */
function baseRunRow(r: RunDbRow): Omit<RunRow, keyof RunCalls> {
  return {
    id: num(r.id),
    traceId: r.trace_id,
    spanId: r.span_id,
    name: r.name,
    startMs: startMs(r.start_ns),
    durationMs: Math.round(r.duration_ms * 1000) / 1000,
    status: statusName(r.status_code),
    statusMessage: r.status_message,
    componentId: r.component_id,
    componentType: r.component_type,
    model: r.model,
    benchmarkRun: r.benchmark_run_id,
    costUsd: r.cost_usd,
    service: r.service_name,
    ...(r.score !== undefined ? { score: r.score } : {}),
  };
}

interface CallDbRow {
  trace_id: string;
  time_ns: string;
  model: string | null;
  cost_usd: number | null;
  status_code: number;
  input_tokens: number | string;
  output_tokens: number | string;
  cached_tokens: number | string;
  cache_write_tokens: number | string;
}

/**
 * The runs with their calls rolled up, as the SQLite store's runs list and run detail answer: the
 * trace's model calls within the root's time give the counts and token sums of every run, and a
 * root with no cost or model of its own (another instrumentation's root) their summed cost and
 * most frequent model; a root of unset status with a failed call is an error.
 */
async function withCalls(ctx: ChContext, rows: RunDbRow[]): Promise<RunRow[]> {
  if (rows.length === 0) return [];
  const p = new Params();
  const calls = await ctx.ch.query<CallDbRow>(
    `SELECT trace_id, toString(toUnixTimestamp64Nano(time)) AS time_ns, response_model AS model, cost_usd, status_code,
        input_tokens, output_tokens, cached_tokens, cache_write_tokens
      FROM ${ctx.db}.genscope_model_calls WHERE trace_id IN ${p.bind([...new Set(rows.map((r) => r.trace_id))], 'Array(String)')}`,
    p.values,
  );
  return rows.map((r) => {
    const lo = BigInt(r.start_ns);
    const hi = BigInt(r.end_ns);
    const mine = calls.filter((c) => c.trace_id === r.trace_id && BigInt(c.time_ns) >= lo && BigInt(c.time_ns) <= hi);
    const priced = mine.filter((c) => c.cost_usd !== null);
    const counts = new Map<string, number>();
    for (const c of mine) if (c.model !== null) counts.set(c.model, (counts.get(c.model) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]?.[0] ?? null;
    const total = (f: (c: CallDbRow) => number | string): number => mine.reduce((a, c) => a + num(f(c)), 0);
    const base = baseRunRow(r);
    return runRowWithCalls(
      {
        ...base,
        costUsd: base.costUsd ?? (priced.length > 0 ? priced.reduce((a, c) => a + (c.cost_usd ?? 0), 0) : null),
        model: base.model ?? top,
      },
      {
        modelCalls: mine.length,
        failedCalls: mine.filter((c) => c.status_code === 2).length,
        inputTokens: total((c) => c.input_tokens),
        outputTokens: total((c) => c.output_tokens),
        cacheReadTokens: total((c) => c.cached_tokens),
        cacheWriteTokens: total((c) => c.cache_write_tokens),
      },
    );
  });
}

/** Conditions of every runs filter but the cursor (the same meaning as the SQLite store's runs-list.ts). */
function runConditions(p: Params, q: RunsQuery, w: Window, db: string): { conds: string[]; ignored: string[] } {
  const { conds, ignored } = filterSql(
    p,
    { componentType: q.componentType, model: q.model, stage: [], benchmarkRun: q.benchmarkRun },
    { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_id' },
  );
  conds.unshift("role = 'run'", inWindow(p, 'start', w));
  if (q.status !== 'all') {
    // A root of unset status with a failed call of its trace is an error (withCalls); calls
    // start within their run, so the window widened by SCORE_SLACK_NS holds them.
    const calls = { fromNs: w.fromNs, toNs: w.toNs + SCORE_SLACK_NS };
    const failed = `(status_code = 0 AND trace_id IN (SELECT trace_id FROM ${db}.genscope_model_calls
      WHERE status_code = 2 AND ${inWindow(p, 'time', calls)}))`;
    conds.push(q.status === 'error' ? `(status_code = 2 OR ${failed})` : `(status_code <> 2 AND NOT ${failed})`);
  }
  if (q.service.length > 0) conds.push(`service_name IN ${p.bind(q.service, 'Array(String)')}`);
  if (q.search !== undefined) conds.push(`positionCaseInsensitive(ifNull(component_id, ''), ${p.bind(q.search, 'String')}) > 0`);
  if (q.minDurationMs !== undefined) conds.push(`duration_ns >= ${p.bind(Math.round(q.minDurationMs * 1e6), 'UInt64')}`);
  if (q.maxDurationMs !== undefined) conds.push(`duration_ns < ${p.bind(Math.round(q.maxDurationMs * 1e6), 'UInt64')}`);
  const scoreWindow = { fromNs: w.fromNs, toNs: w.toNs + SCORE_SLACK_NS };
  if (q.predicted.length > 0) {
    conds.push(`trace_id IN (SELECT trace_id FROM ${db}.genscope_scores WHERE name = ${p.bind(SCORE.classificationAccuracy, 'String')}
      AND ${inWindow(p, 'time', scoreWindow)} AND label IN ${p.bind(q.predicted, 'Array(String)')})`);
  }
  if (q.score !== undefined && (q.scoreMin !== undefined || q.scoreMax !== undefined)) {
    const bounds: string[] = [];
    if (q.scoreMin !== undefined) bounds.push(`value >= ${p.bind(q.scoreMin, 'Float64')}`);
    if (q.scoreMax !== undefined) bounds.push(`value ${q.scoreMax >= 1 ? '<=' : '<'} ${p.bind(q.scoreMax, 'Float64')}`);
    conds.push(`trace_id IN (SELECT trace_id FROM ${db}.genscope_scores WHERE name = ${p.bind(q.score, 'String')}
      AND ${inWindow(p, 'time', scoreWindow)} AND ${and(bounds)})`);
  }
  return { conds, ignored };
}

export async function runsList(ctx: ChContext, q: RunsQuery): Promise<RunsResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const { conds, ignored } = runConditions(p, q, w, ctx.db);
  const where = (): string => and(conds);
  if (q.sort === 'worst') {
    const scoreWindow = { fromNs: w.fromNs, toNs: w.toNs + SCORE_SLACK_NS };
    const rows = await ctx.ch.query<RunDbRow>(
      `SELECT ${RUN_COLUMNS}, sc.v AS score FROM ${ctx.db}.genscope_spans AS r
        INNER JOIN (SELECT trace_id, min(value) AS v FROM ${ctx.db}.genscope_scores
          WHERE name = ${p.bind(q.score ?? DEFAULT_WORST_SCORE, 'String')} AND ${inWindow(p, 'time', scoreWindow)} AND value IS NOT NULL GROUP BY trace_id) AS sc
        ON sc.trace_id = r.trace_id
        WHERE ${where()} ORDER BY score ASC, start DESC, id DESC LIMIT ${p.bind(q.limit, 'UInt32')}`,
      p.values,
    );
    return { meta: meta(w, null, 'raw', ignored), runs: await withCalls(ctx, rows), nextCursor: null };
  }
  if (q.sort !== 'newest') {
    // The costliest: a root's own cost, else its trace's calls' (withCalls sums those within the
    // root's time; a trace has one root, so the trace's sum orders alike).
    const calls =
      q.sort === 'slowest'
        ? ''
        : `LEFT JOIN (SELECT trace_id AS call_trace, sum(cost_usd) AS calls_cost FROM ${ctx.db}.genscope_model_calls
            WHERE ${inWindow(p, 'time', { fromNs: w.fromNs, toNs: w.toNs + SCORE_SLACK_NS })} GROUP BY call_trace) AS mc
          ON mc.call_trace = trace_id`;
    const order = q.sort === 'slowest' ? 'duration_ns DESC' : 'ifNull(cost_usd, ifNull(calls_cost, 0)) DESC';
    const rows = await ctx.ch.query<RunDbRow>(
      `SELECT ${RUN_COLUMNS} FROM ${ctx.db}.genscope_spans ${calls} WHERE ${where()}
        ORDER BY ${order}, start DESC, id DESC LIMIT ${p.bind(q.limit, 'UInt32')}`,
      p.values,
    );
    return { meta: meta(w, null, 'raw', ignored), runs: await withCalls(ctx, rows), nextCursor: null };
  }
  if (q.cursor !== undefined) {
    const c = parseCursor(q.cursor, 'cursor');
    conds.push(`(start, ${RUN_KEY}) < (${p.ns(c.ns)}, ${p.bind(c.key, 'UInt64')})`);
  }
  const rows = await ctx.ch.query<RunDbRow>(
    `SELECT ${RUN_COLUMNS} FROM ${ctx.db}.genscope_spans WHERE ${where()} ORDER BY start DESC, id DESC LIMIT ${p.bind(q.limit + 1, 'UInt32')}`,
    p.values,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    meta: meta(w, null, 'raw', ignored),
    runs: await withCalls(ctx, page),
    nextCursor: rows.length > q.limit && last ? `${last.start_ns}_${num(last.id)}` : null,
  };
}

/** Spans may start slightly before their root (clock skew between processes). */
const SKEW_NS = 1_000_000_000n;

interface SpanDbRow {
  id: number | string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  role: string;
  kind: number;
  start_ns: string;
  duration_ms: number;
  status_code: number;
  status_message: string | null;
  stage: string | null;
  component_type: string | null;
  model: string | null;
  cost_usd: number | null;
  cache_hit: number | null;
  attributes: string;
  events: string | null;
}

function parseEvents(json: string | null): SpanEvent[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as { name?: unknown; timeNs?: unknown; attributes?: unknown }[];
    return v.map((e) => ({
      name: typeof e.name === 'string' ? e.name : '',
      timeMs: typeof e.timeNs === 'string' && /^\d+$/.test(e.timeNs) ? startMs(e.timeNs) : 0,
      attributes:
        e.attributes && typeof e.attributes === 'object' && !Array.isArray(e.attributes)
          ? (e.attributes as Record<string, unknown>)
          : {},
    }));
  } catch {
    return [];
  }
}

/** A run's root span and the time range its spans start in (404 when there is no such run). */
export async function runScope(
  ctx: Pick<ChContext, 'ch' | 'db'>,
  id: string,
): Promise<{ root: RunDbRow; traceId: string; lo: bigint; hi: bigint }> {
  const p = new Params();
  const [root] = await ctx.ch.query<RunDbRow>(
    `SELECT ${RUN_COLUMNS} FROM ${ctx.db}.genscope_spans WHERE role = 'run' AND ${RUN_KEY} = ${p.bind(id, 'UInt64')}
      ORDER BY start DESC LIMIT 1`,
    p.values,
  );
  if (!root) throw new QueryError(404, 'not_found', `no run with id ${id}`);
  return { root, traceId: root.trace_id, lo: BigInt(root.start_ns) - SKEW_NS, hi: BigInt(root.end_ns) };
}

export async function runDetail(ctx: ChContext, id: string, logs: LogsTable | null = null): Promise<RunDetailResponse> {
  const { root, lo, hi } = await runScope(ctx, id);
  const startNs = BigInt(root.start_ns);
  const sp = new Params();
  const range = (col: string, to: bigint) =>
    `${col} >= ${sp.ns(lo)} AND ${col} <= ${sp.ns(to)} AND trace_id = ${sp.bind(root.trace_id, 'String')}`;
  const rows = await ctx.ch.query<SpanDbRow>(
    `SELECT ${RUN_KEY} AS id, span_id, parent_span_id, name, role, kind, toString(toUnixTimestamp64Nano(start)) AS start_ns,
        duration_ns / 1e6 AS duration_ms, status_code, status_message, stage, component_type, model, cost_usd, cache_hit, attributes, events
      FROM ${ctx.db}.genscope_spans WHERE ${range('start', hi)} ORDER BY start, span_id`,
    sp.values,
  );
  const children = new Map<string, SpanDbRow[]>();
  const ids = new Set(rows.map((r) => r.span_id));
  for (const r of rows) {
    if (r.span_id === root.span_id) continue;
    const parent = r.parent_span_id && ids.has(r.parent_span_id) ? r.parent_span_id : root.span_id;
    const list = children.get(parent) ?? [];
    list.push(r);
    children.set(parent, list);
  }
  const spans: SpanNode[] = [];
  const seen = new Set<string>();
  const visit = (r: SpanDbRow, depth: number) => {
    if (seen.has(r.span_id)) return;
    seen.add(r.span_id);
    const s = startMs(r.start_ns);
    spans.push({
      id: num(r.id),
      spanId: r.span_id,
      parentSpanId: r.parent_span_id,
      depth,
      name: r.name,
      role: r.role,
      kind: r.kind,
      startMs: s,
      offsetMs: Math.round((Number(BigInt(r.start_ns) - startNs) / 1e6) * 1000) / 1000,
      durationMs: Math.round(r.duration_ms * 1000) / 1000,
      status: statusName(r.status_code),
      statusMessage: r.status_message,
      stage: r.stage,
      componentType: r.component_type,
      model: r.model,
      costUsd: r.cost_usd,
      cacheHit: r.cache_hit === null ? null : r.cache_hit === 1,
      attributes: parseJsonObject(r.attributes),
      events: parseEvents(r.events),
    });
    for (const c of children.get(r.span_id) ?? []) visit(c, depth + 1);
  };
  const rootRow = rows.find((r) => r.span_id === root.span_id);
  if (rootRow) visit(rootRow, 0);
  for (const r of rows) if (!seen.has(r.span_id)) visit(r, 1);

  const scores = (
    await ctx.ch.query<{
      span_id: string;
      time_ns: string;
      name: string;
      value: number | null;
      label: string | null;
      explanation: string | null;
      stage: string | null;
    }>(
      `SELECT span_id, toString(toUnixTimestamp64Nano(time)) AS time_ns, name, value, label, explanation, stage
        FROM ${ctx.db}.genscope_scores WHERE ${range('time', hi + EVALUATION_LOOKBACK_NS)} ORDER BY time, span_id, name`,
      sp.values,
    )
  ).map((r): ScoreRow => ({
    spanId: r.span_id,
    timeMs: startMs(r.time_ns),
    name: r.name,
    value: r.value,
    label: r.label,
    explanation: r.explanation,
    stage: r.stage,
  }));
  const modelCalls = (
    await ctx.ch.query<{
      span_id: string;
      time_ns: string;
      duration_ms: number;
      provider: string | null;
      operation: string | null;
      request_model: string | null;
      response_model: string | null;
      input_tokens: number | string;
      output_tokens: number | string;
      cached_tokens: number | string;
      cost_usd: number | null;
      stage: string | null;
    }>(
      `SELECT span_id, toString(toUnixTimestamp64Nano(time)) AS time_ns, duration_ns / 1e6 AS duration_ms, provider, operation, request_model,
          response_model, input_tokens, output_tokens, cached_tokens, cost_usd, stage
        FROM ${ctx.db}.genscope_model_calls WHERE ${range('time', hi)} ORDER BY time, span_id`,
      sp.values,
    )
  ).map((r) => ({
    spanId: r.span_id,
    timeMs: startMs(r.time_ns),
    durationMs: Math.round(r.duration_ms * 1000) / 1000,
    provider: r.provider,
    operation: r.operation,
    requestModel: r.request_model,
    responseModel: r.response_model,
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    cachedTokens: num(r.cached_tokens),
    costUsd: r.cost_usd,
    stage: r.stage,
  }));
  // Log records of the trace from otel_logs (none when the Collector writes no logs), in the
  // window scores are looked for in: the run and the hour after it.
  const logRecords = logs ? await traceLogs(ctx.ch, logs, root.trace_id, lo, hi + EVALUATION_LOOKBACK_NS) : [];
  const [run] = await withCalls(ctx, [root]);
  if (!run) throw new QueryError(404, 'not_found', `no run with id ${id}`);
  return { run, spans, scores, modelCalls, logs: logRecords };
}

export async function benchmarksList(ctx: ChContext, q: BenchmarksQuery): Promise<BenchmarksResponse> {
  const w = resolveWindow(q, ctx, '90d');
  const p = new Params();
  const conds = [inWindow(p, 'started', w)];
  if (q.model.length > 0) conds.push(`model IN ${p.bind(q.model, 'Array(String)')}`);
  if (q.cursor !== undefined) {
    const c = parseCursor(q.cursor, 'cursor');
    conds.push(`(started, id) < (${p.ns(c.ns)}, ${p.bind(c.key, 'String')})`);
  }
  const rows = await ctx.ch.query<{
    id: string;
    trace_id: string | null;
    pipeline: string | null;
    pipeline_version: string | null;
    model: string | null;
    started_ns: string;
    duration_ms: number;
    components: number | null;
    status_code: number;
    simulated: number;
  }>(
    `SELECT id, trace_id, pipeline, pipeline_version, model, toString(toUnixTimestamp64Nano(started)) AS started_ns,
        duration_ns / 1e6 AS duration_ms, components, status_code, simulated
      FROM ${ctx.db}.genscope_benchmark_runs FINAL WHERE ${and(conds)} ORDER BY started DESC, id DESC LIMIT ${p.bind(q.limit + 1, 'UInt32')}`,
    p.values,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    meta: meta(w, null, 'raw', []),
    benchmarks: page.map((r): BenchmarkRow => ({
      id: r.id,
      traceId: r.trace_id,
      pipeline: r.pipeline,
      pipelineVersion: r.pipeline_version,
      model: r.model,
      startedMs: Number(BigInt(r.started_ns) / 1_000_000n),
      durationMs: Math.round(r.duration_ms * 1000) / 1000,
      components: r.components,
      status: statusName(r.status_code),
      simulated: r.simulated === 1,
    })),
    nextCursor: rows.length > q.limit && last ? `${last.started_ns}_${last.id}` : null,
  };
}

const MAX_BENCHMARKS = 200;

export async function filterOptions(ctx: ChContext, q: FilterOptionsQuery): Promise<FilterOptionsResponse> {
  const w = resolveWindow(q, ctx, '90d');
  const p = new Params();
  const distinct = (col: string, table: string, time: string, where = '1') =>
    `SELECT arraySort(groupUniqArrayIf(assumeNotNull(${col}), ${col} IS NOT NULL AND ${col} <> '')) FROM ${ctx.db}.${table} WHERE ${and([inWindow(p, time, w), where])}`;
  const [r] = await ctx.ch.query<Record<string, string[]>>(
    `SELECT (${distinct('component_type', 'genscope_spans', 'start', "role IN ('run', 'stage')")}) AS span_types,
        (${distinct('model', 'genscope_spans', 'start', "role IN ('run', 'stage')")}) AS span_models,
        (${distinct('stage', 'genscope_spans', 'start', "role IN ('run', 'stage')")}) AS stages,
        (${distinct('component_type', 'genscope_model_calls', 'time')}) AS call_types,
        (${distinct('operation', 'genscope_model_calls', 'time')}) AS operations,
        (${distinct('provider', 'genscope_model_calls', 'time')}) AS providers,
        (${distinct('name', 'genscope_scores', 'time')}) AS scores,
        (${distinct('service_name', 'genscope_spans', 'start', "role = 'run'")}) AS services`,
    p.values,
  );
  const bp = new Params();
  const benchmarks = await ctx.ch.query<{
    id: string;
    started_ms: number | string;
    model: string | null;
    simulated: number;
  }>(
    `SELECT id, toUnixTimestamp64Milli(started) AS started_ms, model, simulated FROM ${ctx.db}.genscope_benchmark_runs FINAL
      WHERE ${inWindow(bp, 'started', w)} ORDER BY started DESC LIMIT ${MAX_BENCHMARKS}`,
    bp.values,
  );
  const union = (a: string[] = [], b: string[] = []) => [...new Set([...a, ...b])].sort();
  return {
    meta: meta(w, null, 'raw', []),
    componentTypes: union(r?.span_types, r?.call_types),
    // Models that ran runs or stages, as the SQLite store offers them (an embedding-only model gives no runs).
    models: union(r?.span_models),
    stages: r?.stages ?? [],
    scores: r?.scores ?? [],
    operations: r?.operations ?? [],
    providers: r?.providers ?? [],
    // Services that recorded runs in the window (SQLite lists its few resources whole; the same set in practice).
    services: r?.services ?? [],
    benchmarkRuns: benchmarks.map((b) => ({
      id: b.id,
      startedMs: num(b.started_ms),
      model: b.model,
      simulated: b.simulated === 1,
    })),
  };
}

export async function simulatedPresent(ctx: Pick<ChContext, 'ch' | 'db'>): Promise<boolean> {
  const rows = await ctx.ch.query<{ s: number }>(
    `SELECT (SELECT count() FROM (SELECT 1 FROM ${ctx.db}.genscope_spans WHERE simulated = 1 LIMIT 1)) > 0 AS s`,
  );
  return rows[0]?.s === 1;
}

interface DatasetDef {
  table: string;
  time: string;
  /** A unique sort key after the time, for keyset paging. */
  key: string;
  base: string;
  select: string;
  filters: { componentType?: string; model?: string; stage?: string; benchmarkRun?: string; service?: string };
  /** Rows derived from a span (no service column): the service filter selects the service's spans' rows. */
  serviceOfSpan?: true;
}

const ID_OF_ROW = 'toUInt64(sipHash64(span_id, toString(time), name) % 1000000000000000)';

const DATASETS: Record<ExportDataset, DatasetDef> = {
  spans: {
    table: 'genscope_spans',
    time: 'start',
    key: 'span_id',
    base: '1',
    select: `${RUN_KEY} AS id, trace_id, span_id, parent_span_id, name, role, kind, toUnixTimestamp64Nano(start) / 1e6 AS start_ms,
      toUnixTimestamp64Nano(end) / 1e6 AS end_ms, duration_ns / 1e6 AS duration_ms, status_code, status_message, stage, component_id,
      component_type, model, benchmark_run_id, cost_usd, cache_hit, attributes, events`,
    filters: {
      componentType: 'component_type',
      model: 'model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_id',
      service: 'service_name',
    },
  },
  runs: {
    table: 'genscope_spans',
    time: 'start',
    key: 'span_id',
    base: "role = 'run'",
    select: `${RUN_KEY} AS id, trace_id, span_id, toUnixTimestamp64Nano(start) / 1e6 AS start_ms, duration_ns / 1e6 AS duration_ms,
      status_code, status_message, component_id, component_type, model, benchmark_run_id, cost_usd`,
    filters: { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_id', service: 'service_name' },
  },
  scores: {
    table: 'genscope_scores',
    serviceOfSpan: true,
    time: 'time',
    key: 'concat(span_id, name)',
    base: '1',
    select: `${ID_OF_ROW} AS id, toUnixTimestamp64Nano(time) / 1e6 AS time_ms, trace_id, span_id, name, value, label, explanation, stage,
      component_id, component_type, model, benchmark_run_id`,
    filters: {
      componentType: 'component_type',
      model: 'model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_id',
    },
  },
  'model-calls': {
    table: 'genscope_model_calls',
    serviceOfSpan: true,
    time: 'time',
    key: 'span_id',
    base: '1',
    select: `${ID_OF_ROW.replace(', name', ", ''")} AS id, toUnixTimestamp64Nano(time) / 1e6 AS time_ms, duration_ns / 1e6 AS duration_ms,
      trace_id, span_id, provider, operation, request_model, response_model, input_tokens, output_tokens, cached_tokens, cost_usd,
      cost_source, status_code, stage, component_id, component_type, benchmark_run_id`,
    filters: {
      componentType: 'component_type',
      model: 'response_model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_id',
    },
  },
};

/** A dataset's columns and the query's filters it has no column for (the API refuses those). */
export function exportShape(d: ExportDataset, q: ExportQuery): ExportShape {
  return {
    columns: EXPORT_COLUMNS[d],
    jsonColumns: EXPORT_JSON_COLUMNS[d],
    ignoredFilters: datasetFilters(new Params(), '', DATASETS[d], q, null).ignored,
  };
}

/** The query's filters on a dataset's rows (the service through the row's span where it has no column). */
function datasetFilters(p: Params, db: string, def: DatasetDef, q: ExportQuery, w: Window | null): { conds: string[]; ignored: string[] } {
  if (!def.serviceOfSpan) return filterSql(p, q, def.filters);
  const r = filterSql(p, { ...q, service: [] }, def.filters);
  if (w) r.conds.push(...serviceOfSpan(p, db, w, q));
  return r;
}

/** Rows of an export dataset, oldest first, in keyset-paged chunks (values in EXPORT_COLUMNS order). */
export async function* exportChunks(
  ctx: ChContext,
  d: ExportDataset,
  w: Window,
  q: ExportQuery,
  chunkRows = 5000,
): AsyncGenerator<ExportRow[]> {
  const def = DATASETS[d];
  const columns = EXPORT_COLUMNS[d];
  let cursor: { ns: string; key: string } | null = null;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const n = Math.min(chunkRows, left);
    const p = new Params();
    const { conds } = datasetFilters(p, ctx.db, def, q, w);
    conds.unshift(def.base, inWindow(p, def.time, w));
    if (cursor)
      conds.push(`(${def.time}, ${def.key}) > (${p.ns(BigInt(cursor.ns))}, ${p.bind(cursor.key, 'String')})`);
    const rows = await ctx.ch.query<Record<string, unknown>>(
      `SELECT ${def.select}, toString(toUnixTimestamp64Nano(${def.time})) AS _t, ${def.key} AS _k
        FROM ${ctx.db}.${def.table} WHERE ${and(conds)} ORDER BY ${def.time}, _k LIMIT ${p.bind(n, 'UInt32')}`,
      p.values,
    );
    if (rows.length === 0) return;
    const last = rows[rows.length - 1];
    cursor = { ns: String(last?._t), key: String(last?._k) };
    left -= rows.length;
    yield rows.map((r) => columns.map((c) => exportValue(r[c])));
    if (rows.length < n) return;
  }
}

function exportValue(v: unknown): ExportRow[number] {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  // As SQLite stores them: 1 / 0.
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}
