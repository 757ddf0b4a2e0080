/**
 * Panel "latency heatmap": for each time bucket, how many spans fell in each latency bucket
 * (the rollup sketches re-bucketed into display buckets, 4 per doubling: store/histogram),
 * trimmed to the buckets in use.
 * End-to-end unless stages are given.
 */
import { END_TO_END_STAGE } from '../../../schema/api';
import type { HeatmapResponse, PanelQuery } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { addHistogram, bucketEdgesMs, emptyHistogram } from './histograms';
import { toDisplayBuckets } from '../../histogram';
import { loadLatency } from './latency-data';

export function latencyHeatmap(ctx: QueryContext, q: PanelQuery): HeatmapResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const stages = q.stage.length > 0 ? q.stage : [END_TO_END_STAGE];
  // Counts per latency bucket need no raw durations: histograms are exact for a heatmap.
  const data = loadLatency(ctx, w, bw, { ...q, stage: stages }, { allowExact: false });
  const merged = data.buckets.map((m) => {
    const h = emptyHistogram();
    for (const s of m.values()) addHistogram(h, s.hist);
    return toDisplayBuckets(h);
  });
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (const s of data.overall.values()) {
    const r = toDisplayBuckets(s.hist).range();
    if (!r) continue;
    if (r[0] < lo) lo = r[0];
    if (r[1] > hi) hi = r[1];
  }
  let maxCount = 0;
  const counts =
    hi < 0
      ? bw.t.map(() => [])
      : merged.map((h) => {
          const row: number[] = [];
          for (let i = lo; i <= hi; i++) {
            const c = h.get(i);
            if (c > maxCount) maxCount = c;
            row.push(c);
          }
          return row;
        });
  return {
    meta: meta(w, bw.bucketSeconds, data.source, data.ignored),
    stages,
    t: bw.t,
    edgesMs: hi < 0 ? [] : bucketEdgesMs(lo, hi).map((x) => Math.round(x * 1000) / 1000),
    counts,
    maxCount,
  };
}
