/**
 * The panel table of the API: each panel's id, path and query schema, used by the GET routes, the
 * panel export and the OpenAPI document. The query functions live behind the store
 * (TelemetryStore.panel), so the API never knows which engine answers.
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
import type { PanelQueries } from '../store';

export interface PanelDef {
  id: PanelId;
  path: string;
  query: z.ZodType;
}

/** Each panel's query schema, checked against the store's PanelQueries by the compiler. */
const QUERY_SCHEMAS: { readonly [K in PanelId]: z.ZodType<PanelQueries[K], unknown> } = {
  summary: SummaryQuery,
  'quality-accuracy': PanelQuery,
  'quality-confusion': PanelQuery,
  'quality-distribution': DistributionQuery,
  'quality-scores': QualityScoresQuery,
  'quality-breakdown': QualityBreakdownQuery,
  'performance-latency': PanelQuery,
  'performance-stages': PanelQuery,
  'performance-heatmap': PanelQuery,
  'performance-cache': PanelQuery,
  'performance-benchmarks': BenchmarkDurationsQuery,
  'cost-over-time': CostOverTimeQuery,
  'cost-breakdown': CostBreakdownQuery,
  'cost-components': CostComponentsQuery,
  'cost-budget': BudgetQuery,
  'cost-opportunities': OpportunitiesQuery,
  trends: TrendsQuery,
};

export const PANEL_DEFS: readonly PanelDef[] = (Object.keys(PANELS) as PanelId[]).map((id) => ({ id, path: PANELS[id], query: QUERY_SCHEMAS[id] }));

export const PANEL_BY_ID: ReadonlyMap<PanelId, PanelDef> = new Map(PANEL_DEFS.map((p) => [p.id, p]));
