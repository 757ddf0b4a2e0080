/**
 * Query parameters of each endpoint, built from the view's filters. The API rejects unknown
 * parameters (400), so every endpoint gets exactly the parameters its schema (schema/api.ts)
 * declares; the `Params<typeof X>` types make a wrong name a compile error here.
 */
import type { z } from 'zod';
import type * as Api from '../../../schema/api';
import type { AlertChangesQuery, AlertEventsQuery } from '../../../schema/alerts';
import type { QueryValue } from './api-client';
import type { Filters } from './url-state';
import type { RunsFilter } from './route';
import type { RangePresetKey } from './time-range';
import { presetMs, resolveRange } from './time-range';

/** Parameters an endpoint accepts, as the client sends them (strings, lists, numbers). */
export type Params<S extends z.ZodType> = { [K in keyof z.input<S>]?: QueryValue };

// Our presets must be presets the API knows.
type AssertPresets<T extends Api.RangePreset> = T;
export type CheckedPresets = AssertPresets<RangePresetKey>;

type TimeParams = { range?: string; from?: number; to?: number };

export function timeParams(f: Pick<Filters, 'range'>): TimeParams {
  if (f.range.kind === 'custom') return { from: f.range.fromMs, to: f.range.toMs };
  return { range: f.range.preset };
}

const list = (v: readonly string[]): readonly string[] | undefined => (v.length ? v : undefined);

/** The dimension filters every panel takes. */
function dimensionParams(f: Filters): { componentType?: QueryValue; model?: QueryValue; stage?: QueryValue; service?: QueryValue } {
  return { componentType: list(f.componentTypes), model: list(f.models), stage: list(f.stages), service: list(f.services) };
}

export function panelParams(f: Filters): Params<typeof Api.PanelQuery> {
  return { ...timeParams(f), ...dimensionParams(f) };
}

export function summaryParams(f: Filters): Params<typeof Api.SummaryQuery> {
  return { ...timeParams(f), ...dimensionParams(f) };
}

export function filterOptionsParams(f: Filters): Params<typeof Api.FilterOptionsQuery> {
  // Options come from a wide window so that narrowing the range does not hide choices.
  if (f.range.kind === 'custom') return { from: f.range.fromMs, to: f.range.toMs };
  return { range: '90d' };
}

/** The API's auto-bucket steps (the type makes a drift a compile error; schema/ values stay out of the bundle). */
const BUCKET_STEPS_SECONDS: typeof Api.AUTO_BUCKET_STEPS_SECONDS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];

/** Columns the heatmap aims at by default: wide enough cells to read (about 15 px on a laptop). */
export const HEATMAP_TARGET_COLUMNS = 60;

/** The heatmap's time bucket: the smallest API step giving at most HEATMAP_TARGET_COLUMNS columns. */
export function heatmapBucketSeconds(rangeMs: number): number {
  const want = rangeMs / 1000 / HEATMAP_TARGET_COLUMNS;
  return BUCKET_STEPS_SECONDS.find((s) => s >= want) ?? Math.ceil(want / 86_400) * 86_400;
}

export function heatmapParams(f: Filters, nowMs: number = Date.now()): Params<typeof Api.PanelQuery> {
  const w = resolveRange(f.range, nowMs);
  return { ...panelParams(f), bucket: String(heatmapBucketSeconds(w.toMs - w.fromMs)) };
}

export function distributionParams(f: Filters, score: string): Params<typeof Api.DistributionQuery> {
  return { ...panelParams(f), score };
}

export function qualityScoresParams(f: Filters, scores: readonly string[], groupBy: 'none' | Api.QualityGroupBy = 'none'): Params<typeof Api.QualityScoresQuery> {
  return { ...panelParams(f), score: scores, groupBy };
}

export function qualityBreakdownParams(f: Filters, scores: readonly string[], groupBy: Api.QualityGroupBy): Params<typeof Api.QualityBreakdownQuery> {
  return { ...panelParams(f), score: scores, groupBy };
}

export function benchmarkDurationsParams(f: Filters): Params<typeof Api.BenchmarkDurationsQuery> {
  return { ...timeParams(f), model: list(f.models) };
}

export function costOverTimeParams(f: Filters, groupBy: 'none' | Api.CostGroupBy): Params<typeof Api.CostOverTimeQuery> {
  return { ...panelParams(f), groupBy };
}

export function costBreakdownParams(f: Filters, groupBy: Api.CostGroupBy): Params<typeof Api.CostBreakdownQuery> {
  return { ...panelParams(f), groupBy };
}

/** Cost per component: the costliest 25 (the stage filter does not apply: the split is by stage). */
export function costComponentsParams(f: Filters): Params<typeof Api.CostComponentsQuery> {
  return { ...timeParams(f), componentType: list(f.componentTypes), model: list(f.models), limit: '25' };
}

export function opportunitiesParams(f: Filters): Params<typeof Api.OpportunitiesQuery> {
  return { ...timeParams(f), componentType: list(f.componentTypes), model: list(f.models) };
}

export function budgetParams(f: Filters): Params<typeof Api.BudgetQuery> {
  return { componentType: list(f.componentTypes), model: list(f.models) };
}

export function trendsParams(f: Filters, metric: 'successRate' | 'score', score?: string): Params<typeof Api.TrendsQuery> {
  return {
    ...timeParams(f),
    ...dimensionParams(f),
    metric,
    score: metric === 'score' ? score : undefined,
  };
}

/** Parameters of /runs for the runs explorer's filters (the same names, see lib/route.ts). */
export function runsParams(f: RunsFilter, cursor?: string | null, limit = 50): Params<typeof Api.RunsQuery> {
  const n = (v: number | null): string | undefined => (v == null ? undefined : String(Math.round(v * 1000) / 1000));
  return {
    ...timeParams({ range: f.range }),
    componentType: list(f.componentTypes),
    model: list(f.models),
    service: list(f.services),
    predicted: list(f.predicted),
    status: f.status === 'all' ? undefined : f.status,
    search: f.search || undefined,
    minDurationMs: n(f.minDurationMs),
    maxDurationMs: n(f.maxDurationMs),
    score: f.score ?? undefined,
    scoreMin: f.score ? n(f.scoreMin) : undefined,
    scoreMax: f.score ? n(f.scoreMax) : undefined,
    benchmarkRun: f.benchmarkRun ?? undefined,
    sort: f.sort === 'newest' ? undefined : f.sort,
    limit: String(limit),
    cursor: f.sort === 'newest' ? (cursor ?? undefined) : undefined,
  };
}

/** Runs are end to end: the API refuses a stage filter on them (as /runs does), so none is sent. */
export function exportParams(f: Filters, dataset: Api.ExportDataset = 'spans'): Params<typeof Api.ExportQuery> {
  return { ...timeParams(f), ...dimensionParams(f), stage: dataset === 'runs' ? undefined : list(f.stages) };
}

/**
 * Alert events of the window (preset ranges: the window ending now, rounded to the minute so the
 * query stays the same between live ticks of one minute).
 */
export function alertEventsParams(f: Filters, nowMs: number = Date.now()): { [K in keyof AlertEventsQuery]?: QueryValue } {
  if (f.range.kind === 'custom') return { from: String(f.range.fromMs), to: String(f.range.toMs), limit: '500' };
  const span = presetMs(f.range.preset);
  const minute = Math.floor(nowMs / 60_000) * 60_000;
  return { from: String(minute - span), limit: '500' };
}

/** Changes detected over the window (whole UTC days are scanned by the API). */
export function alertChangesParams(f: Filters, nowMs: number = Date.now()): { [K in keyof AlertChangesQuery]?: QueryValue } {
  if (f.range.kind === 'custom') return { from: String(f.range.fromMs), to: String(f.range.toMs) };
  // Whole days: the query stays the same all day, so live ticks and reloads reuse it.
  const day = Math.floor(nowMs / 86_400_000) * 86_400_000;
  return { from: String(day - presetMs(f.range.preset)) };
}

export const API_BASE = '/api/v1';
