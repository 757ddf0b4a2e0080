/**
 * The panel registry: each panel's id, path, query schema and query function, in one table used
 * by the GET routes, the panel export and the OpenAPI document.
 */
import type { z } from 'zod';
import {
  BenchmarkDurationsQuery,
  BudgetQuery,
  CostBreakdownQuery,
  CostComponentsQuery,
  CostOverTimeQuery,
  DistributionQuery,
  OpportunitiesQuery,
  PANELS,
  PanelQuery,
  QualityBreakdownQuery,
  QualityScoresQuery,
  SummaryQuery,
  TrendsQuery,
} from '../schema/api';
import type { PanelId } from '../schema/api';
import { benchmarkDurations } from '../store/sqlite/queries/benchmark-durations';
import { budget } from '../store/sqlite/queries/budget';
import { cacheHitRate } from '../store/sqlite/queries/cache-hit-rate';
import { classificationAccuracy } from '../store/sqlite/queries/classification-accuracy';
import { confusionMatrix } from '../store/sqlite/queries/confusion-matrix';
import type { QueryContext } from '../store/sqlite/queries/context';
import { costBreakdown } from '../store/sqlite/queries/cost-breakdown';
import { costComponents } from '../store/sqlite/queries/cost-components';
import { costOpportunities } from '../store/sqlite/queries/cost-opportunities';
import { costOverTime } from '../store/sqlite/queries/cost-over-time';
import { latencyHeatmap } from '../store/sqlite/queries/latency-heatmap';
import { latencyPercentiles } from '../store/sqlite/queries/latency-percentiles';
import { qualityBreakdown } from '../store/sqlite/queries/quality-breakdown';
import { qualityScores } from '../store/sqlite/queries/quality-scores';
import { scoreDistribution } from '../store/sqlite/queries/score-distribution';
import { stageBreakdown } from '../store/sqlite/queries/stage-breakdown';
import { summary } from '../store/sqlite/queries/summary';
import { trends } from '../store/sqlite/queries/trends';

export interface PanelDef<S extends z.ZodType = z.ZodType> {
  id: PanelId;
  path: string;
  query: S;
  run: (ctx: QueryContext, q: z.output<S>) => object;
}

function panel<S extends z.ZodType>(id: PanelId, query: S, run: (ctx: QueryContext, q: z.output<S>) => object): PanelDef {
  return { id, path: PANELS[id], query, run: run as PanelDef['run'] };
}

export const PANEL_DEFS: readonly PanelDef[] = [
  panel('summary', SummaryQuery, summary),
  panel('quality-accuracy', PanelQuery, classificationAccuracy),
  panel('quality-confusion', PanelQuery, confusionMatrix),
  panel('quality-distribution', DistributionQuery, scoreDistribution),
  panel('quality-scores', QualityScoresQuery, qualityScores),
  panel('quality-breakdown', QualityBreakdownQuery, qualityBreakdown),
  panel('performance-latency', PanelQuery, latencyPercentiles),
  panel('performance-stages', PanelQuery, stageBreakdown),
  panel('performance-heatmap', PanelQuery, latencyHeatmap),
  panel('performance-cache', PanelQuery, cacheHitRate),
  panel('performance-benchmarks', BenchmarkDurationsQuery, benchmarkDurations),
  panel('cost-over-time', CostOverTimeQuery, costOverTime),
  panel('cost-breakdown', CostBreakdownQuery, costBreakdown),
  panel('cost-components', CostComponentsQuery, costComponents),
  panel('cost-budget', BudgetQuery, budget),
  panel('cost-opportunities', OpportunitiesQuery, costOpportunities),
  panel('trends', TrendsQuery, trends),
];

export const PANEL_BY_ID: ReadonlyMap<PanelId, PanelDef> = new Map(PANEL_DEFS.map((p) => [p.id, p]));
