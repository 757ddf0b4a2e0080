/**
 * Latency histograms on the read side: merging the rollups' sparse JSON histograms into dense
 * arrays over the fixed buckets of schema/latency-buckets, and percentiles from them or, when
 * the raw durations are at hand, exact ones. Never an average of percentiles.
 */
import { quantileSorted } from '../../../analysis/index';
import { LATENCY_BUCKET_COUNT, histogramQuantileNs, latencyBucketLowerNs, latencyBucketUpperNs } from '../../../schema/latency-buckets';

export type DenseHistogram = Float64Array;

export function emptyHistogram(): DenseHistogram {
  return new Float64Array(LATENCY_BUCKET_COUNT);
}

/** Adds a rollup's sparse JSON histogram ({"bucketIndex": count}) into a dense one. */
export function addJsonHistogram(into: DenseHistogram, json: string): void {
  const parsed = JSON.parse(json) as Record<string, number>;
  for (const k in parsed) {
    const i = Number(k);
    if (i >= 0 && i < LATENCY_BUCKET_COUNT) into[i] = (into[i] ?? 0) + (parsed[k] ?? 0);
  }
}

export function addHistogram(into: DenseHistogram, from: DenseHistogram): void {
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

export function histogramTotal(h: DenseHistogram): number {
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i] ?? 0;
  return n;
}

/** q-quantile of a dense histogram in ms (null when empty). */
export function histogramQuantileMs(h: DenseHistogram, q: number): number | null {
  const ns = histogramQuantileNs(h, q);
  return ns === null ? null : ns / 1e6;
}

/** Exact q-quantile in ms of ascending-sorted durations in ms (null when empty). */
export function exactQuantileMs(sortedMs: Float64Array, q: number): number | null {
  return sortedMs.length === 0 ? null : quantileSorted(sortedMs, q);
}

/** Bucket edges in ms for latency buckets lo..hi (inclusive): hi - lo + 2 numbers. */
export function bucketEdgesMs(lo: number, hi: number): number[] {
  const edges: number[] = [];
  for (let i = lo; i <= hi; i++) edges.push(latencyBucketLowerNs(i) / 1e6);
  edges.push(latencyBucketUpperNs(hi) / 1e6);
  return edges;
}

export interface PercentileTriple {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function histogramPercentiles(h: DenseHistogram): PercentileTriple {
  return { p50: histogramQuantileMs(h, 0.5), p95: histogramQuantileMs(h, 0.95), p99: histogramQuantileMs(h, 0.99) };
}

export function exactPercentiles(values: number[]): PercentileTriple {
  const sorted = Float64Array.from(values).sort();
  return { p50: exactQuantileMs(sorted, 0.5), p95: exactQuantileMs(sorted, 0.95), p99: exactQuantileMs(sorted, 0.99) };
}
