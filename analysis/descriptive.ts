/**
 * Descriptive statistics on plain arrays: mean, sample variance, median, MAD, exact percentiles
 * (linear interpolation between closest ranks), trailing rolling mean and least-squares trend.
 * Empty input gives NaN (or null where documented) rather than throwing: callers decide what
 * "no data" means for them.
 */

/** Arithmetic mean; NaN for an empty array. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n - 1 denominator); NaN below two values. */
export function variance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (n - 1);
}

/** Sample standard deviation; NaN below two values. */
export function standardDeviation(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

/** The q-quantile (0..1) of an already ascending-sorted array, linearly interpolated. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(q)) return Number.NaN;
  const p = Math.min(1, Math.max(0, q));
  // Position on the 0..n-1 rank scale (Hyndman & Fan type 7, numpy's and R's default).
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * The p-th percentile (p in 0..100) of values, exact, interpolating linearly between the two
 * closest ranks. NaN for an empty array.
 */
export function percentile(values: readonly number[], p: number): number {
  return quantileSorted(Float64Array.from(values).sort(), p / 100);
}

/** Several percentiles (each 0..100) sorting the values once; same order as `ps`. */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => quantileSorted(sorted, p / 100));
}

/** Median (the 50th percentile). */
export function median(values: readonly number[]): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/** Median absolute deviation from the median (unscaled). */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export interface RollingMeanOptions {
  /** Fewest values the window must hold to produce a mean (default: the window size). */
  minPeriods?: number;
}

/**
 * Trailing rolling mean: element i is the mean of values[i - window + 1 .. i]. Positions whose
 * window holds fewer than `minPeriods` values are null. Non-finite values are skipped (they count
 * as missing), so a gap does not poison the following windows.
 */
export function rollingMean(values: readonly number[], window: number, options: RollingMeanOptions = {}): (number | null)[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`rollingMean: window must be a positive integer, got ${window}`);
  const minPeriods = options.minPeriods ?? window;
  const out: (number | null)[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
    if (i >= window) {
      const old = values[i - window] as number;
      if (Number.isFinite(old)) {
        sum -= old;
        count--;
      }
    }
    out.push(count >= minPeriods && count > 0 ? sum / count : null);
  }
  return out;
}

export interface LinearTrend {
  slope: number;
  intercept: number;
  /** Coefficient of determination (0..1); NaN when y is constant. */
  r2: number;
  n: number;
}

/**
 * Ordinary least-squares line y = intercept + slope * x. With one argument the x values are the
 * indexes 0..n-1. NaN fields when fewer than two points or x is constant.
 */
export function linearTrend(xsOrYs: readonly number[], maybeYs?: readonly number[]): LinearTrend {
  const ys = maybeYs ?? xsOrYs;
  const xs = maybeYs ? xsOrYs : xsOrYs.map((_, i) => i);
  if (xs.length !== ys.length) throw new RangeError(`linearTrend: ${xs.length} x values but ${ys.length} y values`);
  const n = ys.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN, n };
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? Number.NaN : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2, n };
}
