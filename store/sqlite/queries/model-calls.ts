/**
 * Model calls by model identity, provider and operation (GET /performance/models): exact latency
 * percentiles, error rate, every token kind, time to first token, cost, unpriced calls, and the
 * sender's own cost against the price book's. Reads model_calls rows in the window (raw: the
 * percentiles are exact), with the span's resource for the service filter.
 */
import type { ModelCallGroup, ModelCallsQuery, ModelCallsResponse } from '../../../schema/api';
import { percentiles } from '../../../analysis/descriptive';
import { QueryError } from '../../errors';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, inList, joinAnd } from './sql';
import type { Fragment } from './sql';

/** Calls one answer may read; past it the caller is asked for a shorter range. */
const MAX_CALLS = 1_000_000;

export const UNPRICED_HINT =
  'Calls to models the price book does not know are left unpriced (not $0): add their per-million-token prices in a price overrides file (genscope serve --prices prices.json) to cost them.';

interface CallRow {
  model: string | null;
  provider: string | null;
  operation: string | null;
  duration_ms: number;
  error: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  ttft_ms: number | null;
  cost_usd: number | null;
  sender_cost_usd: number | null;
  priced_cost_usd: number | null;
  sent_response_model: string | null;
}

interface Acc {
  row: CallRow;
  durations: number[];
  ttfts: number[];
  errors: number;
  tokens: [number, number, number, number, number];
  cost: number | null;
  unpriced: number;
  senderCalls: number;
  sender: number | null;
  priced: number | null;
  diff: number | null;
  responseModels: Set<string>;
}

const add = (a: number | null, b: number): number => (a ?? 0) + b;

/** The answer's order on every engine: most calls first, then model, provider and operation by name. */
export function byCallsThenIdentity(a: ModelCallGroup, b: ModelCallGroup): number {
  return (
    b.calls - a.calls ||
    String(a.model).localeCompare(String(b.model)) ||
    String(a.provider).localeCompare(String(b.provider)) ||
    String(a.operation).localeCompare(String(b.operation))
  );
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
  const rows = all<CallRow>(ctx.db, {
    sql: `SELECT m.response_model AS model, m.provider, m.operation, m.duration_ns / 1e6 AS duration_ms, (m.status_code = 2) AS error,
        m.input_tokens, m.output_tokens, m.cached_tokens, m.cache_write_tokens, m.reasoning_tokens, m.ttft_ns / 1e6 AS ttft_ms,
        m.cost_usd, m.sender_cost_usd, m.priced_cost_usd, m.sent_response_model
      FROM model_calls m LEFT JOIN spans s ON s.id = m.id WHERE ${where.sql} LIMIT ?`,
    params: [...where.params, MAX_CALLS + 1],
  });
  if (rows.length > MAX_CALLS) {
    throw new QueryError(400, 'invalid_parameter', `more than ${MAX_CALLS} model calls in the window: ask for a shorter range (from/to)`, 'range');
  }
  const groups = new Map<string, Acc>();
  for (const r of rows) {
    const key = JSON.stringify([r.model, r.provider, r.operation]);
    let g = groups.get(key);
    if (!g) {
      g = { row: r, durations: [], ttfts: [], errors: 0, tokens: [0, 0, 0, 0, 0], cost: null, unpriced: 0, senderCalls: 0, sender: null, priced: null, diff: null, responseModels: new Set() };
      groups.set(key, g);
    }
    g.durations.push(r.duration_ms);
    if (r.ttft_ms !== null) g.ttfts.push(r.ttft_ms);
    g.errors += r.error;
    g.tokens[0] += r.input_tokens;
    g.tokens[1] += r.output_tokens;
    g.tokens[2] += r.cached_tokens;
    g.tokens[3] += r.cache_write_tokens;
    g.tokens[4] += r.reasoning_tokens;
    // A call with no tokens (a refused request) costs nothing to price; one with tokens and no cost is unpriced.
    if (r.cost_usd !== null) g.cost = add(g.cost, r.cost_usd);
    else if (r.input_tokens + r.output_tokens > 0) g.unpriced++;
    if (r.sender_cost_usd !== null) {
      g.senderCalls++;
      g.sender = add(g.sender, r.sender_cost_usd);
      if (r.priced_cost_usd !== null) {
        g.priced = add(g.priced, r.priced_cost_usd);
        g.diff = add(g.diff, r.sender_cost_usd - r.priced_cost_usd);
      }
    }
    if (r.sent_response_model !== null) g.responseModels.add(r.sent_response_model);
  }
  const out: ModelCallGroup[] = [...groups.values()].map((g) => {
    const [p50, p95, p99] = percentiles(g.durations, [50, 95, 99]) as [number, number, number];
    return {
      model: g.row.model,
      provider: g.row.provider,
      operation: g.row.operation,
      calls: g.durations.length,
      errors: g.errors,
      errorRate: g.errors / g.durations.length,
      p50Ms: p50,
      p95Ms: p95,
      p99Ms: p99,
      ttftP50Ms: g.ttfts.length > 0 ? (percentiles(g.ttfts, [50])[0] ?? null) : null,
      ttftCalls: g.ttfts.length,
      inputTokens: g.tokens[0],
      outputTokens: g.tokens[1],
      cacheReadTokens: g.tokens[2],
      cacheWriteTokens: g.tokens[3],
      reasoningTokens: g.tokens[4],
      costUsd: g.cost,
      unpricedCalls: g.unpriced,
      senderCostCalls: g.senderCalls,
      senderCostUsd: g.sender,
      pricedCostUsd: g.priced,
      senderDiffUsd: g.diff,
      responseModels: [...g.responseModels].sort(),
    };
  });
  out.sort(byCallsThenIdentity);
  const unpricedCalls = out.reduce((n, g) => n + g.unpricedCalls, 0);
  return { meta: meta(w, null, 'raw', []), groups: out, unpricedCalls, unpricedHint: unpricedCalls > 0 ? UNPRICED_HINT : null };
}
