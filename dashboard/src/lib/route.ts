/**
 * Which page the dashboard shows, kept in the URL hash so that a drill-down is a link and the
 * back button returns: `#/runs?componentType=card&predicted=button&from=..&to=..` is the runs
 * explorer with those filters, `#/type/card` the page of one component type, `#/compare?a.model=..`
 * the comparison of two sides, anything else
 * (empty, or a section anchor such as `#quality`) the dashboard. The runs page's parameters have
 * the names of the /api/v1/runs parameters. Pure: parse(hash) and serialize(route) only.
 */
import type { RunSort } from '../../../schema/api';
import type { TimeRange } from './time-range';
import type { Filters } from './url-state';
import { cleanList, parseRangeParams } from './url-state';

export type RunStatus = 'all' | 'ok' | 'error';

/** The runs explorer's filters: what /api/v1/runs can select. */
export interface RunsFilter {
  range: TimeRange;
  componentTypes: string[];
  models: string[];
  services: string[];
  /** Predicted component types (the classifier's label): a confusion-matrix column. */
  predicted: string[];
  status: RunStatus;
  /** Text the component id contains ('' = any). */
  search: string;
  minDurationMs: number | null;
  maxDurationMs: number | null;
  /** Score name for the score range and for sort=worst. */
  score: string | null;
  scoreMin: number | null;
  scoreMax: number | null;
  benchmarkRun: string | null;
  sort: RunSort;
}

export type Route =
  | { page: 'dashboard' }
  | { page: 'runs'; runs: RunsFilter }
  | { page: 'type'; type: string }
  /** `#/compare?a.model=..&b.benchmarkRun=..`: the /api/v1/compare parameters, as given. */
  | { page: 'compare'; params: [string, string][] };

/** The parameters the compare page keeps in its hash (those of /api/v1/compare). */
export const COMPARE_PARAMS: readonly string[] = [
  ...['a', 'b'].flatMap((s) => ['model', 'benchmarkRun', 'range', 'from', 'to'].map((k) => `${s}.${k}`)),
  'componentType',
  'alpha',
  'minChange',
];

const SORTS: readonly RunSort[] = ['newest', 'slowest', 'costliest', 'worst'];
const MAX_TEXT = 200;

/** A runs filter with nothing but a time range. */
export function emptyRunsFilter(range: TimeRange): RunsFilter {
  return {
    range,
    componentTypes: [],
    models: [],
    services: [],
    predicted: [],
    status: 'all',
    search: '',
    minDurationMs: null,
    maxDurationMs: null,
    score: null,
    scoreMin: null,
    scoreMax: null,
    benchmarkRun: null,
    sort: 'newest',
  };
}

/** The runs that the dashboard's filters select (stages do not select runs: a run has every stage). */
export function runsFilterFrom(f: Filters, extra: Partial<RunsFilter> = {}): RunsFilter {
  return { ...emptyRunsFilter(f.range), componentTypes: f.componentTypes, models: f.models, services: f.services, ...extra };
}

/** Decimal text the API accepts (at most 12 fraction digits, no exponent): 3 decimals are plenty. */
function dec(v: number): string {
  return String(Math.round(Math.max(0, v) * 1000) / 1000);
}

function num(v: string | null): number | null {
  if (v == null || !/^\d{1,15}(\.\d{1,12})?$/.test(v)) return null;
  return Number(v);
}

function text(v: string | null): string | null {
  const t = v?.trim() ?? '';
  return t && t.length <= MAX_TEXT ? t : null;
}

export function parseRoute(hash: string, fallbackRange: TimeRange): Route {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (h.startsWith('/type/')) {
    let type = '';
    try {
      type = decodeURIComponent(h.slice('/type/'.length).split('?')[0] ?? '');
    } catch {
      type = '';
    }
    const t = text(type);
    return t ? { page: 'type', type: t } : { page: 'dashboard' };
  }
  if (h === '/compare' || h.startsWith('/compare?')) {
    const q = new URLSearchParams(h.slice('/compare'.length));
    const params: [string, string][] = [];
    for (const [k, v] of q) if (COMPARE_PARAMS.includes(k) && text(v)) params.push([k, v.trim()]);
    return { page: 'compare', params };
  }
  if (h !== '/runs' && !h.startsWith('/runs?')) return { page: 'dashboard' };
  const q = new URLSearchParams(h.slice('/runs'.length));
  const range = parseRangeParams(q, fallbackRange);
  const status = q.get('status');
  const sort = q.get('sort');
  let minDurationMs = num(q.get('minDurationMs'));
  let maxDurationMs = num(q.get('maxDurationMs'));
  if (minDurationMs != null && maxDurationMs != null && maxDurationMs <= minDurationMs) {
    minDurationMs = null;
    maxDurationMs = null;
  }
  const score = text(q.get('score'));
  return {
    page: 'runs',
    runs: {
      range,
      componentTypes: cleanList(q.getAll('componentType')),
      models: cleanList(q.getAll('model')),
      services: cleanList(q.getAll('service')),
      predicted: cleanList(q.getAll('predicted')),
      status: status === 'ok' || status === 'error' ? status : 'all',
      search: text(q.get('search')) ?? '',
      minDurationMs,
      maxDurationMs,
      score,
      // A score range without its score means nothing (the API refuses it).
      scoreMin: score ? num(q.get('scoreMin')) : null,
      scoreMax: score ? num(q.get('scoreMax')) : null,
      benchmarkRun: text(q.get('benchmarkRun')),
      sort: SORTS.includes(sort as RunSort) ? (sort as RunSort) : 'newest',
    },
  };
}

/** The hash of a route ('' for the dashboard). */
export function serializeRoute(route: Route): string {
  if (route.page === 'dashboard') return '';
  if (route.page === 'type') return `#/type/${encodeURIComponent(route.type)}`;
  if (route.page === 'compare') {
    const q = new URLSearchParams(route.params).toString();
    return q ? `#/compare?${q}` : '#/compare';
  }
  const f = route.runs;
  const q = new URLSearchParams();
  if (f.range.kind === 'custom') {
    q.set('from', new Date(f.range.fromMs).toISOString());
    q.set('to', new Date(f.range.toMs).toISOString());
  } else q.set('range', f.range.preset);
  for (const v of f.componentTypes) q.append('componentType', v);
  for (const v of f.predicted) q.append('predicted', v);
  for (const v of f.models) q.append('model', v);
  for (const v of f.services) q.append('service', v);
  if (f.status !== 'all') q.set('status', f.status);
  if (f.search) q.set('search', f.search);
  if (f.minDurationMs != null) q.set('minDurationMs', dec(f.minDurationMs));
  if (f.maxDurationMs != null) q.set('maxDurationMs', dec(f.maxDurationMs));
  if (f.score) q.set('score', f.score);
  if (f.score && f.scoreMin != null) q.set('scoreMin', dec(f.scoreMin));
  if (f.score && f.scoreMax != null) q.set('scoreMax', dec(f.scoreMax));
  if (f.benchmarkRun) q.set('benchmarkRun', f.benchmarkRun);
  if (f.sort !== 'newest') q.set('sort', f.sort);
  return `#/runs?${q.toString()}`;
}

export function sameRoute(a: Route, b: Route): boolean {
  return serializeRoute(a) === serializeRoute(b);
}
