/**
 * Panel "latency over time": p50/p95/p99 per time bucket of the end-to-end run (default) or of
 * the given stages (their durations pooled), plus the whole window. Exact from raw durations
 * when the range is small enough, else from merged histograms; `meta.exact` says which.
 */
import { END_TO_END_STAGE } from '../../../schema/api';
import type { LatencyResponse, PanelQuery } from '../../../schema/api';
import { bucketWindow, resolveWindow } from '../../window';
import { meta } from './context';
import { percentilePrecision } from '../../percentiles';
import type { QueryContext } from './context';
import { addHistogram, emptyHistogram, exactPercentiles, histogramPercentiles } from './histograms';
import type { DenseHistogram, PercentileTriple } from './histograms';
import { loadLatency } from './latency-data';
import { round } from './sql';

export function latencyPercentiles(ctx: QueryContext, q: PanelQuery): LatencyResponse {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const stages = q.stage.length > 0 ? q.stage : [END_TO_END_STAGE];
  const data = loadLatency(ctx, w, bw, { ...q, stage: stages }, { allowExact: true });
  const pooled = (m: Map<string, { hist: DenseHistogram; values: number[] | null; count: number; sumMs: number }>) => {
    // One stage (the end-to-end default): its histogram as it is, not a copy.
    const only = m.size === 1 ? (m.values().next().value ?? null) : null;
    const hist = only ? only.hist : emptyHistogram();
    const values: number[] = only?.values ?? [];
    let count = only?.count ?? 0;
    let sumMs = only?.sumMs ?? 0;
    if (!only) {
      for (const s of m.values()) {
        addHistogram(hist, s.hist);
        if (s.values) for (const v of s.values) values.push(v);
        count += s.count;
        sumMs += s.sumMs;
      }
    }
    const p: PercentileTriple = data.exact ? exactPercentiles(values) : histogramPercentiles(hist);
    return { p, count, sumMs };
  };
  const p50: (number | null)[] = [];
  const p95: (number | null)[] = [];
  const p99: (number | null)[] = [];
  const count: number[] = [];
  for (const b of data.buckets) {
    const { p, count: n } = pooled(b);
    p50.push(round(p.p50, 3));
    p95.push(round(p.p95, 3));
    p99.push(round(p.p99, 3));
    count.push(n);
  }
  const all = pooled(data.overall);
  return {
    meta: { ...meta(w, bw.bucketSeconds, data.source, data.ignored), exact: data.exact, percentiles: percentilePrecision(data.exact) },
    stages,
    t: bw.t,
    p50,
    p95,
    p99,
    count,
    overall: {
      p50: round(all.p.p50, 3),
      p95: round(all.p.p95, 3),
      p99: round(all.p.p99, 3),
      count: all.count,
      meanMs: all.count > 0 ? round(all.sumMs / all.count, 3) : null,
    },
  };
}
