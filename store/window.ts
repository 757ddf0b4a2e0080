/**
 * The grain planner, shared by the panels and the alerts (so a tile and an alert over the same
 * window read the same rollup rows): resolving a validated time range (preset or from/to,
 * relative to the app's clock) and a bucket request into the window a query runs over (epoch-ms
 * and BigInt-ns bounds, the bucket width), and choosing the rollup grains that cover it. It reads
 * the store's CONFIGURED minute-rollup retention: a window that starts before the oldest minute
 * rollup still kept reads the hour grain, however short it is.
 */
import { AUTO_BUCKET_STEPS_SECONDS, AUTO_TARGET_POINTS, MAX_POINTS, RANGE_PRESETS } from '../schema/api';
import type { RangePreset } from '../schema/api';
import { QueryError } from './errors';

/** Rollup grains the store writer maintains (seconds); the day grain is kept from the hour grain. */
export const MINUTE_GRAIN_S = 60;
export const HOUR_GRAIN_S = 3600;
export const DAY_GRAIN_S = 86_400;
/** Ranges up to this length read the minute grain; longer ones the hour grain. */
export const MINUTE_GRAIN_MAX_RANGE_MS = 2 * 86_400_000 + 60_000;
const DAY_MS = 86_400_000;

export interface TimeRangeInput {
  range?: RangePreset | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** What the planner needs to know besides the range: now, and how long minute rollups live. */
export interface PlanContext {
  nowMs: number;
  /** The store's minute-rollup retention (RetentionPolicy.minuteRollupRetentionDays). */
  minuteRollupRetentionDays: number;
}

export interface Window {
  fromMs: number;
  toMs: number;
  fromNs: bigint;
  toNs: bigint;
  /**
   * Minute rollups are kept for buckets starting at or after this instant (epoch ms); absent
   * when unknown (derived windows in tests), which means "kept".
   */
  minuteFromMs?: number;
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

/** The instant from which minute rollups are still kept, as of `at.nowMs`. */
export function minuteRollupsFromMs(at: PlanContext): number {
  return at.nowMs - at.minuteRollupRetentionDays * DAY_MS;
}

/** A window over [fromMs, toMs) planned against the store's retention as of at.nowMs. */
export function plannedWindow(fromMs: number, toMs: number, at: PlanContext): Window {
  return { ...makeWindow(fromMs, toMs), minuteFromMs: minuteRollupsFromMs(at) };
}

/** The window a validated time range stands for, given the current time and the retention. */
export function resolveWindow(q: TimeRangeInput, at: PlanContext, defaultPreset: RangePreset): Window {
  const toMs = q.to ?? Math.floor(at.nowMs);
  const fromMs = Math.max(0, q.from ?? toMs - RANGE_PRESETS[q.range ?? defaultPreset]);
  if (fromMs >= toMs) {
    const param = q.from !== undefined ? 'from' : 'to';
    throw new QueryError(400, 'invalid_parameter', `query parameter "${param}": the window is empty (from must be before to; to defaults to now)`, param);
  }
  return plannedWindow(fromMs, toMs, at);
}

/** The window of equal length just before w (for "change against the previous period"). */
export function previousWindow(w: Window): Window {
  const len = w.toMs - w.fromMs;
  return { ...makeWindow(w.fromMs - len, w.fromMs), ...(w.minuteFromMs !== undefined ? { minuteFromMs: w.minuteFromMs } : {}) };
}

/** Whether the minute rollups of the whole window are still kept. */
function minutesKept(w: Window): boolean {
  return w.minuteFromMs === undefined || w.fromMs >= w.minuteFromMs;
}

/** Whether a window is short enough for the minute grain, and its minute rollups are kept. */
function minuteGrainApplies(w: Window): boolean {
  return minutesKept(w) && w.toMs - w.fromMs <= MINUTE_GRAIN_MAX_RANGE_MS;
}

/** The rollup grain a time series over this window reads. */
export function grainFor(w: Window): number {
  return minuteGrainApplies(w) ? MINUTE_GRAIN_S : HOUR_GRAIN_S;
}

/**
 * The coarsest grain that divides a bucket of bucketMillis and is kept over the window (the
 * alerts' per-bucket series); null when none divides it.
 */
export function seriesGrainFor(w: Window, bucketMillis: number): number | null {
  if (bucketMillis % DAY_MS === 0) return DAY_GRAIN_S;
  if (bucketMillis % (HOUR_GRAIN_S * 1000) === 0) return HOUR_GRAIN_S;
  if (bucketMillis % (MINUTE_GRAIN_S * 1000) === 0 && minutesKept(w)) return MINUTE_GRAIN_S;
  return null;
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

/** One grain and bucket_ns range of a rollup table. */
export interface Segment {
  grainS: number;
  fromNs: bigint;
  toNs: bigint;
}

/**
 * The rollup rows covering a window with the fewest rows. A rollup row belongs to the window when
 * its bucket starts in it. With a fixed grain (time series) that grain over the whole window.
 * Otherwise, for short ranges whose minute rollups are kept: whole hours from the hour grain, the
 * ragged edges from the minute grain; for long ranges, or short ones older than the minute
 * retention: whole UTC days from the day grain when the table has one, whole hours at the edges.
 */
export function segmentsFor(w: Window, grainS?: number, opts: { dayGrain?: boolean } = {}): Segment[] {
  const ns = (ms: number) => BigInt(ms) * 1_000_000n;
  const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;
  const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
  if (grainS !== undefined) return [{ grainS, fromNs: ns(ceilTo(w.fromMs, grainS * 1000)), toNs: w.toNs }];
  const short = minuteGrainApplies(w);
  const long = w.toMs - w.fromMs > MINUTE_GRAIN_MAX_RANGE_MS;
  const fine = short ? MINUTE_GRAIN_S * 1000 : HOUR_GRAIN_S * 1000;
  const coarse = long && opts.dayGrain ? DAY_MS : HOUR_GRAIN_S * 1000;
  const start = ceilTo(w.fromMs, fine);
  const c0 = ceilTo(w.fromMs, coarse);
  const c1 = floorTo(w.toMs, coarse);
  const fineGrain = fine / 1000;
  const coarseGrain = coarse / 1000;
  if (c1 <= c0) return [{ grainS: fineGrain, fromNs: ns(start), toNs: w.toNs }];
  const segs: Segment[] = [];
  if (start < c0) segs.push({ grainS: fineGrain, fromNs: ns(start), toNs: ns(c0) });
  segs.push({ grainS: coarseGrain, fromNs: ns(c0), toNs: ns(c1) });
  if (c1 < w.toMs) segs.push({ grainS: fineGrain, fromNs: ns(c1), toNs: w.toNs });
  return segs;
}

/**
 * The span-time range the segments of a window cover: a rollup row of grain g whose bucket starts
 * in a segment holds spans up to the next multiple of g. Raw reads that must count the same spans
 * as the rollups (exact percentiles, the ragged edges of the daily component rollup) use it.
 */
export function coveredWindow(w: Window, grainS?: number): Window {
  const segs = segmentsFor(w, grainS);
  const first = segs[0];
  const last = segs[segs.length - 1];
  if (!first || !last) return w;
  const g = BigInt(last.grainS) * 1_000_000_000n;
  const toNs = ((last.toNs + g - 1n) / g) * g;
  return { ...w, fromMs: Number(first.fromNs / 1_000_000n), toMs: Number(toNs / 1_000_000n), fromNs: first.fromNs, toNs };
}
