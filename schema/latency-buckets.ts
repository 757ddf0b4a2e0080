/**
 * Fixed log-spaced latency buckets shared by the writer (rollups) and the queries (percentiles).
 * Bucket i holds durations in [BASE * R^i, BASE * R^(i+1)); bucket 0 also holds everything
 * shorter. Four buckets per doubling bound the relative error of a percentile at about 9 %.
 * Fixed buckets make histograms mergeable: a percentile over any range is a sum of buckets.
 */
export const LATENCY_BASE_NS = 100_000; // 0.1 ms
export const LATENCY_BUCKETS_PER_DOUBLING = 4;
export const LATENCY_BUCKET_COUNT = 120; // up to ~100 minutes

const LOG_R = Math.LN2 / LATENCY_BUCKETS_PER_DOUBLING;

export function latencyBucketIndex(durationNs: number): number {
  if (!(durationNs > LATENCY_BASE_NS)) return 0;
  const i = Math.floor(Math.log(durationNs / LATENCY_BASE_NS) / LOG_R);
  return Math.min(i, LATENCY_BUCKET_COUNT - 1);
}

/** Lower bound of bucket i in nanoseconds. */
export function latencyBucketLowerNs(i: number): number {
  return i <= 0 ? 0 : LATENCY_BASE_NS * Math.exp(i * LOG_R);
}

/** Upper bound of bucket i in nanoseconds. */
export function latencyBucketUpperNs(i: number): number {
  return LATENCY_BASE_NS * Math.exp((i + 1) * LOG_R);
}

/** A sparse histogram: bucket index -> count. */
export type SparseHistogram = Record<number, number>;

export function mergeHistogram(into: SparseHistogram, from: SparseHistogram): SparseHistogram {
  for (const k of Object.keys(from)) {
    const i = Number(k);
    into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  }
  return into;
}

/**
 * The q-quantile (0..1) of a sparse histogram in nanoseconds, interpolated geometrically inside
 * the bucket that holds it; null when empty.
 */
export function histogramQuantileNs(hist: SparseHistogram, q: number): number | null {
  const keys = Object.keys(hist)
    .map(Number)
    .sort((a, b) => a - b);
  let total = 0;
  for (const k of keys) total += hist[k] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const k of keys) {
    const c = hist[k] ?? 0;
    if (seen + c >= rank && c > 0) {
      const frac = Math.min(1, Math.max(0, (rank - seen) / c));
      const lo = Math.max(latencyBucketLowerNs(k), k === 0 ? 0 : LATENCY_BASE_NS);
      const hi = latencyBucketUpperNs(k);
      return k === 0 ? hi * frac : lo * Math.pow(hi / lo, frac);
    }
    seen += c;
  }
  return latencyBucketUpperNs(keys[keys.length - 1] ?? 0);
}
