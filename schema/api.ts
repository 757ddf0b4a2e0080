/**
 * The HTTP contract of the genscope REST API: zod schemas of every request parameter set and every
 * response shape, and their inferred types. api/ validates with these and generates the OpenAPI
 * document from them; dashboard/ imports the types. Nothing here touches the database or a clock.
 *
 * Conventions
 * - Every GET answers with no parameters at all (each parameter has a default).
 * - Unknown query parameters are a 400 (catches typos such as `componentTypes=`).
 * - Times in responses are epoch milliseconds (`t`, `startMs`, ...); latencies are milliseconds;
 *   costs are USD; rates and scores are 0..1.
 * - Time series are columnar, ready for uPlot: `t: number[]` and one array per series, all of the
 *   same length as `t`; `null` where a bucket holds no data. `t[i]` is the start of bucket i.
 * - List-valued filters accept repeated parameters (`model=a&model=b`) or commas (`model=a,b`).
 * - Errors: `{ "error": { "code", "message", "param"? } }` (see ApiError).
 *
 * Endpoints (GET unless noted; all under /api/v1 except /api/docs)
 *   /health                          -> (none)                    -> HealthResponse
 *   /filters                         -> FilterOptionsQuery        -> FilterOptionsResponse
 *   /summary                         -> SummaryQuery              -> SummaryResponse
 *   /quality/accuracy                -> PanelQuery                -> AccuracyResponse
 *   /quality/confusion               -> PanelQuery                -> ConfusionResponse
 *   /quality/distribution            -> DistributionQuery         -> DistributionResponse
 *   /quality/scores                  -> QualityScoresQuery        -> QualityScoresResponse
 *   /quality/breakdown               -> QualityBreakdownQuery     -> QualityBreakdownResponse
 *   /performance/latency             -> PanelQuery                -> LatencyResponse
 *   /performance/stages              -> PanelQuery                -> StagesResponse
 *   /performance/heatmap             -> PanelQuery                -> HeatmapResponse
 *   /performance/cache               -> PanelQuery                -> CacheResponse
 *   /performance/benchmarks          -> BenchmarkDurationsQuery   -> BenchmarkDurationsResponse
 *   /cost/over-time                  -> CostOverTimeQuery         -> CostOverTimeResponse
 *   /cost/breakdown                  -> CostBreakdownQuery        -> CostBreakdownResponse
 *   /cost/components                 -> CostComponentsQuery       -> CostComponentsResponse
 *   /cost/budget                     -> BudgetQuery               -> BudgetResponse
 *   /cost/opportunities              -> OpportunitiesQuery        -> OpportunitiesResponse
 *   /trends                          -> TrendsQuery               -> TrendsResponse
 *   /runs                            -> RunsQuery                 -> RunsResponse
 *   /runs/:id                        -> RunParams (path)          -> RunDetailResponse
 *   /runs/:id/artefacts              -> RunParams (path)          -> RunArtefactsResponse
 *   /runs/:id/artefacts/:name        -> RunArtefactParams (path)  -> the artefact's bytes, its media type as Content-Type
 *   /benchmarks                      -> BenchmarksQuery           -> BenchmarksResponse
 *   /export/:dataset.:format         -> ExportQuery               -> streamed csv | json array | ndjson
 *        dataset: spans | runs | scores | model-calls (columns: EXPORT_COLUMNS); format: csv|json|ndjson
 *   /export/panel/:panel.:format     -> the panel's own query     -> csv (columnar rows) | json (= panel response)
 *        panel: a key of PANELS; format: csv | json
 *   /openapi.json                    -> (none)                    -> OpenAPI 3.1 document
 *   /api/docs                        -> (none)                    -> HTML reference page
 *   GET|PUT /budget                  -> BudgetSettingInput (PUT) -> BudgetSettingResponse (api/routes/settings.ts)
 * Mounted by the server, documented elsewhere: POST /v1/traces, /v1/metrics (OTLP ingest, api/ingest),
 * /api/v1/alerts (alerts/).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Constants shared by server and dashboard
// ---------------------------------------------------------------------------------------------

/** Range presets and their length in milliseconds. */
export const RANGE_PRESETS = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '12h': 12 * 3_600_000,
  '24h': 24 * 3_600_000,
  '2d': 2 * 86_400_000,
  '7d': 7 * 86_400_000,
  '14d': 14 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
  '180d': 180 * 86_400_000,
  '365d': 365 * 86_400_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
const RANGE_PRESET_NAMES = Object.keys(RANGE_PRESETS) as [RangePreset, ...RangePreset[]];

/** The longest explicit range accepted (from..to). */
export const MAX_RANGE_MS = 400 * 86_400_000;
/** A series never has more points than this; a smaller explicit bucket is a 400. */
export const MAX_POINTS = 5000;
/** Auto bucketing aims at no more than this many points. */
export const AUTO_TARGET_POINTS = 300;
/** Bucket sizes auto bucketing chooses from (seconds). */
export const AUTO_BUCKET_STEPS_SECONDS = [
  60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800,
] as const;

/** Stage value of pipeline.run root spans (end-to-end latency); mirrors RUN_STAGE in names.ts. */
export const END_TO_END_STAGE = '(run)';

/** Default score names shown by the quality panels (mirrors SCORE in names.ts). */
export const QUALITY_SCORE_NAMES = [
  'visual.pixel_similarity',
  'visual.structural_similarity',
  'code.quality',
  'mapping.confidence',
] as const;

/** Panels that /export/panel/:panel can export, and the endpoint whose query and response they share. */
export const PANELS = {
  summary: '/summary',
  'quality-accuracy': '/quality/accuracy',
  'quality-confusion': '/quality/confusion',
  'quality-distribution': '/quality/distribution',
  'quality-scores': '/quality/scores',
  'quality-breakdown': '/quality/breakdown',
  'performance-latency': '/performance/latency',
  'performance-stages': '/performance/stages',
  'performance-heatmap': '/performance/heatmap',
  'performance-cache': '/performance/cache',
  'performance-benchmarks': '/performance/benchmarks',
  'cost-over-time': '/cost/over-time',
  'cost-breakdown': '/cost/breakdown',
  'cost-components': '/cost/components',
  'cost-budget': '/cost/budget',
  'cost-opportunities': '/cost/opportunities',
  trends: '/trends',
} as const;
export type PanelId = keyof typeof PANELS;
export const PANEL_IDS = Object.keys(PANELS) as [PanelId, ...PanelId[]];

export const EXPORT_DATASETS = ['spans', 'runs', 'scores', 'model-calls'] as const;
export type ExportDataset = (typeof EXPORT_DATASETS)[number];
export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const PANEL_EXPORT_FORMATS = ['csv', 'json'] as const;
export type PanelExportFormat = (typeof PANEL_EXPORT_FORMATS)[number];

/** Column order of each export dataset (CSV header; JSON object keys). Times are epoch ms. */
export const EXPORT_COLUMNS = {
  spans: [
    'id', 'trace_id', 'span_id', 'parent_span_id', 'name', 'role', 'kind', 'start_ms', 'end_ms', 'duration_ms',
    'status_code', 'status_message', 'stage', 'component_id', 'component_type', 'model', 'benchmark_run_id',
    'cost_usd', 'cache_hit', 'attributes', 'events',
  ],
  runs: [
    'id', 'trace_id', 'span_id', 'start_ms', 'duration_ms', 'status_code', 'status_message', 'component_id',
    'component_type', 'model', 'benchmark_run_id', 'cost_usd',
  ],
  scores: [
    'id', 'time_ms', 'trace_id', 'span_id', 'name', 'value', 'label', 'explanation', 'stage', 'component_id',
    'component_type', 'model', 'benchmark_run_id',
  ],
  'model-calls': [
    'id', 'time_ms', 'duration_ms', 'trace_id', 'span_id', 'provider', 'operation', 'request_model',
    'response_model', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost_usd', 'cost_source', 'status_code',
    'stage', 'component_id', 'component_type', 'benchmark_run_id',
  ],
} as const satisfies Record<ExportDataset, readonly string[]>;

/** Export columns holding JSON text: embedded as JSON values (not strings) in json/ndjson. */
export const EXPORT_JSON_COLUMNS = {
  spans: ['attributes', 'events'],
  runs: [],
  scores: [],
  'model-calls': [],
} as const satisfies Record<ExportDataset, readonly string[]>;

// ---------------------------------------------------------------------------------------------
// Reusable request pieces
// ---------------------------------------------------------------------------------------------

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** Epoch ms accepted: 1970 .. 2200. */
const MAX_EPOCH_MS = 7_258_118_400_000;

/** A point in time: ISO 8601 (`2025-01-31`, `2025-01-31T12:00:00Z`, with offset) or epoch milliseconds. Output: epoch ms. */
export const timeParam = z
  .string()
  .max(40)
  .transform((s, ctx): number => {
    let ms: number;
    if (/^\d{1,16}$/.test(s)) ms = Number(s);
    else if (ISO_8601.test(s)) ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.replace(' ', 'T'));
    else ms = Number.NaN;
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) {
      ctx.addIssue({ code: 'custom', message: `"${s.slice(0, 40)}" is not an ISO 8601 time or epoch milliseconds between 1970 and 2200` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('ISO 8601 time (e.g. 2025-01-31T12:00:00Z) or epoch milliseconds');

/** A list of short strings: repeated parameter or comma-separated. Empty means "all". */
export const listParam = z
  .union([z.string().max(2000), z.array(z.string().max(2000)).max(100)])
  .transform((v, ctx): string[] => {
    const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    if (parts.length > 100) {
      ctx.addIssue({ code: 'custom', message: 'at most 100 values' });
      return z.NEVER;
    }
    for (const p of parts) {
      if (p.length > 200) {
        ctx.addIssue({ code: 'custom', message: 'each value is at most 200 characters' });
        return z.NEVER;
      }
    }
    return [...new Set(parts)];
  });

const optionalList = (description: string) => listParam.optional().transform((v) => v ?? []).describe(description);
const shortString = z.string().min(1).max(200);

/** Time range: a preset ending now (or at `to`), or explicit from/to. */
export const timeRangeShape = (defaultPreset: RangePreset = '24h') => ({
  range: z.enum(RANGE_PRESET_NAMES).optional().describe(`Preset length of the window ending at \`to\` (or now). Default ${defaultPreset} when \`from\` is not given.`),
  from: timeParam.optional().describe('Start of the window (inclusive): ISO 8601 or epoch ms. Excludes `range`.'),
  to: timeParam.optional().describe('End of the window (exclusive): ISO 8601 or epoch ms. Default now.'),
});

/** Dimension filters. */
export const filterShape = {
  componentType: optionalList('Component type(s) (the labelled type); repeated or comma-separated'),
  model: optionalList('Model(s); repeated or comma-separated'),
  stage: optionalList('Pipeline stage(s) (e.g. classify, map, generate, validate; "(run)" is end-to-end)'),
  benchmarkRun: shortString.optional().describe('Only data of this benchmark run id'),
  service: optionalList('Service name(s) (resource service.name of the process that recorded the data); repeated or comma-separated'),
};

/** Time bucket size: seconds, or auto (follows the range). */
export const bucketShape = {
  bucket: z
    .string()
    .regex(/^(auto|\d{1,9})$/, 'must be "auto" or a whole number of seconds')
    .transform((v): number | 'auto' => (v === 'auto' ? 'auto' : Number(v)))
    .refine((v) => v === 'auto' || (v >= 1 && v <= 31_536_000), 'must be between 1 and 31536000 seconds')
    .default('auto')
    .describe('Bucket size in seconds, or "auto" (follows the range). Rounded up to the rollup grain.'),
};

type Shape = Record<string, z.ZodType>;

/** Cross-field rules of a time range, applied to every query that has one. */
function checkTimeRange(v: { range?: string; from?: number; to?: number }, ctx: z.RefinementCtx): void {
  if (v.range !== undefined && v.from !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['range'], message: 'give either range or from, not both' });
  }
  if (v.from !== undefined && v.to !== undefined) {
    if (v.from >= v.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
    else if (v.to - v.from > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['from'], message: 'the range is at most 400 days' });
  }
}

/** A strict query object (unknown parameters are an error) with the time-range rules. */
function query<S extends Shape>(shape: S) {
  return z.strictObject(shape).superRefine((v, ctx) => checkTimeRange(v as { range?: string; from?: number; to?: number }, ctx));
}

const limitParam = (def: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((v) => v ?? def)
    .describe(`Maximum number of items (1..${max}, default ${def})`);

const scoreName = shortString.describe('Score name (gen_ai.evaluation.name), e.g. visual.pixel_similarity');

// ---------------------------------------------------------------------------------------------
// Request schemas
// ---------------------------------------------------------------------------------------------

/** Time range + filters + bucket: the query of most panels. Default range 24h. */
export const panelShape = { ...timeRangeShape('24h'), ...filterShape, ...bucketShape };
export const PanelQuery = query(panelShape);

export const FilterOptionsQuery = query({ ...timeRangeShape('90d') });
export const SummaryQuery = query({ ...timeRangeShape('24h'), ...filterShape });

export const DistributionQuery = query({
  ...panelShape,
  score: scoreName.optional().transform((v) => v ?? 'mapping.confidence').describe('Score name; default mapping.confidence'),
});

export const QUALITY_GROUP_BY = ['componentType', 'model'] as const;
export type QualityGroupBy = (typeof QUALITY_GROUP_BY)[number];

export const QualityScoresQuery = query({
  ...panelShape,
  score: optionalList(`Score name(s); default ${QUALITY_SCORE_NAMES.slice(0, 3).join(', ')}. Only one when groupBy is set.`),
  groupBy: z.enum(['none', ...QUALITY_GROUP_BY]).default('none').describe('Split each series by component type or model'),
}).superRefine((v, ctx) => {
  if (v.groupBy !== 'none' && v.score.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['score'], message: 'give one score when groupBy is set' });
  }
});

export const QualityBreakdownQuery = query({
  ...panelShape,
  score: optionalList(`Score name(s); default ${QUALITY_SCORE_NAMES.join(', ')}`),
  groupBy: z.enum(QUALITY_GROUP_BY).default('componentType'),
});

export const BenchmarkDurationsQuery = query({
  ...timeRangeShape('30d'),
  model: filterShape.model,
  limit: limitParam(200, 2000),
});

/**
 * Cost groupings. operation is gen_ai.operation.name (embeddings, chat = generation, ...); stage is
 * the pipeline stage whose span carried the cost (classify, map, generate, validate): token and
 * call columns are null for it (stage rollups hold cost only).
 */
export const COST_GROUP_BY = ['operation', 'stage', 'model', 'componentType', 'provider'] as const;
export type CostGroupBy = (typeof COST_GROUP_BY)[number];

export const CostOverTimeQuery = query({
  ...panelShape,
  groupBy: z.enum(['none', ...COST_GROUP_BY]).default('operation'),
});
export const CostBreakdownQuery = query({ ...panelShape, groupBy: z.enum(COST_GROUP_BY).default('operation') });

export const CostComponentsQuery = query({
  ...timeRangeShape('30d'),
  ...filterShape,
  limit: limitParam(50, 1000),
  sort: z.enum(['cost', 'runs', 'costPerRun', 'errors']).default('cost').describe('Descending sort key'),
});

/** The budget panel is about the current calendar month (UTC); only dimension filters apply. */
export const BudgetQuery = query({ componentType: filterShape.componentType, model: filterShape.model });

/** Cost-saving opportunities over a window (default 30 days) with the comparison's knobs. */
export const OpportunitiesQuery = query({
  ...timeRangeShape('30d'),
  componentType: filterShape.componentType,
  model: filterShape.model,
  tolerance: z
    .string()
    .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, 'must be a number from 0 to 1')
    .transform(Number)
    .optional()
    .transform((v) => v ?? 0.02)
    .describe('Largest allowed drop of a quality score (0..1) for a cheaper model to count'),
  minSamples: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number')
    .transform(Number)
    .optional()
    .transform((v) => v ?? 20)
    .describe('Fewest scored runs a model needs on a component type to be compared'),
});

export const TrendsQuery = query({
  ...timeRangeShape('30d'),
  ...filterShape,
  ...bucketShape,
  metric: z.enum(['successRate', 'score']).default('successRate'),
  score: scoreName.optional().transform((v) => v ?? 'visual.pixel_similarity').describe('Score name when metric=score'),
  window: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of buckets')
    .transform(Number)
    .pipe(z.number().int().min(1).max(365))
    .optional()
    .transform((v) => v ?? 7)
    .describe('Rolling-mean window in buckets (default 7)'),
});

/** A non-negative decimal number in a query string (durations in ms, score bounds). */
const decimalParam = z
  .string()
  .max(30)
  .regex(/^\d{1,15}(\.\d{1,12})?$/, 'must be a non-negative decimal number')
  .transform(Number);

/** Orders of the runs list; every order but newest answers one page (no cursor). */
export const RUN_SORTS = ['newest', 'slowest', 'costliest', 'worst'] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export const RunsQuery = query({
  ...timeRangeShape('24h'),
  componentType: filterShape.componentType,
  model: filterShape.model,
  benchmarkRun: filterShape.benchmarkRun,
  service: optionalList('Service name(s) (resource service.name of the process that ran the run); repeated or comma-separated'),
  search: z.string().min(1).max(200).optional().describe('Only runs whose component id contains this text (case-insensitive for ASCII)'),
  predicted: optionalList('Only runs the classifier labelled as this type (the classification.accuracy score label), e.g. componentType=card&predicted=button'),
  status: z.enum(['all', 'ok', 'error']).default('all'),
  minDurationMs: decimalParam.optional().describe('Only runs lasting at least this long (ms, inclusive)'),
  maxDurationMs: decimalParam.optional().describe('Only runs lasting less than this (ms, exclusive)'),
  score: scoreName.optional().describe('Score for scoreMin/scoreMax and sort=worst (default visual.pixel_similarity for sort=worst)'),
  scoreMin: decimalParam.optional().describe('Only runs with a value of `score` at least this (inclusive)'),
  scoreMax: decimalParam.optional().describe('Only runs with a value of `score` below this (exclusive; 1 includes 1)'),
  sort: z.enum(RUN_SORTS).default('newest').describe('newest (paginated by cursor), slowest, costliest, or worst (lowest `score`; one page)'),
  limit: limitParam(50, 500),
  cursor: z.string().max(100).regex(/^\d{1,20}_\d{1,20}$/, 'is not a cursor returned by this API').optional().describe('nextCursor of the previous page'),
}).superRefine((v, ctx) => {
  if ((v.scoreMin !== undefined || v.scoreMax !== undefined) && v.score === undefined) {
    ctx.addIssue({ code: 'custom', path: ['score'], message: 'give score with scoreMin or scoreMax' });
  }
  if (v.cursor !== undefined && v.sort !== 'newest') {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'only sort=newest is paginated' });
  }
  if (v.minDurationMs !== undefined && v.maxDurationMs !== undefined && v.maxDurationMs <= v.minDurationMs) {
    ctx.addIssue({ code: 'custom', path: ['maxDurationMs'], message: 'must be greater than minDurationMs' });
  }
});

export const RunParams = z.strictObject({
  id: z.string().regex(/^\d{1,15}$/, 'must be a run id (a whole number)').transform(Number),
});

export const BenchmarksQuery = query({
  ...timeRangeShape('90d'),
  model: filterShape.model,
  limit: limitParam(50, 500),
  cursor: z.string().max(100).regex(/^\d{1,20}_[\w.:-]{1,200}$/, 'is not a cursor returned by this API').optional(),
});

export const ExportQuery = query({
  ...timeRangeShape('24h'),
  ...filterShape,
  limit: z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .optional()
    .describe('Stop after this many rows (default: all rows)'),
});

export const ExportParams = z.strictObject({
  dataset: z.enum(EXPORT_DATASETS),
  format: z.enum(EXPORT_FORMATS),
});
export const PanelExportParams = z.strictObject({
  panel: z.enum(PANEL_IDS),
  format: z.enum(PANEL_EXPORT_FORMATS),
});

// ---------------------------------------------------------------------------------------------
// Response pieces
// ---------------------------------------------------------------------------------------------

const nullableNumber = z.number().nullable();
const numberSeries = z.array(nullableNumber);
const countSeries = z.array(z.number());
const seriesMap = z.record(z.string(), numberSeries);
const countMap = z.record(z.string(), countSeries);

/**
 * How precise a panel's percentiles are: `exact` (computed from the raw durations) or `sketch`
 * (merged latency sketches whose quantiles are within `relativeError` of the exact value).
 */
export const PercentilePrecision = z.discriminatedUnion('method', [
  z.object({ method: z.literal('exact') }),
  z.object({ method: z.literal('sketch'), relativeError: z.number() }),
]);
export type PercentilePrecision = z.infer<typeof PercentilePrecision>;

/** What the server actually computed: the resolved window, bucket and data source. */
export const ResponseMeta = z.object({
  fromMs: z.number(),
  toMs: z.number(),
  /** Bucket width of `t` (seconds); null for panels without a time axis. */
  bucketSeconds: z.number().nullable(),
  /** 'rollup' (pre-aggregated) or 'raw' (rows; used for benchmark-run filters and exact percentiles). */
  source: z.enum(['rollup', 'raw']),
  /** Filters the panel's data cannot honour (it answers without them). */
  ignoredFilters: z.array(z.string()),
  /**
   * The store holds data produced by the demo generator or a simulated model client (resource or
   * benchmark marked genscope.simulated): the dashboard labels its view as simulated.
   */
  simulated: z.boolean().optional(),
  /** Panels with percentiles (latency KPIs, latency, stages) say how precise they are, for every range. */
  percentiles: PercentilePrecision.optional(),
  /**
   * The span time the answer covers when it differs from fromMs..toMs: per-component panels read
   * an edge whose raw rows retention has pruned from its whole UTC day.
   */
  coveredFromMs: z.number().optional(),
  coveredToMs: z.number().optional(),
});
export type ResponseMeta = z.infer<typeof ResponseMeta>;

export const Percentiles = z.object({ p50: nullableNumber, p95: nullableNumber, p99: nullableNumber, count: z.number() });
export type Percentiles = z.infer<typeof Percentiles>;

// ---------------------------------------------------------------------------------------------
// Response schemas
// ---------------------------------------------------------------------------------------------

export const HealthResponse = z.object({ status: z.literal('ok'), schemaVersion: z.number(), timeMs: z.number() });

export const FilterOptionsResponse = z.object({
  meta: ResponseMeta,
  componentTypes: z.array(z.string()),
  models: z.array(z.string()),
  stages: z.array(z.string()),
  scores: z.array(z.string()),
  operations: z.array(z.string()),
  providers: z.array(z.string()),
  /** service.name values of the processes that recorded runs (the runs list's service filter). */
  services: z.array(z.string()),
  benchmarkRuns: z.array(z.object({ id: z.string(), startedMs: z.number(), model: z.string().nullable(), simulated: z.boolean() })),
});

/** One KPI tile: the value over the window and over the previous window of equal length. */
export const Kpi = z.object({
  value: nullableNumber,
  previous: nullableNumber,
  /** value - previous. */
  delta: nullableNumber,
  /** (value - previous) / |previous|; null when previous is 0 or missing. */
  change: nullableNumber,
});
export type Kpi = z.infer<typeof Kpi>;

export const SUMMARY_KPIS = [
  'runs', 'successRate', 'errorRate', 'latencyP50Ms', 'latencyP95Ms', 'latencyP99Ms', 'costUsd', 'costPerRunUsd',
  'modelCalls', 'tokens', 'cacheHitRate', 'classificationAccuracy', 'mappingConfidence', 'pixelSimilarity',
  'structuralSimilarity', 'codeQuality',
] as const;
export type SummaryKpiName = (typeof SUMMARY_KPIS)[number];

export const SummaryResponse = z.object({
  meta: ResponseMeta,
  previous: z.object({ fromMs: z.number(), toMs: z.number() }),
  kpis: z.object(Object.fromEntries(SUMMARY_KPIS.map((k) => [k, Kpi])) as Record<SummaryKpiName, typeof Kpi>),
});

export const AccuracyResponse = z.object({
  meta: ResponseMeta,
  componentTypes: z.array(z.string()),
  accuracy: numberSeries,
  correct: countSeries,
  total: countSeries,
  overall: z.object({ accuracy: nullableNumber, correct: z.number(), total: z.number() }),
});

export const ConfusionResponse = z.object({
  meta: ResponseMeta,
  /** Row and column labels (union of actual and predicted types, sorted). */
  labels: z.array(z.string()),
  /** counts[i][j]: components of actual type labels[i] classified as labels[j]. */
  counts: z.array(z.array(z.number())),
  total: z.number(),
});

export const DistributionResponse = z.object({
  meta: ResponseMeta,
  score: z.string(),
  /** Bin edges over [0, 1] (length bins + 1). */
  edges: z.array(z.number()),
  counts: countSeries,
  total: z.number(),
  mean: nullableNumber,
  byComponentType: z.object({ componentTypes: z.array(z.string()), mean: numberSeries, count: countSeries }),
});

export const QualityScoresResponse = z.object({
  meta: ResponseMeta,
  t: countSeries,
  /** Series keys: score names (groupBy none) or group values (component type or model). */
  keys: z.array(z.string()),
  /** Mean score per bucket. */
  series: seriesMap,
  counts: countMap,
});

export const QualityBreakdownResponse = z.object({
  meta: ResponseMeta,
  groupBy: z.enum(QUALITY_GROUP_BY),
  groups: z.array(z.string()),
  /** Per score name: mean per group (aligned with groups). */
  series: seriesMap,
  counts: countMap,
});

export const LatencyResponse = z.object({
  meta: ResponseMeta.extend({
    /** true: percentiles from raw durations; false: from mergeable latency sketches (meta.percentiles has the bound). */
    exact: z.boolean(),
  }),
  stages: z.array(z.string()),
  t: countSeries,
  p50: numberSeries,
  p95: numberSeries,
  p99: numberSeries,
  count: countSeries,
  overall: Percentiles.extend({ meanMs: nullableNumber }),
});

export const StagesResponse = z.object({
  meta: ResponseMeta.extend({ exact: z.boolean() }),
  stages: z.array(z.string()),
  count: countSeries,
  errors: countSeries,
  errorRate: numberSeries,
  meanMs: numberSeries,
  p50Ms: numberSeries,
  p95Ms: numberSeries,
  p99Ms: numberSeries,
  totalMs: countSeries,
  /** Share of the summed stage time (0..1). */
  share: numberSeries,
  /** Mean duration per stage per bucket (stacked-area chart). */
  t: countSeries,
  meanMsOverTime: seriesMap,
});

export const HeatmapResponse = z.object({
  meta: ResponseMeta,
  stages: z.array(z.string()),
  t: countSeries,
  /** Latency bucket edges in ms (length = number of latency buckets + 1), log-spaced. */
  edgesMs: z.array(z.number()),
  /** counts[i][j]: spans in time bucket t[i] whose latency falls in [edgesMs[j], edgesMs[j+1]). */
  counts: z.array(z.array(z.number())),
  maxCount: z.number(),
});

export const CacheResponse = z.object({
  meta: ResponseMeta,
  caches: z.array(z.string()),
  t: countSeries,
  hitRate: seriesMap,
  hits: countMap,
  misses: countMap,
  overall: z.object({ caches: z.array(z.string()), hitRate: numberSeries, hits: countSeries, misses: countSeries }),
});

export const BenchmarkDurationsResponse = z.object({
  meta: ResponseMeta,
  id: z.array(z.string()),
  t: countSeries,
  durationMs: countSeries,
  components: numberSeries,
  msPerComponent: numberSeries,
  model: z.array(z.string().nullable()),
  statusCode: countSeries,
  simulated: z.array(z.boolean()),
});

export const CostOverTimeResponse = z.object({
  meta: ResponseMeta,
  groupBy: z.enum(['none', ...COST_GROUP_BY]),
  groups: z.array(z.string()),
  t: countSeries,
  /** USD per bucket per group (0 where nothing was spent). */
  series: countMap,
  total: countSeries,
});

export const CostBreakdownResponse = z.object({
  meta: ResponseMeta,
  groupBy: z.enum(COST_GROUP_BY),
  groups: z.array(z.string()),
  costUsd: countSeries,
  /** Model calls (null for groupBy=stage). */
  calls: numberSeries,
  errors: numberSeries,
  inputTokens: numberSeries,
  outputTokens: numberSeries,
  cachedTokens: numberSeries,
  costPerCallUsd: numberSeries,
  share: numberSeries,
  totalUsd: z.number(),
});

export const CostComponentsResponse = z.object({
  /** Whole UTC days from the daily component rollup, the edges from raw runs: the same window as the other panels. */
  meta: ResponseMeta,
  componentId: z.array(z.string()),
  componentType: z.array(z.string()),
  runs: countSeries,
  errors: countSeries,
  costUsd: countSeries,
  costPerRunUsd: numberSeries,
  meanDurationMs: numberSeries,
  /** Components in the window before the limit. */
  totalComponents: z.number(),
  /**
   * The model spend of the listed components split by stage and operation (map/embeddings is
   * embedding, generate/chat generation, validate/chat validation): key k is (stage[k],
   * operation[k]); costUsd[k][i] and calls[k][i] belong to componentId[i]. From the model calls
   * themselves, so under a model filter only calls of that model count; spend outside any stage
   * has stage ''.
   */
  split: z.object({
    stage: z.array(z.string()),
    operation: z.array(z.string()),
    costUsd: z.array(countSeries),
    calls: z.array(countSeries),
  }),
});

/** PUT /api/v1/budget: the monthly budget for all model spend (USD), or null to remove it. */
export const BudgetSettingInput = z
  .object({
    monthlyBudgetUsd: z
      .number({ message: 'monthlyBudgetUsd must be a number of USD (or null to remove the budget)' })
      .finite()
      .min(0, 'monthlyBudgetUsd must be 0 or more')
      .max(1e12, 'monthlyBudgetUsd must be at most 1e12')
      .nullable(),
  })
  .strict();

/** GET and PUT /api/v1/budget: the stored budget and who set it. */
export const BudgetSettingResponse = z.object({
  monthlyBudgetUsd: nullableNumber,
  source: z.enum(['api', 'config', 'demo']).nullable(),
  updatedAtMs: nullableNumber,
});
export type BudgetSettingResponse = z.infer<typeof BudgetSettingResponse>;

export const BudgetResponse = z.object({
  meta: ResponseMeta,
  monthStartMs: z.number(),
  monthEndMs: z.number(),
  nowMs: z.number(),
  /** This month's spend; the slice's own when `filtered` (so are projectedMonthEndUsd and daily). */
  monthToDateUsd: z.number(),
  /** Month to date plus the daily rate times the days left (analysis projectMonthEnd); null without spend. */
  projectedMonthEndUsd: nullableNumber,
  /**
   * The stored monthly budget for all model spend (PUT /budget, the dashboard, --budget-usd or
   * GENSCOPE_MONTHLY_BUDGET_USD); null when none is set.
   */
  monthlyBudgetUsd: nullableNumber,
  /** Who set the budget last: 'api' (dashboard or PUT /budget), 'config' (flag or environment), 'demo' (simulated history). */
  budgetSource: z.enum(['api', 'config', 'demo']).nullable(),
  budgetUpdatedAtMs: nullableNumber,
  /** Budget left after all of this month's spend (not only the filtered slice's). */
  remainingUsd: nullableNumber,
  /** All spend: mean of the 7 complete UTC days before today (month-to-date rate when there are none). */
  dailyBurnUsd: z.number(),
  /** remaining / dailyBurn (all spend); null when no budget or no spend. */
  runwayDays: nullableNumber,
  /** When the budget runs out at the current burn; null when it does not within the month or is unknown. */
  exhaustionMs: nullableNumber,
  /** Whether all spend is projected past the budget at month end; null without a budget. */
  projectedOverBudget: z.boolean().nullable(),
  /** Whether a component-type or model filter applies: monthToDate, projection and daily are then the slice's. */
  filtered: z.boolean(),
  /** All of this month's spend, whatever the filter (= monthToDateUsd without one). */
  totalMonthToDateUsd: z.number(),
  totalProjectedMonthEndUsd: nullableNumber,
  /** The slice's share of this month's spend (0..1) under a filter; null without one or without spend. */
  shareOfSpend: nullableNumber,
  /** Spend of the previous month up to the same point of the month (null when it has no data). */
  previousMonthToDateUsd: nullableNumber,
  /** The whole previous month's spend (null when it has no data): what the projection compares with. */
  previousMonthUsd: nullableNumber,
  /** Daily spend this month (t = UTC day starts). */
  daily: z.object({ t: countSeries, costUsd: countSeries, cumulativeUsd: countSeries }),
});

/**
 * One row per opportunity (columnar): for a component type, a model cheaper per run than the
 * model that ran the type most, whose mean on every quality score is within the tolerance.
 */
export const OpportunitiesResponse = z.object({
  meta: ResponseMeta,
  tolerance: z.number(),
  minSamples: z.number(),
  /** The quality scores compared. */
  scores: z.array(z.string()),
  componentType: z.array(z.string()),
  currentModel: z.array(z.string()),
  candidateModel: z.array(z.string()),
  /** candidate - current per score. */
  qualityDelta: z.record(z.string(), z.array(z.number().nullable())),
  worstDelta: z.array(z.number()),
  currentCostPerRunUsd: z.array(z.number()),
  candidateCostPerRunUsd: z.array(z.number()),
  currentRuns: z.array(z.number()),
  /** What the current model's runs in the window would have cost less on the candidate. */
  savingsUsd: z.array(z.number()),
  savingsShare: z.array(z.number()),
});

export const TrendsResponse = z.object({
  meta: ResponseMeta,
  metric: z.enum(['successRate', 'score']),
  score: z.string().nullable(),
  window: z.number(),
  componentTypes: z.array(z.string()),
  t: countSeries,
  /** Per component type (and '(all)'): value per bucket. */
  value: seriesMap,
  rollingMean: seriesMap,
  count: countMap,
  /**
   * Least-squares slope of value per day, per component type (and '(all)'); null for windows under
   * 2 days or data spanning under a day (a per-day rate would be an extrapolation).
   */
  slopePerDay: z.record(z.string(), nullableNumber),
  /** The least-squares line's change from the first to the last bucket with data (value units). */
  fittedChange: z.record(z.string(), nullableNumber),
});

export const SpanStatus = z.enum(['unset', 'ok', 'error']);

export const RunRow = z.object({
  id: z.number(),
  traceId: z.string(),
  spanId: z.string(),
  name: z.string(),
  startMs: z.number(),
  durationMs: z.number(),
  status: SpanStatus,
  statusMessage: z.string().nullable(),
  componentId: z.string().nullable(),
  componentType: z.string().nullable(),
  model: z.string().nullable(),
  benchmarkRun: z.string().nullable(),
  costUsd: nullableNumber,
  /** service.name of the process that recorded the run, when known. */
  service: z.string().nullable(),
  /**
   * The model calls of the run's trace within the run's time (the root itself when it is one),
   * whatever instrumentation sent them: how many, how many failed, and their summed tokens
   * (input counts the cache-read and cache-write tokens too, as gen_ai.usage.input_tokens does).
   * A root with unset status whose calls failed has status "error".
   */
  modelCalls: z.number(),
  failedCalls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  /** The run's lowest value of the asked score (sort=worst, or score given); absent otherwise. */
  score: nullableNumber.optional(),
});
export type RunRow = z.infer<typeof RunRow>;

export const RunsResponse = z.object({
  meta: ResponseMeta,
  runs: z.array(RunRow),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});

const JsonValue: z.ZodType<unknown> = z.unknown();

export const SpanEvent = z.object({ name: z.string(), timeMs: z.number(), attributes: z.record(z.string(), JsonValue) });

export const SpanNode = z.object({
  id: z.number(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  /** Depth in the tree (root 0); spans are listed depth-first in start order. */
  depth: z.number(),
  name: z.string(),
  role: z.string(),
  kind: z.number(),
  startMs: z.number(),
  /** Start relative to the run start (ms). */
  offsetMs: z.number(),
  durationMs: z.number(),
  status: SpanStatus,
  statusMessage: z.string().nullable(),
  stage: z.string().nullable(),
  componentType: z.string().nullable(),
  model: z.string().nullable(),
  costUsd: nullableNumber,
  cacheHit: z.boolean().nullable(),
  attributes: z.record(z.string(), JsonValue),
  events: z.array(SpanEvent),
});
export type SpanNode = z.infer<typeof SpanNode>;

export const ScoreRow = z.object({
  spanId: z.string(),
  timeMs: z.number(),
  name: z.string(),
  value: nullableNumber,
  label: z.string().nullable(),
  explanation: z.string().nullable(),
  stage: z.string().nullable(),
});

export const ModelCallRow = z.object({
  spanId: z.string(),
  timeMs: z.number(),
  durationMs: z.number(),
  provider: z.string().nullable(),
  operation: z.string().nullable(),
  requestModel: z.string().nullable(),
  responseModel: z.string().nullable(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedTokens: z.number(),
  costUsd: nullableNumber,
  stage: z.string().nullable(),
});

/** An OTLP log record sent in the run's trace (POST /v1/logs): events, message content, log lines. */
export const LogRecordRow = z.object({
  /** The span it was emitted in, null for a record with trace context only. */
  spanId: z.string().nullable(),
  timeMs: z.number(),
  /** OTLP SeverityNumber, 0 when unspecified. */
  severityNumber: z.number(),
  severityText: z.string().nullable(),
  eventName: z.string().nullable(),
  body: JsonValue,
  attributes: z.record(z.string(), JsonValue),
});
export type LogRecordRow = z.infer<typeof LogRecordRow>;

/** One artefact of a run (the content is at /runs/{id}/artefacts/{name}). */
export const ArtefactRow = z.object({
  name: z.string(),
  /** 'text', 'image' or 'binary' (from the media type). */
  kind: z.enum(['text', 'image', 'binary']),
  mediaType: z.string(),
  /** Size of the content served. */
  bytes: z.number().int(),
  /** Size before the producer truncated it (= bytes when not truncated). */
  originalBytes: z.number().int(),
  truncated: z.boolean(),
  /** The span that recorded it, and that span's stage. */
  spanId: z.string(),
  stage: z.string().nullable(),
});
export type ArtefactRow = z.infer<typeof ArtefactRow>;

export const RunArtefactsResponse = z.object({
  /** In the order they were recorded (span start, then name). */
  artefacts: z.array(ArtefactRow),
});
export type RunArtefactsResponse = z.infer<typeof RunArtefactsResponse>;

/** Path of /runs/:id/artefacts/:name. */
export const RunArtefactParams = z.strictObject({
  id: z.string().regex(/^\d{1,15}$/, 'must be a run id (a whole number)').transform(Number),
  name: z.string().min(1).max(200),
});
export type RunArtefactParams = z.output<typeof RunArtefactParams>;

export const RunDetailResponse = z.object({
  run: RunRow,
  spans: z.array(SpanNode),
  scores: z.array(ScoreRow),
  modelCalls: z.array(ModelCallRow),
  /** The trace's log records in time order, at most RUN_DETAIL_MAX_LOGS (the first ones). */
  logs: z.array(LogRecordRow),
});

/** Log records listed in one run's detail; a run with more lists its first ones. */
export const RUN_DETAIL_MAX_LOGS = 1000;

export const BenchmarkRow = z.object({
  id: z.string(),
  traceId: z.string().nullable(),
  pipeline: z.string().nullable(),
  pipelineVersion: z.string().nullable(),
  model: z.string().nullable(),
  startedMs: z.number(),
  durationMs: z.number(),
  components: nullableNumber,
  status: SpanStatus,
  simulated: z.boolean(),
});
export type BenchmarkRow = z.infer<typeof BenchmarkRow>;

export const BenchmarksResponse = z.object({
  meta: ResponseMeta,
  benchmarks: z.array(BenchmarkRow),
  nextCursor: z.string().nullable(),
});

export const ERROR_CODES = [
  'invalid_parameter', 'bad_request', 'unauthorized', 'not_found', 'method_not_allowed', 'payload_too_large',
  'unsupported_media_type', 'internal', 'forbidden', 'misdirected_request', 'store_unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ApiError = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** The offending parameter (dotted path), for invalid_parameter. */
    param: z.string().optional(),
  }),
});

// ---------------------------------------------------------------------------------------------
// Inferred types (z.input = what a client sends; z.output = what a handler receives)
// ---------------------------------------------------------------------------------------------

export type PanelQueryInput = z.input<typeof PanelQuery>;
export type PanelQuery = z.output<typeof PanelQuery>;
export type FilterOptionsQuery = z.output<typeof FilterOptionsQuery>;
export type SummaryQuery = z.output<typeof SummaryQuery>;
export type DistributionQuery = z.output<typeof DistributionQuery>;
export type QualityScoresQuery = z.output<typeof QualityScoresQuery>;
export type QualityBreakdownQuery = z.output<typeof QualityBreakdownQuery>;
export type BenchmarkDurationsQuery = z.output<typeof BenchmarkDurationsQuery>;
export type CostOverTimeQuery = z.output<typeof CostOverTimeQuery>;
export type CostBreakdownQuery = z.output<typeof CostBreakdownQuery>;
export type CostComponentsQuery = z.output<typeof CostComponentsQuery>;
export type BudgetQuery = z.output<typeof BudgetQuery>;
export type OpportunitiesQuery = z.output<typeof OpportunitiesQuery>;
export type TrendsQuery = z.output<typeof TrendsQuery>;
export type RunsQuery = z.output<typeof RunsQuery>;
export type RunParams = z.output<typeof RunParams>;
export type BenchmarksQuery = z.output<typeof BenchmarksQuery>;
export type ExportQuery = z.output<typeof ExportQuery>;
export type ExportParams = z.output<typeof ExportParams>;
export type PanelExportParams = z.output<typeof PanelExportParams>;

export type HealthResponse = z.infer<typeof HealthResponse>;
export type FilterOptionsResponse = z.infer<typeof FilterOptionsResponse>;
export type SummaryResponse = z.infer<typeof SummaryResponse>;
export type AccuracyResponse = z.infer<typeof AccuracyResponse>;
export type ConfusionResponse = z.infer<typeof ConfusionResponse>;
export type DistributionResponse = z.infer<typeof DistributionResponse>;
export type QualityScoresResponse = z.infer<typeof QualityScoresResponse>;
export type QualityBreakdownResponse = z.infer<typeof QualityBreakdownResponse>;
export type LatencyResponse = z.infer<typeof LatencyResponse>;
export type StagesResponse = z.infer<typeof StagesResponse>;
export type HeatmapResponse = z.infer<typeof HeatmapResponse>;
export type CacheResponse = z.infer<typeof CacheResponse>;
export type BenchmarkDurationsResponse = z.infer<typeof BenchmarkDurationsResponse>;
export type CostOverTimeResponse = z.infer<typeof CostOverTimeResponse>;
export type CostBreakdownResponse = z.infer<typeof CostBreakdownResponse>;
export type CostComponentsResponse = z.infer<typeof CostComponentsResponse>;
export type BudgetResponse = z.infer<typeof BudgetResponse>;
export type OpportunitiesResponse = z.infer<typeof OpportunitiesResponse>;
export type TrendsResponse = z.infer<typeof TrendsResponse>;
export type SpanEvent = z.infer<typeof SpanEvent>;
export type ScoreRow = z.infer<typeof ScoreRow>;
export type ModelCallRow = z.infer<typeof ModelCallRow>;
export type RunsResponse = z.infer<typeof RunsResponse>;
export type RunDetailResponse = z.infer<typeof RunDetailResponse>;
export type BenchmarksResponse = z.infer<typeof BenchmarksResponse>;
export type ApiError = z.infer<typeof ApiError>;

// ---------------------------------------------------------------------------------------------
// OTLP metrics (what senders export on /v1/metrics, charted by name)
// ---------------------------------------------------------------------------------------------

const metricName = shortString.describe('Metric name as sent, e.g. gen_ai.client.operation.duration');
const attributeKey = z
  .string()
  .min(1)
  .max(256)
  .describe('A data-point attribute key to split the series by, e.g. gen_ai.request.model');

export const OtlpMetricNamesQuery = query({ ...timeRangeShape('24h') });
export type OtlpMetricNamesQuery = z.output<typeof OtlpMetricNamesQuery>;
export const OtlpMetricSeriesQuery = query({
  ...timeRangeShape('24h'),
  ...bucketShape,
  name: metricName.optional().describe('Metric name as sent; default the first name stored (see /metrics)'),
  groupBy: attributeKey.optional(),
});
export type OtlpMetricSeriesQuery = z.output<typeof OtlpMetricSeriesQuery>;

const OtlpMetricType = z.enum(['sum', 'gauge', 'histogram', 'exp_histogram']);

export const OtlpMetricNamesResponse = z.object({
  meta: ResponseMeta,
  metrics: z.array(
    z.object({
      name: z.string(),
      unit: z.string().nullable(),
      type: OtlpMetricType,
      /** 'delta', 'cumulative', or null for gauges. */
      temporality: z.enum(['delta', 'cumulative']).nullable(),
      /** Distinct series (resource, scope, attributes) in the window. */
      series: z.number(),
      points: z.number(),
      lastMs: z.number(),
      /** Data-point attribute keys seen (the groupBy choices). */
      attributeKeys: z.array(z.string()),
    }),
  ),
});
export type OtlpMetricNamesResponse = z.infer<typeof OtlpMetricNamesResponse>;

const nullableSeries = z.array(z.number().nullable());

export const OtlpMetricSeriesResponse = z.object({
  meta: ResponseMeta,
  name: z.string(),
  unit: z.string().nullable(),
  type: OtlpMetricType,
  temporality: z.enum(['delta', 'cumulative']).nullable(),
  /** What `values` holds: 'increase' (sums: added in the bucket), 'mean' (gauges), 'count' (histograms). */
  valueKind: z.enum(['increase', 'mean', 'count']),
  groupBy: z.string().nullable(),
  /** Group labels (attribute values; '' for points without the attribute), largest first. */
  groups: z.array(z.string()),
  t: z.array(z.number()),
  series: z.record(
    z.string(),
    z.object({
      values: nullableSeries,
      sum: nullableSeries.optional(),
      p50: nullableSeries.optional(),
      p95: nullableSeries.optional(),
      p99: nullableSeries.optional(),
    }),
  ),
});
export type OtlpMetricSeriesResponse = z.infer<typeof OtlpMetricSeriesResponse>;

// ---------------------------------------------------------------------------------------------
// Model calls (every GenAI call, from genscope's own spans or any convention ingest recognises)
// ---------------------------------------------------------------------------------------------

export const ModelCallsQuery = query({
  ...timeRangeShape('24h'),
  service: optionalList('Service name(s) (resource service.name of the process that made the calls); repeated or comma-separated'),
  model: optionalList('Model identity (the request model family), repeated or comma-separated'),
  provider: optionalList('Provider id (semantic-convention value, e.g. openai), repeated or comma-separated'),
  operation: optionalList('GenAI operation (chat, embeddings, ...), repeated or comma-separated'),
});
export type ModelCallsQuery = z.output<typeof ModelCallsQuery>;

const nullableMs = z.number().nullable();

export const ModelCallGroup = z.object({
  /** The model identity calls group under (failed and successful calls together). */
  model: z.string().nullable(),
  provider: z.string().nullable(),
  operation: z.string().nullable(),
  calls: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  /** Median time to first token over the calls that reported one; null when none did. */
  ttftP50Ms: nullableMs,
  ttftCalls: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  reasoningTokens: z.number(),
  /** Cost of the priced calls (sender's own cost when sent, else the price book's); null when none is priced. */
  costUsd: z.number().nullable(),
  /** Calls with tokens but no cost: neither sent nor in the price book (not counted as $0). */
  unpricedCalls: z.number().int(),
  /** Calls that carried the sender's own cost, its sum, and the price book's cost of the same calls. */
  senderCostCalls: z.number().int(),
  senderCostUsd: z.number().nullable(),
  pricedCostUsd: z.number().nullable(),
  /** senderCostUsd - pricedCostUsd over the calls that have both; null when none has. */
  senderDiffUsd: z.number().nullable(),
  /** The exact response models reported for these calls (details of the identity). */
  responseModels: z.array(z.string()),
});
export type ModelCallGroup = z.infer<typeof ModelCallGroup>;

export const ModelCallsResponse = z.object({
  meta: ResponseMeta,
  groups: z.array(ModelCallGroup),
  unpricedCalls: z.number().int(),
  /** What to do about unpriced calls (a price override), null when every call is priced. */
  unpricedHint: z.string().nullable(),
});
export type ModelCallsResponse = z.infer<typeof ModelCallsResponse>;

// ---------------------------------------------------------------------------------------------
// Compare (two models, two benchmark runs or two time ranges, judged with the gate's statistics)
// ---------------------------------------------------------------------------------------------

/** Runs read per side at most (the newest); meta.capped says when a side had more. */
export const COMPARE_MAX_RUNS = 20_000;
export const COMPARE_SIDES = ['a', 'b'] as const;
export type CompareSide = (typeof COMPARE_SIDES)[number];

const sideShape = <S extends CompareSide>(side: S) =>
  ({
    [`${side}.model`]: shortString.optional().describe(`Side ${side}: only runs of this model`),
    [`${side}.benchmarkRun`]: shortString.optional().describe(`Side ${side}: only runs of this benchmark run id (excludes ${side}.model)`),
    [`${side}.range`]: z.enum(RANGE_PRESET_NAMES).optional().describe(`Side ${side}: preset window ending at ${side}.to (or now); default 30d for a side without a benchmark run`),
    [`${side}.from`]: timeParam.optional().describe(`Side ${side}: start of the window (inclusive); excludes ${side}.range`),
    [`${side}.to`]: timeParam.optional().describe(`Side ${side}: end of the window (exclusive); default now`),
  }) as Record<`${S}.model` | `${S}.benchmarkRun` | `${S}.range`, z.ZodOptional<z.ZodString>> & Record<`${S}.from` | `${S}.to`, z.ZodOptional<typeof timeParam>>;

const boundedDecimal = (def: number, ok: (v: number) => boolean, bounds: string, what: string) =>
  z
    .string()
    .max(30)
    .regex(/^\d{1,6}(\.\d{1,12})?$/, 'must be a non-negative decimal number')
    .transform(Number)
    .refine(ok, `must be ${bounds}`)
    .optional()
    .transform((v) => v ?? def)
    .describe(what);

export const CompareQuery = z
  .strictObject({
    ...sideShape('a'),
    ...sideShape('b'),
    componentType: filterShape.componentType,
    stage: optionalList('Not supported: Compare judges runs end to end (refused when given)'),
    alpha: boundedDecimal(0.01, (v) => v > 0 && v < 0.5, 'greater than 0 and less than 0.5', 'Family-wise significance level (Holm-adjusted), as `genscope gate --alpha` (default 0.01)'),
    minChange: boundedDecimal(5, (v) => v <= 1000, 'at most 1000', 'Smallest change in percent that counts as better or worse, as `genscope gate --min-change` (default 5)'),
  })
  .superRefine((v, ctx) => {
    const q = v as Record<string, unknown>;
    if (v.stage.length > 0)
      ctx.addIssue({ code: 'custom', path: ['stage'], message: 'is not supported by compare: it compares whole pipeline runs (end to end); drop stage' });
    for (const side of COMPARE_SIDES) {
      const k = (name: string) => `${side}.${name}`;
      const has = (name: string) => q[k(name)] !== undefined;
      if (!has('model') && !has('benchmarkRun') && !has('range') && !has('from'))
        ctx.addIssue({ code: 'custom', path: [k('model')], message: `side ${side} is missing: give ${k('model')}, ${k('benchmarkRun')} or a time range (${k('range')} or ${k('from')})` });
      if (has('model') && has('benchmarkRun')) ctx.addIssue({ code: 'custom', path: [k('benchmarkRun')], message: `give either ${k('model')} or ${k('benchmarkRun')}, not both` });
      if (has('range') && has('from')) ctx.addIssue({ code: 'custom', path: [k('range')], message: `give either ${k('range')} or ${k('from')}, not both` });
      const from = q[k('from')] as number | undefined;
      const to = q[k('to')] as number | undefined;
      if (from !== undefined && to !== undefined) {
        if (from >= to) ctx.addIssue({ code: 'custom', path: [k('from')], message: `must be before ${k('to')}` });
        else if (to - from > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: [k('from')], message: 'the range is at most 400 days' });
      }
    }
  });
export type CompareQuery = z.output<typeof CompareQuery>;

const CompareVerdict = z.enum(['better', 'worse', 'no significant change', 'insufficient data']);
export type CompareVerdict = z.infer<typeof CompareVerdict>;

export const CompareMetric = z.object({
  /** Stable key, as the gate's: 'quality:mapping.confidence', 'success_rate', 'latency_p95', 'cost_per_run'. */
  metric: z.string(),
  label: z.string(),
  unit: z.enum(['score', 'rate', 'ms', 'usd']),
  higherIsBetter: z.boolean(),
  a: nullableNumber,
  b: nullableNumber,
  /** b - a. */
  difference: nullableNumber,
  /** (b - a) / |a| * 100. */
  changePercent: nullableNumber,
  pValue: nullableNumber,
  test: z.enum(['welch', 'mann_whitney', 'proportion', 'quantile_exceedance']).nullable(),
  nA: z.number().int(),
  nB: z.number().int(),
  /** Significant after the Holm adjustment over the metrics of its table. */
  significant: z.boolean(),
  /** b against a: the gate's 'improved' is better, 'regressed' is worse. */
  verdict: CompareVerdict,
});
export type CompareMetric = z.infer<typeof CompareMetric>;

export const CompareKpis = z.object({
  runs: z.number().int(),
  successRate: nullableNumber,
  /** Mean classification.accuracy score. */
  accuracy: nullableNumber,
  p50Ms: nullableNumber,
  p95Ms: nullableNumber,
  costPerRunUsd: nullableNumber,
  totalCostUsd: z.number(),
  /** Mean of each quality score. */
  scores: z.record(z.string(), z.number()),
});
export type CompareKpis = z.infer<typeof CompareKpis>;

const CompareSideInfo = z.object({
  /** For people: 'model gpt-4o-mini, last 30d', 'benchmark run bench-3'. */
  label: z.string(),
  model: z.string().nullable(),
  benchmarkRun: z.string().nullable(),
  /** The runs' time window; null for a benchmark run side without one. */
  fromMs: nullableNumber,
  toMs: nullableNumber,
  /** More runs matched than COMPARE_MAX_RUNS: only the newest are compared. */
  capped: z.boolean(),
  kpis: CompareKpis,
});

export const CompareGroup = z.object({
  key: z.string(),
  runsA: z.number().int(),
  runsB: z.number().int(),
  better: z.number().int(),
  worse: z.number().int(),
  metrics: z.array(CompareMetric),
});
export type CompareGroup = z.infer<typeof CompareGroup>;

export const CompareResponse = z.object({
  meta: z.object({
    alpha: z.number(),
    minChangePercent: z.number(),
    maxRunsPerSide: z.number().int(),
    /** True when either side was capped at maxRunsPerSide runs. */
    capped: z.boolean(),
    simulated: z.boolean(),
    componentTypes: z.array(z.string()),
    /** How the per-component verdicts share one Holm family. */
    note: z.string(),
  }),
  a: CompareSideInfo,
  b: CompareSideInfo,
  /** Every metric, b against a, over all runs (one Holm family, as the gate's). */
  metrics: z.array(CompareMetric),
  /** The same per component type (each type one family). */
  componentTypes: z.array(CompareGroup),
  /** Components with a metric significantly better or worse (one Holm family across all components), most changes first. */
  components: z.array(CompareGroup),
  /** Components compared in all (with runs on both sides). */
  componentsCompared: z.number().int(),
});
export type CompareResponse = z.infer<typeof CompareResponse>;

/** Every documented GET endpoint: path (under /api/v1), query schema, response schema, summary. */
export const ENDPOINTS = {
  '/health': { query: null, response: HealthResponse, summary: 'Liveness and schema version' },
  '/filters': { query: FilterOptionsQuery, response: FilterOptionsResponse, summary: 'Component types, models, stages, scores and benchmark runs present in the window' },
  '/summary': { query: SummaryQuery, response: SummaryResponse, summary: 'KPIs with the change against the previous window of equal length' },
  '/quality/accuracy': { query: PanelQuery, response: AccuracyResponse, summary: 'Classification accuracy by component type' },
  '/quality/confusion': { query: PanelQuery, response: ConfusionResponse, summary: 'Classification confusion matrix (actual x predicted)' },
  '/quality/distribution': { query: DistributionQuery, response: DistributionResponse, summary: 'Distribution of a score (default mapping confidence) in 20 bins' },
  '/quality/scores': { query: QualityScoresQuery, response: QualityScoresResponse, summary: 'Mean quality scores over time, optionally split by component type or model' },
  '/quality/breakdown': { query: QualityBreakdownQuery, response: QualityBreakdownResponse, summary: 'Mean quality scores by component type or model' },
  '/performance/latency': { query: PanelQuery, response: LatencyResponse, summary: 'Latency p50/p95/p99 over time; end-to-end unless stage is given' },
  '/performance/stages': { query: PanelQuery, response: StagesResponse, summary: 'Per-stage latency breakdown' },
  '/performance/models': {
    query: ModelCallsQuery,
    response: ModelCallsResponse,
    summary: 'Model calls by model, provider and operation: latency percentiles, error rate, tokens, time to first token, cost and unpriced calls',
  },
  '/performance/heatmap': { query: PanelQuery, response: HeatmapResponse, summary: 'Latency heatmap: time x latency bucket counts' },
  '/performance/cache': { query: PanelQuery, response: CacheResponse, summary: 'Cache hit rate by cache over time' },
  '/performance/benchmarks': { query: BenchmarkDurationsQuery, response: BenchmarkDurationsResponse, summary: 'Benchmark run durations' },
  '/cost/over-time': { query: CostOverTimeQuery, response: CostOverTimeResponse, summary: 'Model cost over time by operation, model, component type or provider' },
  '/cost/breakdown': { query: CostBreakdownQuery, response: CostBreakdownResponse, summary: 'Model cost by operation, model, component type or provider' },
  '/cost/components': { query: CostComponentsQuery, response: CostComponentsResponse, summary: 'Cost per component' },
  '/cost/budget': { query: BudgetQuery, response: BudgetResponse, summary: 'Month-to-date cost, projected month end and budget runway' },
  '/cost/opportunities': {
    query: OpportunitiesQuery,
    response: OpportunitiesResponse,
    summary: 'Cheaper models whose quality on a component type is within a tolerance of the current one',
  },
  '/trends': { query: TrendsQuery, response: TrendsResponse, summary: 'Success rate or a quality score by component type over time, with rolling mean and slope' },
  '/runs': { query: RunsQuery, response: RunsResponse, summary: 'Pipeline runs, newest first (keyset pagination)' },
  '/runs/{id}': { query: null, response: RunDetailResponse, summary: "One run's span tree with attributes, events, scores and model calls" },
  '/runs/{id}/artefacts': { query: null, response: RunArtefactsResponse, summary: "The run's recorded artefacts (prompt, response, code, renders): name, kind, media type, size, span" },
  '/benchmarks': { query: BenchmarksQuery, response: BenchmarksResponse, summary: 'Benchmark runs, newest first' },
  '/metrics': { query: OtlpMetricNamesQuery, response: OtlpMetricNamesResponse, summary: 'OTLP metrics received in the window: names, types, series and attribute keys' },
  '/compare': {
    query: CompareQuery,
    response: CompareResponse,
    summary: 'Two models, benchmark runs or time ranges side by side: KPIs, scores and the gate’s verdict per metric, per component type and per component',
  },
  '/metrics/series': {
    query: OtlpMetricSeriesQuery,
    response: OtlpMetricSeriesResponse,
    summary: 'One OTLP metric over time: increase per bucket (sums), mean (gauges) or count and p50/p95/p99 (histograms), optionally split by an attribute',
  },
} as const;
