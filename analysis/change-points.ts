/**
 * Scans of a bucketed series (one bucket per day, say) for the two kinds of change genscope
 * reports: level shifts of a sampled quantity (quality scores: each bucket holds samples, each
 * bucket is tested against the buckets before it) and spikes of a summed quantity (daily cost:
 * each bucket's value against the robust spread of the buckets before it).
 */
import { compareSamples } from './two-sample';
import type { CompareSamplesResult, SampleTest } from './two-sample';
import { detectSpike } from './spikes';
import type { SpikeResult } from './spikes';

export type ShiftDirection = 'increase' | 'decrease' | 'either';

export interface LevelShiftOptions {
  /** How many buckets before the tested one form its baseline (default 7). */
  baselineBuckets?: number;
  /** Fewest non-empty baseline buckets before a bucket is tested (default 3). */
  minBaselineBuckets?: number;
  test?: SampleTest;
  /** Per-test significance level (default 0.001: a scan runs many tests). */
  alpha?: number;
  /** Fewest samples on each side (default 10). */
  minSamples?: number;
  /** Smallest |difference| of centers that counts (default 0). */
  minEffect?: number;
  /** Which shifts are reported (default 'either'); shifts the other way still re-baseline. */
  direction?: ShiftDirection;
}

export interface LevelShift {
  /** Index of the first bucket found at the new level. */
  index: number;
  direction: 'increase' | 'decrease';
  result: CompareSamplesResult;
}

/**
 * Tests each bucket's samples against the samples of the `baselineBuckets` buckets before it,
 * never reaching back past the last shift found: after a shift the series is re-baselined from
 * the bucket after it (the shifted bucket may straddle the change), so a lasting change is
 * reported once, on its first bucket, and not again every following bucket.
 */
export function scanLevelShifts(buckets: readonly (readonly number[])[], options: LevelShiftOptions = {}): LevelShift[] {
  const baselineBuckets = Math.max(1, options.baselineBuckets ?? 7);
  const minBaselineBuckets = Math.max(1, options.minBaselineBuckets ?? 3);
  const direction = options.direction ?? 'either';
  const shifts: LevelShift[] = [];
  let segmentStart = 0;
  for (let i = 0; i < buckets.length; i++) {
    const recent = buckets[i] ?? [];
    if (recent.length === 0) continue;
    const baseline: number[] = [];
    let nonEmpty = 0;
    for (let j = Math.max(segmentStart, i - baselineBuckets); j < i; j++) {
      const b = buckets[j] ?? [];
      if (b.length > 0) nonEmpty++;
      for (const v of b) baseline.push(v);
    }
    if (nonEmpty < minBaselineBuckets) continue;
    const result = compareSamples(baseline, recent, {
      test: options.test ?? 'welch',
      alpha: options.alpha ?? 0.001,
      alternative: 'two-sided',
      minSamples: options.minSamples ?? 10,
      minEffect: options.minEffect ?? 0,
    });
    if (!result.significant) continue;
    const dir = result.difference > 0 ? 'increase' : 'decrease';
    segmentStart = i + 1;
    if (direction === 'either' || direction === dir) shifts.push({ index: i, direction: dir, result });
  }
  return shifts;
}

export interface SpikeScanOptions {
  /** How many buckets before the tested one form its baseline (default 14). */
  baselineBuckets?: number;
  /** Fewest baseline values before a bucket is tested (default 5). */
  minBaseline?: number;
  minRatio?: number;
  zThreshold?: number;
  scaleFloorFraction?: number;
  direction?: 'up' | 'down' | 'either';
}

export interface SpikeEpisode {
  /** First and last bucket index of consecutive spiking buckets. */
  startIndex: number;
  endIndex: number;
  /** The bucket with the largest ratio. */
  peakIndex: number;
  peak: SpikeResult;
}

/**
 * Flags buckets whose value spikes against the values of the buckets before it (null: no data,
 * skipped) and merges consecutive flagged buckets into one episode, so a spike lasting two days
 * is one finding. Spiking values stay in later baselines: the median shrugs off a few, and a
 * lasting level change should stop being a "spike" once it is the new normal.
 */
export function scanSpikes(values: readonly (number | null)[], options: SpikeScanOptions = {}): SpikeEpisode[] {
  const baselineBuckets = Math.max(1, options.baselineBuckets ?? 14);
  const episodes: SpikeEpisode[] = [];
  let open: SpikeEpisode | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    const baseline: number[] = [];
    for (let j = Math.max(0, i - baselineBuckets); j < i; j++) {
      const b = values[j];
      if (b !== null && b !== undefined && Number.isFinite(b)) baseline.push(b);
    }
    const r = detectSpike(v, baseline, {
      minRatio: options.minRatio,
      zThreshold: options.zThreshold,
      minBaseline: options.minBaseline,
      scaleFloorFraction: options.scaleFloorFraction,
      direction: options.direction,
    });
    if (!r.isSpike) {
      open = null;
      continue;
    }
    if (open && open.endIndex === previousIndexWithData(values, i)) {
      open.endIndex = i;
      if (Math.abs(Math.log(r.ratio)) > Math.abs(Math.log(open.peak.ratio))) {
        open.peakIndex = i;
        open.peak = r;
      }
    } else {
      open = { startIndex: i, endIndex: i, peakIndex: i, peak: r };
      episodes.push(open);
    }
  }
  return episodes;
}

function previousIndexWithData(values: readonly (number | null)[], i: number): number {
  for (let j = i - 1; j >= 0; j--) {
    const v = values[j];
    if (v !== null && v !== undefined && Number.isFinite(v)) return j;
  }
  return -1;
}
