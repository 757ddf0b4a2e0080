/**
 * Resolving a validated time range (preset or from/to, relative to the app's clock) and a bucket
 * request into the window a query runs over: epoch-ms bounds, BigInt-ns bounds, the bucket width
 * and the rollup grain to read.
 */
import { AUTO_BUCKET_STEPS_SECONDS, AUTO_TARGET_POINTS, MAX_POINTS, RANGE_PRESETS } from '../schema/api';
import type { RangePreset } from '../schema/api';
import { DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS } from './sqlite/retention';
import { QueryError } from './errors';

/** Rollup grains the store writer maintains (seconds). */
export const MINUTE_GRAIN_S = 60;
export const HOUR_GRAIN_S = 3600;
/** Ranges up to this length read the minute grain; longer ones the hour grain. */
export const MINUTE_GRAIN_MAX_RANGE_MS = 2 * 86_400_000 + 60_000;

export interface TimeRangeInput {
  range?: RangePreset | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

export interface Window {
  fromMs: number;
  toMs: number;
  fromNs: bigint;
  toNs: bigint;
  /** The app's now when the window was resolved (absent for derived windows). */
  nowMs?: number;
}

export interface BucketedWindow extends Window {
  bucketSeconds: number;
  /** Rollup grain to read for the time series (a divisor of bucketSeconds). */
  grainS: number;
  /** Epoch-ms starts of the buckets covering [fromMs, toMs). */
  t: number[];
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 1_000_000n;
}

export function makeWindow(fromMs: number, toMs: number): Window {
  return { fromMs, toMs, fromNs: msToNs(fromMs), toNs: msToNs(toMs) };
}

/** The window a validated time range stands for, given the current time. */
export function resolveWindow(q: TimeRangeInput, nowMs: number, defaultPreset: RangePreset): Window {
  const toMs = q.to ?? Math.floor(nowMs);
  const fromMs = Math.max(0, q.from ?? toMs - RANGE_PRESETS[q.range ?? defaultPreset]);
  if (fromMs >= toMs) {
    const param = q.from !== undefined ? 'from' : 'to';
    throw new QueryError(400, 'invalid_parameter', `query parameter "${param}": the window is empty (from must be before to; to defaults to now)`, param);
  }
  return { ...makeWindow(fromMs, toMs), nowMs };
}

/** The window of equal length just before w (for "change against the previous period"). */
export function previousWindow(w: Window): Window {
  const len = w.toMs - w.fromMs;
  return { ...makeWindow(w.fromMs - len, w.fromMs), ...(w.nowMs !== undefined ? { nowMs: w.nowMs } : {}) };
}

/** The rollup grain a range of this length reads. */
export function grainFor(w: Window): number {
  // Retention deletes minute rollups after a week: an older window reads hours even when short.
  const minutesKept = w.nowMs === undefined || w.fromMs >= w.nowMs - DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS * 86_400_000;
  return minutesKept && w.toMs - w.fromMs <= MINUTE_GRAIN_MAX_RANGE_MS ? MINUTE_GRAIN_S : HOUR_GRAIN_S;
}

/**
 * Buckets a window: `auto` picks the smallest step of AUTO_BUCKET_STEPS_SECONDS giving at most
 * AUTO_TARGET_POINTS buckets; an explicit size is rounded up to a multiple of the grain and is a
 * 400 when it would give more than MAX_POINTS buckets.
 */
export function bucketWindow(w: Window, bucket: number | 'auto', minGrainS?: number): BucketedWindow {
  const grainS = Math.max(grainFor(w), minGrainS ?? 0);
  const spanS = (w.toMs - w.fromMs) / 1000;
  let bucketSeconds: number;
  if (bucket === 'auto') {
    bucketSeconds =
      AUTO_BUCKET_STEPS_SECONDS.find((s) => s >= grainS && spanS / s <= AUTO_TARGET_POINTS) ??
      Math.ceil(spanS / AUTO_TARGET_POINTS / 86_400) * 86_400;
  } else {
    bucketSeconds = Math.ceil(bucket / grainS) * grainS;
    if (spanS / bucketSeconds > MAX_POINTS) {
      throw new QueryError(
        400,
        'invalid_parameter',
        `query parameter "bucket": ${bucket} s gives more than ${MAX_POINTS} points over this range; use at least ${Math.ceil(spanS / MAX_POINTS)}`,
        'bucket',
      );
    }
  }
  const stepMs = bucketSeconds * 1000;
  const first = Math.floor(w.fromMs / stepMs) * stepMs;
  const t: number[] = [];
  for (let x = first; x < w.toMs; x += stepMs) t.push(x);
  return { ...w, bucketSeconds, grainS, t };
}

/** Index of the bucket holding epoch-ms time `ms` in a bucketed window (may be out of range). */
export function bucketIndex(bw: BucketedWindow, ms: number): number {
  const first = bw.t[0] ?? 0;
  return Math.floor((ms - first) / (bw.bucketSeconds * 1000));
}
