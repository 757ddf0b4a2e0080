/**
 * Panel "score distribution" (mapping confidence by default): counts in 20 equal bins over
 * [0, 1] (the rollup's bins), the mean, and the mean per component type.
 */
import type { DistributionQuery, DistributionResponse } from '../../../schema/api';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource } from './sources';
import { all, round } from './sql';
import { SCORE_BINS, scoreBinsOf } from '../../histogram';

const BINS = SCORE_BINS;

export function scoreDistribution(ctx: QueryContext, q: DistributionQuery): DistributionResponse {
  const w = resolveWindow(q, ctx, '24h');
  // The bins need no dimensions (narrow rollups apply); the per-type means do.
  const src = scoreSource(w, q, [q.score], { dims: false });
  const typed = scoreSource(w, q, [q.score]);
  const counts = new Array<number>(BINS).fill(0);
  let total = 0;
  let sum = 0;
  if (src.source === 'rollup') {
    const rows = all<{ hist: Uint8Array | null }>(ctx.db, { sql: `SELECT hist FROM (${src.from.sql})`, params: src.from.params });
    for (const r of rows) {
      const h = scoreBinsOf(r.hist);
      for (let i = 0; i < BINS; i++) counts[i] = (counts[i] ?? 0) + (h[i] ?? 0);
    }
  } else {
    const rows = all<{ bin: number; n: number }>(ctx.db, {
      sql: `SELECT MIN(${BINS - 1}, MAX(0, CAST(value * ${BINS} AS INTEGER))) AS bin, COUNT(*) AS n FROM (${src.from.sql}) GROUP BY 1`,
      params: src.from.params,
    });
    for (const r of rows) counts[r.bin] = (counts[r.bin] ?? 0) + r.n;
  }
  const byType = all<{ type: string; s: number; n: number }>(ctx.db, {
    sql: `SELECT component_type AS type, SUM(sum) AS s, SUM(count) AS n FROM (${typed.from.sql}) GROUP BY 1 ORDER BY 1`,
    params: typed.from.params,
  });
  for (const r of byType) {
    total += r.n;
    sum += r.s;
  }
  return {
    meta: meta(w, null, src.source, src.ignored),
    score: q.score,
    edges: Array.from({ length: BINS + 1 }, (_, i) => i / BINS),
    counts,
    total,
    mean: total > 0 ? round(sum / total) : null,
    byComponentType: {
      componentTypes: byType.map((r) => r.type),
      mean: byType.map((r) => (r.n > 0 ? round(r.s / r.n) : null)),
      count: byType.map((r) => r.n),
    },
  };
}
