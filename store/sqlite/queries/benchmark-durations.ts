/** Panel "benchmark run durations": one point per benchmark run started in the window. */
import type { BenchmarkDurationsQuery, BenchmarkDurationsResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, inList, joinAnd, round } from './sql';
import type { Fragment } from './sql';

export function benchmarkDurations(ctx: QueryContext, q: BenchmarkDurationsQuery): BenchmarkDurationsResponse {
  const w = resolveWindow(q, ctx, '30d');
  const conds: Fragment[] = [{ sql: 'started_ns >= ? AND started_ns < ?', params: [w.fromNs, w.toNs] }];
  if (q.model.length > 0) conds.push(inList('model', q.model));
  const where = joinAnd(conds);
  // The newest `limit` runs, returned oldest first for the chart.
  const rows = all<{ id: string; t: number; duration_ms: number; components: number | null; model: string | null; status_code: number; simulated: number }>(
    ctx.db,
    {
      sql: `SELECT * FROM (SELECT id, started_ns / 1000000 AS t, duration_ns / 1e6 AS duration_ms, components, model, status_code, simulated
        FROM benchmark_runs WHERE ${where.sql} ORDER BY started_ns DESC LIMIT ?) ORDER BY t`,
      params: [...where.params, q.limit],
    },
  );
  return {
    meta: meta(w, null, 'raw', []),
    id: rows.map((r) => r.id),
    t: rows.map((r) => r.t),
    durationMs: rows.map((r) => round(r.duration_ms, 3) ?? 0),
    components: rows.map((r) => r.components),
    msPerComponent: rows.map((r) => (r.components ? round(r.duration_ms / r.components, 3) : null)),
    model: rows.map((r) => r.model),
    statusCode: rows.map((r) => r.status_code),
    simulated: rows.map((r) => r.simulated === 1),
  };
}
