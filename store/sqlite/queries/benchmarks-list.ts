/** Benchmark runs, newest first, keyset-paginated on (started_ns, id). Cursor "<started_ns>_<id>". */
import type { BenchmarkRow, BenchmarksQuery, BenchmarksResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { parseCursor, statusName } from './runs-list';
import { all, inList, joinAnd } from './sql';
import type { Fragment } from './sql';

export function benchmarksList(ctx: QueryContext, q: BenchmarksQuery): BenchmarksResponse {
  const w = resolveWindow(q, ctx, '90d');
  const parts: Fragment[] = [{ sql: 'started_ns >= ? AND started_ns < ?', params: [w.fromNs, w.toNs] }];
  if (q.model.length > 0) parts.push(inList('model', q.model));
  if (q.cursor !== undefined) {
    const c = parseCursor(q.cursor, 'cursor');
    parts.push({ sql: '(started_ns < ? OR (started_ns = ? AND id < ?))', params: [c.ns, c.ns, c.key] });
  }
  const where = joinAnd(parts);
  const rows = all<{
    id: string; trace_id: string | null; pipeline: string | null; pipeline_version: string | null; model: string | null;
    started_text: string; started_ms: number; duration_ms: number; components: number | null; status_code: number; simulated: number;
  }>(ctx.db, {
    sql: `SELECT id, trace_id, pipeline, pipeline_version, model, CAST(started_ns AS TEXT) AS started_text, started_ns / 1000000 AS started_ms,
        duration_ns / 1e6 AS duration_ms, components, status_code, simulated
      FROM benchmark_runs WHERE ${where.sql} ORDER BY started_ns DESC, id DESC LIMIT ?`,
    params: [...where.params, q.limit + 1],
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    meta: meta(w, null, 'raw', []),
    benchmarks: page.map(
      (r): BenchmarkRow => ({
        id: r.id,
        traceId: r.trace_id,
        pipeline: r.pipeline,
        pipelineVersion: r.pipeline_version,
        model: r.model,
        startedMs: r.started_ms,
        durationMs: Math.round(r.duration_ms * 1000) / 1000,
        components: r.components,
        status: statusName(r.status_code),
        simulated: r.simulated === 1,
      }),
    ),
    nextCursor: rows.length > q.limit && last ? `${last.started_text}_${last.id}` : null,
  };
}
