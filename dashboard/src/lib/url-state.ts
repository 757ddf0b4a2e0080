/**
 * The dashboard's view state and its round trip through the URL query string, so that a view can
 * be shared, bookmarked and restored on reload. Pure: parse(search) and serialize(state) only.
 *
 * Query parameters (all optional):
 *   range=24h                       a preset, or
 *   from=<ISO 8601>&to=<ISO 8601>   a custom absolute range (wins over range)
 *   type=button&type=card           component types (repeated)
 *   model=...                       models (repeated)
 *   stage=...                       stages (repeated)
 *   live=0                          live updates paused
 *   run=<run id>                    the run whose span waterfall is open (the API's numeric run id)
 *   tz=local                        times in the browser's zone (default UTC)
 */
import { DEFAULT_RANGE, isPresetKey } from './time-range';
import type { TimeRange } from './time-range';
import type { DisplayTimeZone } from './format';

export interface Filters {
  range: TimeRange;
  componentTypes: string[];
  models: string[];
  stages: string[];
  /** Resource service.name values (`service=` in the URL, as the runs explorer's). */
  services: string[];
}

export interface ViewState {
  filters: Filters;
  live: boolean;
  runId: string | null;
  tz: DisplayTimeZone;
}

export const DEFAULT_VIEW: ViewState = {
  filters: { range: DEFAULT_RANGE, componentTypes: [], models: [], stages: [], services: [] },
  live: true,
  runId: null,
  tz: 'utc',
};

/** Bound on values read from a URL, so a pasted monster URL cannot make hundreds of filters. */
const MAX_VALUES = 50;
const MAX_VALUE_LENGTH = 200;

/** Trimmed, deduplicated, sorted and bounded values of a repeated URL parameter. */
export function cleanList(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const t = v.trim();
    if (t && t.length <= MAX_VALUE_LENGTH && !out.includes(t)) out.push(t);
    if (out.length >= MAX_VALUES) break;
  }
  return out.sort();
}

/** An ISO 8601 time or epoch milliseconds from a URL, or null. */
export function parseTime(v: string | null): number | null {
  if (!v) return null;
  // Epoch milliseconds are accepted too (handy for links built by scripts).
  if (/^\d{10,14}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** The time range of `from`/`to` (wins) or `range` in a query, else `fallback`. */
export function parseRangeParams(q: URLSearchParams, fallback: TimeRange): TimeRange {
  const from = parseTime(q.get('from'));
  const to = parseTime(q.get('to'));
  const preset = q.get('range');
  if (from != null && to != null && to > from) return { kind: 'custom', fromMs: from, toMs: to };
  if (preset && isPresetKey(preset)) return { kind: 'preset', preset };
  return fallback;
}

export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const range = parseRangeParams(q, DEFAULT_RANGE);
  const run = q.get('run');
  return {
    filters: {
      range,
      componentTypes: cleanList(q.getAll('type')),
      models: cleanList(q.getAll('model')),
      stages: cleanList(q.getAll('stage')),
      services: cleanList(q.getAll('service')),
    },
    live: q.get('live') !== '0',
    runId: run && /^\d{1,15}$/.test(run) ? run : null,
    tz: q.get('tz') === 'local' ? 'local' : 'utc',
  };
}

/** The query string (with leading "?" or empty) for a view; defaults are left out to keep links short. */
export function serializeViewState(v: ViewState): string {
  const q = new URLSearchParams();
  const r = v.filters.range;
  if (r.kind === 'custom') {
    q.set('from', new Date(r.fromMs).toISOString());
    q.set('to', new Date(r.toMs).toISOString());
  } else if (!(DEFAULT_RANGE.kind === 'preset' && r.preset === DEFAULT_RANGE.preset)) {
    q.set('range', r.preset);
  }
  for (const t of v.filters.componentTypes) q.append('type', t);
  for (const m of v.filters.models) q.append('model', m);
  for (const s of v.filters.stages) q.append('stage', s);
  for (const s of v.filters.services) q.append('service', s);
  if (!v.live) q.set('live', '0');
  if (v.runId) q.set('run', v.runId);
  if (v.tz === 'local') q.set('tz', 'local');
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function sameFilters(a: Filters, b: Filters): boolean {
  const ra = a.range;
  const rb = b.range;
  const sameRange =
    ra.kind === 'preset'
      ? rb.kind === 'preset' && ra.preset === rb.preset
      : rb.kind === 'custom' && ra.fromMs === rb.fromMs && ra.toMs === rb.toMs;
  const eq = (x: string[], y: string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return sameRange && eq(a.componentTypes, b.componentTypes) && eq(a.models, b.models) && eq(a.stages, b.stages) && eq(a.services, b.services);
}
