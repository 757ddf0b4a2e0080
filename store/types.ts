/**
 * The store's contract: what every engine (SQLite, the embedded default; ClickHouse, past one
 * machine) implements, and what the API, the alerts and the gate read through. Everything is
 * async so an engine behind a network connection fits; the SQLite store answers synchronously
 * inside. Panel answers have the response shapes of schema/api.ts whatever the engine.
 *
 * Engine-neutral on purpose: no SQL, no table names, no row shapes of one engine. The one
 * SQLite-shaped member is `alertStateDb` (see there for why and how another engine keeps it).
 */
import type {
  AccuracyResponse,
  BenchmarkDurationsQuery,
  BenchmarkDurationsResponse,
  BenchmarksQuery,
  BenchmarksResponse,
  BudgetQuery,
  BudgetResponse,
  CacheResponse,
  ConfusionResponse,
  CostBreakdownQuery,
  CostBreakdownResponse,
  CostComponentsQuery,
  CostComponentsResponse,
  CostOverTimeQuery,
  CostOverTimeResponse,
  DistributionQuery,
  DistributionResponse,
  ExportDataset,
  ExportQuery,
  FilterOptionsQuery,
  FilterOptionsResponse,
  HeatmapResponse,
  LatencyResponse,
  OpportunitiesQuery,
  OpportunitiesResponse,
  ModelCallsQuery,
  ModelCallsResponse,
  OtlpMetricNamesQuery,
  OtlpMetricNamesResponse,
  OtlpMetricSeriesQuery,
  OtlpMetricSeriesResponse,
  PanelId,
  PanelQuery,
  QualityBreakdownQuery,
  QualityBreakdownResponse,
  QualityScoresQuery,
  QualityScoresResponse,
  RunDetailResponse,
  RunArtefactsResponse,
  RunsQuery,
  RunsResponse,
  StagesResponse,
  SummaryQuery,
  SummaryResponse,
  TrendsQuery,
  TrendsResponse,
} from '../schema/api';
import type { AlertDimension, AlertFilters, AlertLabels, AlertMetric } from '../schema/alerts';
import type { LogRecordRecord, MetricPointRecord, SpanRecord } from '../schema/records';
import type { Db } from './sqlite/db';
import type { StoreWriterStats } from './sqlite/writer';
import type { RetentionStats } from './sqlite/retention';
import type { TelemetryWriter, WriteResult } from './writer-types';

/** Each panel's validated query (schema/api.ts) ... */
export interface PanelQueries {
  summary: SummaryQuery;
  'quality-accuracy': PanelQuery;
  'quality-confusion': PanelQuery;
  'quality-distribution': DistributionQuery;
  'quality-scores': QualityScoresQuery;
  'quality-breakdown': QualityBreakdownQuery;
  'performance-latency': PanelQuery;
  'performance-stages': PanelQuery;
  'performance-heatmap': PanelQuery;
  'performance-cache': PanelQuery;
  'performance-benchmarks': BenchmarkDurationsQuery;
  'cost-over-time': CostOverTimeQuery;
  'cost-breakdown': CostBreakdownQuery;
  'cost-components': CostComponentsQuery;
  'cost-budget': BudgetQuery;
  'cost-opportunities': OpportunitiesQuery;
  trends: TrendsQuery;
}

/** ... and its answer. */
export interface PanelResponses {
  summary: SummaryResponse;
  'quality-accuracy': AccuracyResponse;
  'quality-confusion': ConfusionResponse;
  'quality-distribution': DistributionResponse;
  'quality-scores': QualityScoresResponse;
  'quality-breakdown': QualityBreakdownResponse;
  'performance-latency': LatencyResponse;
  'performance-stages': StagesResponse;
  'performance-heatmap': HeatmapResponse;
  'performance-cache': CacheResponse;
  'performance-benchmarks': BenchmarkDurationsResponse;
  'cost-over-time': CostOverTimeResponse;
  'cost-breakdown': CostBreakdownResponse;
  'cost-components': CostComponentsResponse;
  'cost-budget': BudgetResponse;
  'cost-opportunities': OpportunitiesResponse;
  trends: TrendsResponse;
}

/** What a read needs besides its query: the request's "now" and the server's settings. */
export interface ReadContext {
  /** The app clock's now for this request (epoch ms). */
  nowMs: number;
  /** Monthly budget for the runway card, when one is set. */
  monthlyBudgetUsd: number | null;
  /** Who set it (the settings table); absent: from configuration. */
  budgetSource?: 'api' | 'config' | 'demo';
  budgetUpdatedAtMs?: number;
}

/** One value of an export row (CSV cell / JSON value). */
export type ExportValue = string | number | null;
/** One row as values in the dataset's column order. */
export type ExportRow = ExportValue[];

/** What an export dataset looks like for a query: its columns and the filters it cannot apply. */
export interface ExportShape {
  columns: readonly string[];
  /** Columns holding JSON text (written as JSON values, not strings, in json/ndjson). */
  jsonColumns: readonly string[];
  /** Filters of the query the dataset has no column for (it exports without them). */
  ignoredFilters: string[];
}

/** An alert rule's metric, filters and grouping (see schema/alerts.ts). */
export interface MetricScope {
  metric: AlertMetric;
  filters: AlertFilters;
  groupBy: readonly AlertDimension[];
}

export interface TimeRange {
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
}

export interface GroupValue {
  key: string;
  labels: AlertLabels;
  /** null when the group has no data the metric can use (e.g. no cache lookups). */
  value: number | null;
  /** Data points behind the value: scores, spans, model calls or cache lookups. */
  count: number;
}

export interface BucketValue extends GroupValue {
  /** Start of the bucket, epoch ms. */
  bucketMs: number;
}

export interface GroupSamples {
  key: string;
  labels: AlertLabels;
  values: number[];
}

/** One stored quality score, for change detection over the history. */
export interface ScoreSample {
  name: string;
  /** '' when the score has no component type. */
  componentType: string;
  /** '' when the score has no model. */
  model: string;
  timeMs: number;
  value: number;
}

export interface ScoreSampleSet {
  samples: ScoreSample[];
  /** 1 when every stored score of the range is in samples; k when a random 1 in k is. */
  stride: number;
}

/** A benchmark run (one `genscope pipeline run` or demo day), as the gate picks them. */
export interface BenchmarkRunInfo {
  id: string;
  startedMs: number;
  model: string | null;
  pipeline: string | null;
  pipelineVersion: string | null;
  components: number | null;
  simulated: boolean;
}

/** The raw per-component values of one benchmark run, for the gate's two-sample tests. */
export interface RunSamples {
  /** Quality score values by score name. */
  scores: Record<string, number[]>;
  /** Per pipeline run: 1 when it succeeded, 0 when it failed. */
  success: number[];
  /** End-to-end durations of the pipeline runs, ms. */
  durationsMs: number[];
  /** Model-call cost per component (run-span cost when no model calls were recorded), USD. */
  componentCostsUsd: number[];
}

/** One side of a comparison (GET /api/v1/compare): which runs, and the shared filters. */
export interface CompareSelector {
  /** Only runs of this model (the run span's model). */
  model: string | null;
  /** Only runs of this benchmark run id. */
  benchmarkRun: string | null;
  /** Runs starting in this range; null: any time (a benchmark run side). */
  range: TimeRange | null;
  /** Only these component types (empty: all). */
  componentTypes: readonly string[];
}

/** One pipeline run of a comparison side. */
export interface CompareRunSample {
  /** '' when the run has no component type / id. */
  componentType: string;
  componentId: string;
  ok: boolean;
  durationMs: number;
  /** The run's model cost (its span's cost, else its model calls'), USD; 0 when unknown. */
  costUsd: number;
}

/** One quality score recorded for a comparison side's runs. */
export interface CompareScoreSample {
  name: string;
  componentType: string;
  componentId: string;
  value: number;
}

/** The raw values of one comparison side, oldest run first. */
export interface CompareSamples {
  runs: CompareRunSample[];
  scores: CompareScoreSample[];
  /** True when the side had more than maxRuns runs: only the newest maxRuns (and their time's scores) are here. */
  capped: boolean;
}

/** How long the store keeps what: read by the grain planner, so no read asks for pruned rows. */
export interface RetentionPolicy {
  /** Raw rows (spans, scores, model calls, metric points) live this many days. */
  retentionDays: number;
  /** Minute rollups live this many days: min(retentionDays, 7) unless configured. */
  minuteRollupRetentionDays: number;
}

/** A running retention schedule (prunes now, then at each interval). */
export interface RetentionHandle {
  readonly stats: RetentionStats;
  /** Stops the schedule and waits for a prune in progress; safe to call twice. */
  stop(): Promise<void>;
}

/** How precise the percentiles of a panel answer are (schema/api.ts ResponseMeta.percentiles). */
export type { PercentilePrecision } from '../schema/api';

/** The health of the store itself, for /api/v1/health and /health/self. */
export interface StoreHealth {
  engine: 'sqlite' | 'clickhouse';
  /** Highest applied migration. */
  schemaVersion: number;
  /** Bytes on disk, when the engine can tell. */
  sizeBytes: number | null;
  /** Human-readable problems (empty when healthy). */
  problems: string[];
}

/**
 * The telemetry store. One writer (exporters and OTLP ingest write through `writeSpans` /
 * `writeMetricPoints`) and one reader: the panels, the runs list and detail, the exports, the
 * alert metrics and the gate all read through the methods below, with one grain planner
 * (store/window.ts) that honours `retention`, so a tile and an alert over the same window can
 * never disagree.
 */
export interface TelemetryStore {
  readonly engine: 'sqlite' | 'clickhouse';
  readonly retention: RetentionPolicy;

  /**
   * Stores spans with their scores, model calls, benchmark runs and rollups, atomically. Records
   * from other senders come as OTLP ingest maps them (GenAI conventions applied, store/conventions);
   * the ClickHouse store's extractor applies the conventions to everything it reads from otel_traces.
   */
  writeSpans(spans: readonly SpanRecord[]): Promise<WriteResult>;
  /** Stores metric data points, atomically. */
  writeMetricPoints(points: readonly MetricPointRecord[]): Promise<WriteResult>;
  /** Stores OTLP log records; `gen_ai.evaluation.result` events among them become scores. */
  writeLogRecords(records: readonly LogRecordRecord[]): Promise<WriteResult>;

  /** One dashboard panel from its validated query; meta says simulated and percentile precision. */
  panel<K extends PanelId>(id: K, query: PanelQueries[K], ctx: ReadContext): Promise<PanelResponses[K]>;
  filterOptions(query: FilterOptionsQuery, ctx: ReadContext): Promise<FilterOptionsResponse>;
  runs(query: RunsQuery, ctx: ReadContext): Promise<RunsResponse>;
  /** One run's span tree; rejects with a QueryError(404) when there is no such run. */
  run(id: number, ctx: ReadContext): Promise<RunDetailResponse>;
  /** The run's artefacts (prompt, response, code, renders); 404 when there is no such run. */
  artefacts(id: number, ctx: ReadContext): Promise<RunArtefactsResponse>;
  /** One artefact's content and media type; 404 naming the run or the name that is missing. */
  artefact(id: number, name: string, ctx: ReadContext): Promise<{ mediaType: string; content: Buffer }>;
  benchmarks(query: BenchmarksQuery, ctx: ReadContext): Promise<BenchmarksResponse>;
  /** OTLP metrics senders exported to /v1/metrics in the window: names, types, attribute keys. */
  otlpMetricNames(query: OtlpMetricNamesQuery, ctx: ReadContext): Promise<OtlpMetricNamesResponse>;
  /** One OTLP metric per time bucket (store/otlp-metrics.ts); 404 when no such metric is stored. */
  otlpMetricSeries(query: OtlpMetricSeriesQuery, ctx: ReadContext): Promise<OtlpMetricSeriesResponse>;
  /** Model calls by model identity, provider and operation (latency, errors, tokens, cost, unpriced calls). */
  modelCalls(query: ModelCallsQuery, ctx: ReadContext): Promise<ModelCallsResponse>;
  /** Whether the store holds simulated (demo) data, so answers can say so. */
  simulated(): Promise<boolean>;

  /** Columns of an export dataset and the query's filters it ignores. */
  exportShape(dataset: ExportDataset, query: ExportQuery): ExportShape;
  /**
   * Stored rows of a dataset over the query's window (resolved at ctx.nowMs, as
   * store/window.ts resolveWindow does) with the API's filters, oldest first, in bounded chunks.
   */
  exportRows(dataset: ExportDataset, query: ExportQuery, ctx: ReadContext): AsyncIterable<ExportRow[]>;

  /** An alert metric per group over a range (the same rollups and segments as the panels). */
  metricAggregates(scope: MetricScope, range: TimeRange): Promise<GroupValue[]>;
  /** An alert metric per group and time bucket (epoch-aligned buckets of bucketMillis). */
  metricSeries(scope: MetricScope, range: TimeRange, bucketMillis: number): Promise<BucketValue[]>;
  /** Raw samples per group for statistical tests, newest first, at most maxSamples a group. */
  metricSamples(scope: MetricScope, range: TimeRange, maxSamples?: number): Promise<GroupSamples[]>;
  /** The time span of the stored telemetry (scores and model calls), or null when empty. */
  dataRange(): Promise<TimeRange | null>;
  /** At most about maxSamples quality scores of the range, spread uniformly over it (change detection). */
  scoreSamples(range: TimeRange, maxSamples: number): Promise<ScoreSampleSet>;

  /** Benchmark runs, oldest first (the gate picks its current and baseline run here). */
  benchmarkRuns(): Promise<BenchmarkRunInfo[]>;
  /** The raw values of one benchmark run (empty lists for an unknown id). */
  runSamples(runId: string): Promise<RunSamples>;

  /** The runs and scores of one side of a comparison, at most maxRuns runs (the newest). */
  compareRuns(side: CompareSelector, maxRuns: number): Promise<CompareSamples>;

  /** Deletes raw rows and rollups past `retention` as of nowMs; returns how many rows went. */
  prune(nowMs: number): Promise<{ deletedRows: number }>;
  /** Prunes now and then every intervalMillis, in small batches, until stopped. */
  startRetention(intervalMillis: number, onError?: (err: unknown) => void): RetentionHandle;
  health(): Promise<StoreHealth>;
  /** Writer counters for self-observation (/health/self, self-metrics). */
  readonly writerStats: StoreWriterStats;

  /**
   * The SQLite database for what is not telemetry: alert rules, states, events and deliveries
   * (alerts/store.ts keeps them with SQL), and the synchronous writer the SDK exporters of the
   * server's self-metrics need (`localWriter`). For the SQLite engine it is the telemetry file
   * itself. Another engine opens a small local SQLite file (OpenStoreOptions.stateFile) with the
   * same migrations and keeps those tables there, until alerts get an interface of their own.
   */
  readonly alertStateDb: Db;
  /** Synchronous writer into alertStateDb (the SQLite engine: the telemetry writer itself). */
  readonly localWriter: TelemetryWriter;

  /** Closes the store (the SQLite file, or the engine's connection); safe to call twice. */
  close(): Promise<void>;
}
