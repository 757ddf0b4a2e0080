/**
 * Latency histograms on the read side: rollup sketches (store/histogram's codec) merged per
 * chart slot, and percentiles from them (within SKETCH_RELATIVE_ERROR of exact) or, when the
 * raw durations are at hand, exact ones. Never an average of percentiles.
 */
import { quantileSorted } from '../../../analysis/index';
import { BucketCounts, displayEdgesMs, sketchQuantileNs } from '../../histogram';

export type DenseHistogram = BucketCounts;

export function emptyHistogram(): DenseHistogram {
  return new BucketCounts();
}

/** Adds a rollup's stored sketch into a merged one. */
export function addStoredHistogram(into: DenseHistogram, blob: Uint8Array | null): void {
  into.addEncoded(blob);
}

export function addHistogram(into: DenseHistogram, from: DenseHistogram): void {
  into.merge(from);
}

export function histogramTotal(h: DenseHistogram): number {
  return h.total;
}

/** q-quantile of a sketch in ms (null when empty). */
export function histogramQuantileMs(h: DenseHistogram, q: number): number | null {
  const ns = sketchQuantileNs(h, q);
  return ns === null ? null : ns / 1e6;
}

/** Exact q-quantile in ms of ascending-sorted durations in ms (null when empty). */
export function exactQuantileMs(sortedMs: Float64Array, q: number): number | null {
  return sortedMs.length === 0 ? null : quantileSorted(sortedMs, q);
}

/** Edges in ms of the heatmap's display buckets lo..hi (inclusive): hi - lo + 2 numbers. */
export function bucketEdgesMs(lo: number, hi: number): number[] {
  return displayEdgesMs(lo, hi);
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
