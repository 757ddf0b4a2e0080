/**
 * The SQLite store's panel registry: panel id -> query function (one query per file in
 * queries/). Typed by store/types.ts PanelQueries and PanelResponses, so a panel missing here, or
 * answering another shape, is a compile error.
 */
import type { PanelId } from '../../schema/api';
import type { PanelQueries, PanelResponses } from '../types';
import { benchmarkDurations } from './queries/benchmark-durations';
import { budget } from './queries/budget';
import { cacheHitRate } from './queries/cache-hit-rate';
import { classificationAccuracy } from './queries/classification-accuracy';
import { confusionMatrix } from './queries/confusion-matrix';
import type { QueryContext } from './queries/context';
import { costBreakdown } from './queries/cost-breakdown';
import { costComponents } from './queries/cost-components';
import { costOpportunities } from './queries/cost-opportunities';
import { costOverTime } from './queries/cost-over-time';
import { latencyHeatmap } from './queries/latency-heatmap';
import { latencyPercentiles } from './queries/latency-percentiles';
import { qualityBreakdown } from './queries/quality-breakdown';
import { qualityScores } from './queries/quality-scores';
import { scoreDistribution } from './queries/score-distribution';
import { stageBreakdown } from './queries/stage-breakdown';
import { summary } from './queries/summary';
import { trends } from './queries/trends';

export type PanelQueryFn<K extends PanelId> = (ctx: QueryContext, q: PanelQueries[K]) => PanelResponses[K];

export const SQLITE_PANELS: { readonly [K in PanelId]: PanelQueryFn<K> } = {
  summary,
  'quality-accuracy': classificationAccuracy,
  'quality-confusion': confusionMatrix,
  'quality-distribution': scoreDistribution,
  'quality-scores': qualityScores,
  'quality-breakdown': qualityBreakdown,
  'performance-latency': latencyPercentiles,
  'performance-stages': stageBreakdown,
  'performance-heatmap': latencyHeatmap,
  'performance-cache': cacheHitRate,
  'performance-benchmarks': benchmarkDurations,
  'cost-over-time': costOverTime,
  'cost-breakdown': costBreakdown,
  'cost-components': costComponents,
  'cost-budget': budget,
  'cost-opportunities': costOpportunities,
  trends,
};
