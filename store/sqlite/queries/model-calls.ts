/**
 * Model calls by model identity, provider and operation (GET /performance/models): exact latency
 * percentiles, error rate, every token kind, time to first token, cost, unpriced calls, and the
 * sender's own cost against the price book's. Reads model_calls rows in the window (raw: the
 * percentiles are exact), by slices (model-call-slices.ts), with the span's resource for the service filter.
 */
import type { ModelCallGroup, ModelCallsQuery, ModelCallsResponse } from '../../../schema/api';
import { QueryError } from '../../errors';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { inList, joinAnd } from './sql';
import { quantileOfSorted, slicesFor } from './model-call-slices';
import type { Part, Slice } from './model-call-slices';
import type { Fragment } from './sql';

/**
 * Calls one answer may cover; past it the caller is asked for a shorter range. The kept slices
 * hold 16 bytes a call (duration and time to first token), 80 MB at the bound.
 */
const MAX_CALLS = 5_000_000;

export const UNPRICED_HINT =
  'Calls to models the price book does not know are left unpriced (not $0): add their per-million-token prices in a price overrides file (genscope serve --prices prices.json) to cost them.';

const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);

/** The answer's order on every engine: most calls first, then model, provider and operation by name. */
export function byCallsThenIdentity(a: ModelCallGroup, b: ModelCallGroup): number {
  return (
    b.calls - a.calls ||
    String(a.model).localeCompare(String(b.model)) ||
    String(a.provider).localeCompare(String(b.provider)) ||
    String(a.operation).localeCompare(String(b.operation))
  );
}

/** The groups of several slices (ascending in time) merged: sums added, percentiles over every call. */
function mergeSlices(slices: readonly Slice[]): ModelCallGroup[] {
  const groups = new Map<string, Part[]>();
  for (const s of slices) {
    for (const [k, p] of s) {
      const list = groups.get(k);
      if (list) list.push(p);
      else groups.set(k, [p]);
    }
  }
  const merged = [...groups.values()].map((parts) => {
    const first = parts[0] as Part;
    const g = { ...first, responseModels: new Set<string>() };
    for (const p of parts) {
      if (p !== first) {
        g.calls += p.calls;
        g.errors += p.errors;
        g.inputTokens += p.inputTokens;
        g.outputTokens += p.outputTokens;
        g.cachedTokens += p.cachedTokens;
        g.cacheWriteTokens += p.cacheWriteTokens;
        g.reasoningTokens += p.reasoningTokens;
        g.cost = add(g.cost, p.cost);
        g.unpriced += p.unpriced;
        g.senderCalls += p.senderCalls;
        g.sender = add(g.sender, p.sender);
        g.priced = add(g.priced, p.priced);
        g.diff = add(g.diff, p.diff);
        if (p.firstNs < g.firstNs || (p.firstNs === g.firstNs && p.firstId < g.firstId)) [g.firstNs, g.firstId] = [p.firstNs, p.firstId];
      }
      for (const m of p.responseModels) g.responseModels.add(m);
    }
    const d = parts.map((p) => p.durations);
    const t = parts.map((p) => p.ttfts);
    const group: ModelCallGroup = {
      model: g.model,
      provider: g.provider,
      operation: g.operation,
      calls: g.calls,
      errors: g.errors,
      errorRate: g.errors / g.calls,
      p50Ms: quantileOfSorted(d, 0.5) as number,
      p95Ms: quantileOfSorted(d, 0.95) as number,
      p99Ms: quantileOfSorted(d, 0.99) as number,
      ttftP50Ms: quantileOfSorted(t, 0.5),
      ttftCalls: t.reduce((n, a) => n + a.length, 0),
      inputTokens: g.inputTokens,
      outputTokens: g.outputTokens,
      cacheReadTokens: g.cachedTokens,
      cacheWriteTokens: g.cacheWriteTokens,
      reasoningTokens: g.reasoningTokens,
      costUsd: g.cost,
      unpricedCalls: g.unpriced,
      senderCostCalls: g.senderCalls,
      senderCostUsd: g.sender,
      pricedCostUsd: g.priced,
      senderDiffUsd: g.diff,
      responseModels: [...g.responseModels].sort(),
    };
    return { group, firstNs: g.firstNs, firstId: g.firstId };
  });
  // Ties keep the order in which the groups first appear in time.
  merged.sort((a, b) => a.firstNs - b.firstNs || a.firstId - b.firstId);
  return merged.map((m) => m.group);
}

export function modelCalls(ctx: QueryContext, q: ModelCallsQuery): ModelCallsResponse {
  const w = resolveWindow(q, ctx, '24h');
  const parts: Fragment[] = [];
  if (q.model.length > 0) parts.push(inList('m.response_model', q.model));
  if (q.provider.length > 0) parts.push(inList('m.provider', q.provider));
  if (q.operation.length > 0) parts.push(inList('m.operation', q.operation));
  if (q.service.length > 0) {
    const svc = inList('service_name', q.service);
    parts.push({ sql: `s.resource_id IN (SELECT id FROM resources WHERE ${svc.sql})`, params: svc.params });
  }
  // Exact percentiles over every call: whole UTC days come from a cache kept while no write
  // touches them (model-call-slices.ts), the window's ragged edges are read each time.
  const slices = slicesFor(ctx.db, w.fromNs, w.toNs, { where: joinAnd(parts), joinSpans: q.service.length > 0 });
  const out = mergeSlices(slices);
  if (out.reduce((n, g) => n + g.calls, 0) > MAX_CALLS) {
    throw new QueryError(400, 'invalid_parameter', `more than ${MAX_CALLS} model calls in the window: ask for a shorter range (from/to)`, 'range');
  }
  out.sort(byCallsThenIdentity);
  const unpricedCalls = out.reduce((n, g) => n + g.unpricedCalls, 0);
  return { meta: meta(w, null, 'raw', []), groups: out, unpricedCalls, unpricedHint: unpricedCalls > 0 ? UNPRICED_HINT : null };
}
