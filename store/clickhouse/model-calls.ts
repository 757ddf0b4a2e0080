/**
 * GET /performance/models on ClickHouse: model calls by model identity, provider and operation,
 * aggregated in one query over genscope_model_calls in the window (exact percentiles with the
 * SQLite store's type-7 interpolation, every token kind, time to first token, cost, unpriced
 * calls, the sender's cost against the price book's). The SQLite store's response shape and order.
 */
import type { ModelCallGroup, ModelCallsQuery, ModelCallsResponse } from '../../schema/api';
import { meta } from '../sqlite/queries/context';
import { UNPRICED_HINT, byCallsThenIdentity } from '../sqlite/queries/model-calls';
import { resolveWindow } from '../window';
import type { ChContext } from './context';
import { and, inWindow, num, Params, serviceOfSpan } from './sql';

interface Row {
  model: string | null;
  provider: string | null;
  operation: string | null;
  calls: number | string;
  errors: number | string;
  q: number[];
  ttft_p50: number | null;
  ttft_calls: number | string;
  in_tokens: number | string;
  out_tokens: number | string;
  read_tokens: number | string;
  write_tokens: number | string;
  think_tokens: number | string;
  cost: number | null;
  unpriced: number | string;
  sender_calls: number | string;
  sender: number | null;
  priced: number | null;
  diff: number | null;
  response_models: string[];
}

/** sum(x) over the rows where `cond` holds, NULL when it holds for none (SQLite's `add` from null). */
const sumOrNull = (x: string, cond: string) => `if(countIf(${cond}) = 0, NULL, sumIf(${x}, ${cond}))`;

export async function modelCalls(ctx: ChContext, q: ModelCallsQuery): Promise<ModelCallsResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const conds = [inWindow(p, 'time', w)];
  const lists: [string, readonly string[]][] = [
    ['response_model', q.model],
    ['provider', q.provider],
    ['operation', q.operation],
  ];
  for (const [col, values] of lists)
    if (values.length > 0) conds.push(`${col} IN ${p.bind(values, 'Array(String)')}`);
  conds.push(...serviceOfSpan(p, ctx.db, w, q));
  const priced = 'sender_cost_usd IS NOT NULL AND priced_cost_usd IS NOT NULL';
  const rows = await ctx.ch.query<Row>(
    `SELECT response_model AS model, provider, operation, count() AS calls, countIf(status_code = 2) AS errors,
        quantilesExactInclusive(0.5, 0.95, 0.99)(duration_ns / 1e6) AS q,
        if(countIf(ttft_ns IS NOT NULL) = 0, NULL, quantileExactInclusiveIf(0.5)(assumeNotNull(ttft_ns) / 1e6, ttft_ns IS NOT NULL)) AS ttft_p50,
        countIf(ttft_ns IS NOT NULL) AS ttft_calls,
        sum(input_tokens) AS in_tokens, sum(output_tokens) AS out_tokens, sum(cached_tokens) AS read_tokens,
        sum(cache_write_tokens) AS write_tokens, sum(reasoning_tokens) AS think_tokens,
        ${sumOrNull('assumeNotNull(cost_usd)', 'cost_usd IS NOT NULL')} AS cost,
        countIf(cost_usd IS NULL AND input_tokens + output_tokens > 0) AS unpriced,
        countIf(sender_cost_usd IS NOT NULL) AS sender_calls,
        ${sumOrNull('assumeNotNull(sender_cost_usd)', 'sender_cost_usd IS NOT NULL')} AS sender,
        ${sumOrNull('assumeNotNull(priced_cost_usd)', priced)} AS priced,
        ${sumOrNull('assumeNotNull(sender_cost_usd) - assumeNotNull(priced_cost_usd)', priced)} AS diff,
        groupUniqArrayIf(assumeNotNull(sent_response_model), sent_response_model IS NOT NULL) AS response_models
      FROM ${ctx.db}.genscope_model_calls WHERE ${and(conds)}
      GROUP BY model, provider, operation`,
    p.values,
  );
  const groups: ModelCallGroup[] = rows.map((r) => {
    const calls = num(r.calls);
    const errors = num(r.errors);
    return {
      model: r.model,
      provider: r.provider,
      operation: r.operation,
      calls,
      errors,
      errorRate: errors / calls,
      p50Ms: r.q[0] ?? 0,
      p95Ms: r.q[1] ?? 0,
      p99Ms: r.q[2] ?? 0,
      ttftP50Ms: r.ttft_p50,
      ttftCalls: num(r.ttft_calls),
      inputTokens: num(r.in_tokens),
      outputTokens: num(r.out_tokens),
      cacheReadTokens: num(r.read_tokens),
      cacheWriteTokens: num(r.write_tokens),
      reasoningTokens: num(r.think_tokens),
      costUsd: r.cost,
      unpricedCalls: num(r.unpriced),
      senderCostCalls: num(r.sender_calls),
      senderCostUsd: r.sender,
      pricedCostUsd: r.priced,
      senderDiffUsd: r.diff,
      responseModels: [...r.response_models].sort(),
    };
  });
  groups.sort(byCallsThenIdentity);
  const unpricedCalls = groups.reduce((n, g) => n + g.unpricedCalls, 0);
  return { meta: meta(w, null, 'raw', []), groups, unpricedCalls, unpricedHint: unpricedCalls > 0 ? UNPRICED_HINT : null };
}
