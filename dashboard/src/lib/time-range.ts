/**
 * Time ranges: the presets of the filter bar and their resolution into absolute [from, to) epoch
 * milliseconds. A preset is relative ("last 24 h") and slides with the clock when live; a custom
 * range is absolute and does not.
 */

export const RANGE_PRESETS = [
  { key: '15m', label: 'Last 15 min', ms: 15 * 60_000 },
  { key: '1h', label: 'Last 1 h', ms: 3_600_000 },
  { key: '6h', label: 'Last 6 h', ms: 6 * 3_600_000 },
  { key: '24h', label: 'Last 24 h', ms: 24 * 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { key: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
] as const;

export type RangePresetKey = (typeof RANGE_PRESETS)[number]['key'];

export type TimeRange = { kind: 'preset'; preset: RangePresetKey } | { kind: 'custom'; fromMs: number; toMs: number };

/**
 * 30 days: quality and cost trends need weeks (batch pipelines report a few benchmark passes a
 * day), and long ranges read the hourly rollups, the cheapest path at millions of spans.
 */
export const DEFAULT_RANGE: TimeRange = { kind: 'preset', preset: '30d' };

export function isPresetKey(v: string): v is RangePresetKey {
  return RANGE_PRESETS.some((p) => p.key === v);
}

export function presetMs(key: RangePresetKey): number {
  const p = RANGE_PRESETS.find((x) => x.key === key);
  // The lookup cannot miss for a RangePresetKey; the fallback only satisfies the type checker.
  return p ? p.ms : 86_400_000;
}

export interface ResolvedRange {
  fromMs: number;
  toMs: number;
}

/**
 * Absolute bounds of a range at `nowMs`. Preset ends are rounded up to the next whole second so
 * that two resolutions within the same second give the same query (cache-friendly, stable URLs).
 */
export function resolveRange(range: TimeRange, nowMs: number): ResolvedRange {
  if (range.kind === 'custom') return { fromMs: range.fromMs, toMs: range.toMs };
  const toMs = Math.ceil(nowMs / 1000) * 1000;
  return { fromMs: toMs - presetMs(range.preset), toMs };
}

/** The period just before a range, of the same length: what KPI changes compare against. */
export function previousPeriod(r: ResolvedRange): ResolvedRange {
  const len = r.toMs - r.fromMs;
  return { fromMs: r.fromMs - len, toMs: r.fromMs };
}

export function rangeLabel(range: TimeRange): string {
  if (range.kind === 'preset') return RANGE_PRESETS.find((p) => p.key === range.preset)?.label ?? range.preset;
  return 'Custom range';
}
