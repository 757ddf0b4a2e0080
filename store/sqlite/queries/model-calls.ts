/**
 * Model calls by model identity, provider and operation (GET /performance/models): exact latency
 * percentiles, error rate, every token kind, time to first token, cost, unpriced calls, and the
 * sender's own cost against the price book's. Aggregates the model_calls rows of the window in one
 * GROUP BY (raw rows: the percentiles are exact, computed by SQLite's percentile(), which
 * better-sqlite3's bundled SQLite is built with), with the span's resource for the service filter.
 */
import type { ModelCallGroup, ModelCallsQuery, ModelCallsResponse } from '../../../schema/api';
import { QueryError } from '../../errors';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, inList, joinAnd, wideScan } from './sql';
import type { Fragment } from './sql';

/** Calls one answer may read; past it the caller is asked for a shorter range. */
const MAX_CALLS = 1_000_000;

export const UNPRICED_HINT =
  'Calls to models the price book does not know are left unpriced (not $0): add their per-million-token prices in a price overrides file (genscope serve --prices prices.json) to cost them.';

/** One (model, provider, operation) group, aggregated in SQL: no per-call row reaches JavaScript. */
interface GroupRow {
  model: string | null;
  provider: string | null;
  operation: string | null;
  calls: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  ttft_p50: number | null;
  ttft_calls: number;
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

export function modelCalls(ctx: QueryContext, q: ModelCallsQuery): ModelCallsResponse {
  const w = resolveWindow(q, ctx, '24h');
  const parts: Fragment[] = [{ sql: 'm.time_ns >= ? AND m.time_ns < ?', params: [w.fromNs, w.toNs] }];
  if (q.model.length > 0) parts.push(inList('m.response_model', q.model));
  if (q.provider.length > 0) parts.push(inList('m.provider', q.provider));
  if (q.operation.length > 0) parts.push(inList('m.operation', q.operation));
  if (q.service.length > 0) {
    const svc = inList('service_name', q.service);
    parts.push({ sql: `s.resource_id IN (SELECT id FROM resources WHERE ${svc.sql})`, params: svc.params });
  }
  const where = joinAnd(parts);
  // Exact percentiles with SQLite's percentile() (the same type-7 interpolation as
  // analysis/percentiles, bit for bit); a call with no tokens (a refused request) costs nothing
  // to price, one with tokens and no cost is unpriced.
  const rows = all<GroupRow>(ctx.db, {
    sql: `SELECT m.response_model AS model, m.provider, m.operation, count(*) AS calls, SUM(m.status_code = 2) AS errors,
        percentile(m.duration_ns / 1e6, 50) AS p50, percentile(m.duration_ns / 1e6, 95) AS p95, percentile(m.duration_ns / 1e6, 99) AS p99,
        percentile(m.ttft_ns / 1e6, 50) AS ttft_p50, count(m.ttft_ns) AS ttft_calls,
        SUM(m.input_tokens) AS input_tokens, SUM(m.output_tokens) AS output_tokens, SUM(m.cached_tokens) AS cached_tokens,
        SUM(m.cache_write_tokens) AS cache_write_tokens, SUM(m.reasoning_tokens) AS reasoning_tokens,
        SUM(m.cost_usd) AS cost_usd, SUM(m.cost_usd IS NULL AND m.input_tokens + m.output_tokens > 0) AS unpriced,
        count(m.sender_cost_usd) AS sender_calls, SUM(m.sender_cost_usd) AS sender_cost_usd,
        SUM(CASE WHEN m.sender_cost_usd IS NOT NULL THEN m.priced_cost_usd END) AS priced_cost_usd,
        SUM(m.sender_cost_usd - m.priced_cost_usd) AS diff_usd,
        json_group_array(DISTINCT m.sent_response_model) AS response_models, MIN(m.time_ns) AS first_ns, MIN(m.id) AS first_id
      FROM model_calls m${wideScan(ctx.db, 'model_calls', 'time_ns', w.fromNs, w.toNs)}${q.service.length > 0 ? ' JOIN spans s ON s.id = m.id' : ''} WHERE ${where.sql}
      GROUP BY m.response_model, m.provider, m.operation`,
    params: where.params,
  });
  if (rows.reduce((n, r) => n + r.calls, 0) > MAX_CALLS) {
    throw new QueryError(400, 'invalid_parameter', `more than ${MAX_CALLS} model calls in the window: ask for a shorter range (from/to)`, 'range');
  }
  // Ties keep the order in which the groups first appear in time.
  rows.sort((a, b) => a.first_ns - b.first_ns || a.first_id - b.first_id);
  const out: ModelCallGroup[] = rows.map((g) => ({
    model: g.model,
    provider: g.provider,
    operation: g.operation,
    calls: g.calls,
    errors: g.errors,
    errorRate: g.errors / g.calls,
    p50Ms: g.p50,
    p95Ms: g.p95,
    p99Ms: g.p99,
    ttftP50Ms: g.ttft_p50,
    ttftCalls: g.ttft_calls,
    inputTokens: g.input_tokens,
    outputTokens: g.output_tokens,
    cacheReadTokens: g.cached_tokens,
    cacheWriteTokens: g.cache_write_tokens,
    reasoningTokens: g.reasoning_tokens,
    costUsd: g.cost_usd,
    unpricedCalls: g.unpriced,
    senderCostCalls: g.sender_calls,
    senderCostUsd: g.sender_cost_usd,
    pricedCostUsd: g.priced_cost_usd,
    senderDiffUsd: g.diff_usd,
    responseModels: (JSON.parse(g.response_models) as (string | null)[]).filter((m): m is string => m !== null).sort(),
  }));
  out.sort((a, b) => b.calls - a.calls || String(a.model).localeCompare(String(b.model)));
  const unpricedCalls = out.reduce((n, g) => n + g.unpricedCalls, 0);
  return { meta: meta(w, null, 'raw', []), groups: out, unpricedCalls, unpricedHint: unpricedCalls > 0 ? UNPRICED_HINT : null };
}
