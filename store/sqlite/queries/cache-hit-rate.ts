/** Panel "cache hit rate": hits / (hits + misses) per cache over time and over the window. */
import type { CacheResponse, PanelQuery } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { cacheSource } from './sources';
import { all, bucketMsExpr, round } from './sql';

export function cacheHitRate(ctx: QueryContext, q: PanelQuery): CacheResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const src = cacheSource(w, q, { grainS: bw.grainS });
  const rows = all<{ t: number; cache: string; hits: number; misses: number }>(ctx.db, {
    sql: `SELECT ${bucketMsExpr('bucket_ns', bw.bucketSeconds)} AS t, cache_name AS cache, SUM(hits) AS hits, SUM(misses) AS misses
      FROM (${src.from.sql}) GROUP BY t, cache_name`,
    params: src.from.params,
  });
  const caches = [...new Set(rows.map((r) => r.cache))].sort();
  const first = bw.t[0] ?? 0;
  const stepMs = bw.bucketSeconds * 1000;
  const hits: Record<string, number[]> = {};
  const misses: Record<string, number[]> = {};
  for (const c of caches) {
    hits[c] = bw.t.map(() => 0);
    misses[c] = bw.t.map(() => 0);
  }
  for (const r of rows) {
    const i = Math.floor((r.t - first) / stepMs);
    const h = hits[r.cache];
    const m = misses[r.cache];
    if (!h || !m || i < 0 || i >= bw.t.length) continue;
    h[i] = (h[i] ?? 0) + r.hits;
    m[i] = (m[i] ?? 0) + r.misses;
  }
  const hitRate: Record<string, (number | null)[]> = {};
  const overall: CacheResponse['overall'] = { caches, hitRate: [], hits: [], misses: [] };
  for (const c of caches) {
    const h = hits[c] ?? [];
    const m = misses[c] ?? [];
    hitRate[c] = h.map((x, i) => {
      const n = x + (m[i] ?? 0);
      return n > 0 ? round(x / n) : null;
    });
    const th = h.reduce((a, b) => a + b, 0);
    const tm = m.reduce((a, b) => a + b, 0);
    overall.hits.push(th);
    overall.misses.push(tm);
    overall.hitRate.push(th + tm > 0 ? round(th / (th + tm)) : null);
  }
  return { meta: meta(w, bw.bucketSeconds, src.source, src.ignored), caches, t: bw.t, hitRate, hits, misses, overall };
}
