/**
 * Spike detection of one value against a baseline series: a spike needs both a large ratio to
 * the baseline median and a large robust z-score (distance from the median in scaled MADs), so
 * neither a big relative jump on a noisy series nor a tiny jump on a flat one counts. Also the
 * Tukey IQR fences, for callers that prefer that rule.
 */
import { median, medianAbsoluteDeviation, percentiles } from './descriptive';

/** MAD * 1.4826 estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;

export interface RobustZOptions {
  /**
   * Smallest scale used, as a fraction of |median| (default 0.05): a flat baseline (MAD 0)
   * would otherwise make any change an infinite z.
   */
  scaleFloorFraction?: number;
}

export interface RobustZ {
  z: number;
  median: number;
  mad: number;
  /** The scale the z is measured in (MAD * 1.4826, floored). */
  scale: number;
}

/** (value - median(baseline)) / (1.4826 * MAD(baseline)), with the scale floored; NaN z on empty baseline. */
export function robustZScore(value: number, baseline: readonly number[], options: RobustZOptions = {}): RobustZ {
  const m = median(baseline);
  const mad = medianAbsoluteDeviation(baseline);
  const floor = (options.scaleFloorFraction ?? 0.05) * Math.abs(m);
  const scale = Math.max(mad * MAD_TO_SIGMA, floor);
  let z: number;
  if (baseline.length === 0) z = Number.NaN;
  else if (scale > 0) z = (value - m) / scale;
  else z = value === m ? 0 : value > m ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return { z, median: m, mad, scale };
}

export interface SpikeOptions extends RobustZOptions {
  /** value / median must reach this (default 2; for 'down', median / value must). */
  minRatio?: number;
  /** |robust z| must reach this (default 3.5, the usual modified z-score cut-off). */
  zThreshold?: number;
  /** Fewest baseline values before any verdict (default 5). */
  minBaseline?: number;
  /** Default 'up'. */
  direction?: 'up' | 'down' | 'either';
}

export interface SpikeResult {
  isSpike: boolean;
  reason?: 'insufficient baseline' | 'below thresholds';
  value: number;
  median: number;
  mad: number;
  /** value / median (Infinity when the median is 0 and value > 0). */
  ratio: number;
  z: number;
}

function ratioOf(value: number, base: number): number {
  if (base === 0) return value === 0 ? 1 : value > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return value / base;
}

/** Is `value` a spike against `baseline`? Both the ratio and the robust z must pass. */
export function detectSpike(value: number, baseline: readonly number[], options: SpikeOptions = {}): SpikeResult {
  const minRatio = options.minRatio ?? 2;
  const zThreshold = options.zThreshold ?? 3.5;
  const direction = options.direction ?? 'up';
  const values = baseline.filter(Number.isFinite);
  const rz = robustZScore(value, values, options);
  const ratio = ratioOf(value, rz.median);
  const common = { value, median: rz.median, mad: rz.mad, ratio, z: rz.z };
  if (values.length < (options.minBaseline ?? 5)) return { ...common, isSpike: false, reason: 'insufficient baseline' };
  const up = ratio >= minRatio && rz.z >= zThreshold;
  const down = value > 0 ? rz.median / value >= minRatio && rz.z <= -zThreshold : rz.median > 0 && rz.z <= -zThreshold;
  const isSpike = direction === 'up' ? up : direction === 'down' ? down : up || down;
  return isSpike ? { ...common, isSpike } : { ...common, isSpike, reason: 'below thresholds' };
}

export interface IqrFences {
  q1: number;
  q3: number;
  iqr: number;
  lower: number;
  upper: number;
}

/** Tukey's fences: [Q1 - k * IQR, Q3 + k * IQR] (k = 1.5 by default; 3 for "far out"). */
export function iqrFences(values: readonly number[], k = 1.5): IqrFences {
  const [q1 = Number.NaN, q3 = Number.NaN] = percentiles(values, [25, 75]);
  const iqr = q3 - q1;
  return { q1, q3, iqr, lower: q1 - k * iqr, upper: q3 + k * iqr };
}
