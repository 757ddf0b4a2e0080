/**
 * Two-sample tests between a baseline window and a recent window: Welch's t-test (unequal
 * variances), the Mann-Whitney U test (normal approximation with tie and continuity corrections),
 * a two-proportion z-test, and `compareSamples`, which adds a minimum-sample-size guard and a
 * significance verdict. Direction convention everywhere: 'greater' means recent > baseline.
 */
import { mean, median, variance } from './descriptive';
import { normalCdf, studentTCdf } from './distributions';

/** 'greater': the recent sample is larger than the baseline; 'less': smaller. */
export type Alternative = 'two-sided' | 'greater' | 'less';

export interface WelchResult {
  t: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  pValue: number;
  nBaseline: number;
  nRecent: number;
  meanBaseline: number;
  meanRecent: number;
  /** meanRecent - meanBaseline. */
  difference: number;
}

function pFromT(t: number, df: number, alternative: Alternative): number {
  if (alternative === 'greater') return 1 - studentTCdf(t, df);
  if (alternative === 'less') return studentTCdf(t, df);
  return Math.min(1, 2 * (1 - studentTCdf(Math.abs(t), df)));
}

/**
 * Welch's unequal-variance t-test of recent against baseline. Needs two values on each side
 * (otherwise t, df and pValue are NaN). Two constant samples give p = 1 when equal and p = 0
 * (t = ±Infinity) when not.
 */
export function welchTTest(baseline: readonly number[], recent: readonly number[], alternative: Alternative = 'two-sided'): WelchResult {
  const n1 = baseline.length;
  const n2 = recent.length;
  const m1 = mean(baseline);
  const m2 = mean(recent);
  const base = { nBaseline: n1, nRecent: n2, meanBaseline: m1, meanRecent: m2, difference: m2 - m1 };
  if (n1 < 2 || n2 < 2) return { ...base, t: Number.NaN, df: Number.NaN, pValue: Number.NaN };
  const a = variance(baseline) / n1;
  const b = variance(recent) / n2;
  const se2 = a + b;
  if (se2 === 0) {
    const diff = m2 - m1;
    const t = diff === 0 ? 0 : diff > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const df = n1 + n2 - 2;
    return { ...base, t, df, pValue: diff === 0 ? 1 : pFromT(t, df, alternative) };
  }
  const t = (m2 - m1) / Math.sqrt(se2);
  const df = (se2 * se2) / ((a * a) / (n1 - 1) + (b * b) / (n2 - 1));
  return { ...base, t, df, pValue: pFromT(t, df, alternative) };
}

export interface MannWhitneyResult {
  /** U of the recent sample: pairs (baseline, recent) with recent larger, ties counting one half. */
  u: number;
  /** Normal-approximation z (tie- and continuity-corrected). */
  z: number;
  pValue: number;
  nBaseline: number;
  nRecent: number;
  medianBaseline: number;
  medianRecent: number;
  /** u / (nBaseline * nRecent): the probability that a recent value beats a baseline value. */
  probabilityRecentGreater: number;
}

/**
 * Mann-Whitney U test of recent against baseline with the normal approximation, a tie
 * correction of the variance and a continuity correction (fine from about 8 values a side).
 * NaN fields when either side is empty; p = 1 when every value is tied.
 */
export function mannWhitneyU(baseline: readonly number[], recent: readonly number[], alternative: Alternative = 'two-sided'): MannWhitneyResult {
  const n1 = baseline.length;
  const n2 = recent.length;
  const medians = { nBaseline: n1, nRecent: n2, medianBaseline: median(baseline), medianRecent: median(recent) };
  if (n1 === 0 || n2 === 0) return { ...medians, u: Number.NaN, z: Number.NaN, pValue: Number.NaN, probabilityRecentGreater: Number.NaN };
  const all: { v: number; recent: boolean }[] = [];
  for (const v of baseline) all.push({ v, recent: false });
  for (const v of recent) all.push({ v, recent: true });
  all.sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumRecent = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    // Ranks i+1..j+1 share their average.
    const avgRank = (i + j + 2) / 2;
    const tied = j - i + 1;
    for (let k = i; k <= j; k++) if ((all[k] as { recent: boolean }).recent) rankSumRecent += avgRank;
    if (tied > 1) tieTerm += tied * tied * tied - tied;
    i = j + 1;
  }
  const u = rankSumRecent - (n2 * (n2 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma2 = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const probabilityRecentGreater = u / (n1 * n2);
  if (!(sigma2 > 0)) return { ...medians, u, z: 0, pValue: 1, probabilityRecentGreater };
  const sigma = Math.sqrt(sigma2);
  let z: number;
  let pValue: number;
  if (alternative === 'greater') {
    z = (u - mu - 0.5) / sigma;
    pValue = 1 - normalCdf(z);
  } else if (alternative === 'less') {
    z = (u - mu + 0.5) / sigma;
    pValue = normalCdf(z);
  } else {
    z = (Math.max(0, Math.abs(u - mu) - 0.5) / sigma) * Math.sign(u - mu);
    pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  }
  return { ...medians, u, z, pValue, probabilityRecentGreater };
}

export interface ProportionTestResult {
  z: number;
  pValue: number;
  proportionBaseline: number;
  proportionRecent: number;
}

/**
 * Pooled two-proportion z-test: `kBaseline` successes out of `nBaseline` against `kRecent` out
 * of `nRecent`. p = 1 when both proportions are 0 or both 1.
 */
export function twoProportionTest(
  kBaseline: number,
  nBaseline: number,
  kRecent: number,
  nRecent: number,
  alternative: Alternative = 'two-sided',
): ProportionTestResult {
  const p1 = kBaseline / nBaseline;
  const p2 = kRecent / nRecent;
  if (!(nBaseline > 0) || !(nRecent > 0)) return { z: Number.NaN, pValue: Number.NaN, proportionBaseline: p1, proportionRecent: p2 };
  const pooled = (kBaseline + kRecent) / (nBaseline + nRecent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nBaseline + 1 / nRecent));
  if (se === 0) return { z: 0, pValue: 1, proportionBaseline: p1, proportionRecent: p2 };
  const z = (p2 - p1) / se;
  const pValue =
    alternative === 'greater' ? 1 - normalCdf(z) : alternative === 'less' ? normalCdf(z) : Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  return { z, pValue, proportionBaseline: p1, proportionRecent: p2 };
}

export type SampleTest = 'welch' | 'mann_whitney';

export interface CompareSamplesOptions {
  /** Default 'welch'. */
  test?: SampleTest;
  /** Significance level; default 0.05. */
  alpha?: number;
  /** Default 'two-sided'. */
  alternative?: Alternative;
  /** Fewest values each side must have before any verdict; default 10 (at least 2 for Welch). */
  minSamples?: number;
  /**
   * With Welch, samples holding only 0 and 1 (successes, hits, correct/incorrect) are compared
   * with the pooled two-proportion z-test instead (default true): Welch's variance estimate is
   * zero for a side that is all 1s, which makes it wildly overconfident there.
   */
  binaryAsProportions?: boolean;
  /**
   * Smallest |recent - baseline| (difference of means for Welch, of medians for Mann-Whitney)
   * that counts, so a tiny but "significant" shift on huge samples is not reported; default 0.
   */
  minEffect?: number;
}

export interface CompareSamplesResult {
  significant: boolean;
  /** Why the result is not significant when no test could decide ('insufficient samples'). */
  reason?: 'insufficient samples' | 'effect below minimum' | 'not significant';
  /** The test that ran: 'proportion' when Welch was asked for on 0/1 samples. */
  test: SampleTest | 'proportion';
  pValue: number | null;
  /** t for Welch, z for Mann-Whitney; null when not computed. */
  statistic: number | null;
  nBaseline: number;
  nRecent: number;
  /** Mean (Welch) or median (Mann-Whitney) of each side. */
  baselineCenter: number;
  recentCenter: number;
  /** recentCenter - baselineCenter. */
  difference: number;
}

/**
 * Compares a baseline sample with a recent one and says whether they differ significantly in
 * the asked direction. Below `minSamples` on either side the answer is
 * `{ significant: false, reason: 'insufficient samples' }` with no p-value: a test on three
 * points is noise, and a detector must not cry wolf on it.
 */
export function compareSamples(baseline: readonly number[], recent: readonly number[], options: CompareSamplesOptions = {}): CompareSamplesResult {
  const test = options.test ?? 'welch';
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const minSamples = Math.max(test === 'welch' ? 2 : 1, options.minSamples ?? 10);
  const finiteBaseline = baseline.filter(Number.isFinite);
  const finiteRecent = recent.filter(Number.isFinite);
  const nBaseline = finiteBaseline.length;
  const nRecent = finiteRecent.length;
  const centers =
    test === 'welch'
      ? { baselineCenter: mean(finiteBaseline), recentCenter: mean(finiteRecent) }
      : { baselineCenter: median(finiteBaseline), recentCenter: median(finiteRecent) };
  const isBinary = (v: number) => v === 0 || v === 1;
  const proportions =
    test === 'welch' && (options.binaryAsProportions ?? true) && finiteBaseline.every(isBinary) && finiteRecent.every(isBinary);
  const common = {
    test: proportions ? ('proportion' as const) : test,
    nBaseline,
    nRecent,
    ...centers,
    difference: centers.recentCenter - centers.baselineCenter,
  };
  if (nBaseline < minSamples || nRecent < minSamples) {
    return { ...common, significant: false, reason: 'insufficient samples', pValue: null, statistic: null };
  }
  let pValue: number;
  let statistic: number;
  if (proportions) {
    const ones = (xs: number[]) => xs.reduce((a, v) => a + v, 0);
    const r = twoProportionTest(ones(finiteBaseline), nBaseline, ones(finiteRecent), nRecent, alternative);
    pValue = r.pValue;
    statistic = r.z;
  } else if (test === 'welch') {
    const r = welchTTest(finiteBaseline, finiteRecent, alternative);
    pValue = r.pValue;
    statistic = r.t;
  } else {
    const r = mannWhitneyU(finiteBaseline, finiteRecent, alternative);
    pValue = r.pValue;
    statistic = r.z;
  }
  if (!(pValue < alpha)) return { ...common, significant: false, reason: 'not significant', pValue, statistic };
  if (Math.abs(common.difference) < (options.minEffect ?? 0)) {
    return { ...common, significant: false, reason: 'effect below minimum', pValue, statistic };
  }
  return { ...common, significant: true, pValue, statistic };
}

/**
 * Holm-Bonferroni step-down: which of m p-values stay significant at family-wise level alpha.
 * Null p-values (no test) are never significant and do not count towards m.
 */
export function holmSignificant(pValues: readonly (number | null)[], alpha: number): boolean[] {
  const indexed = pValues
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null && Number.isFinite(x.p))
    .sort((a, b) => a.p - b.p);
  const m = indexed.length;
  const out = pValues.map(() => false);
  for (let k = 0; k < m; k++) {
    const x = indexed[k] as { p: number; i: number };
    if (x.p > alpha / (m - k)) break;
    out[x.i] = true;
  }
  return out;
}
