/**
 * The store's contract: what every engine (SQLite, the embedded default; ClickHouse, past one
 * machine) implements, and what the API, the alerts and the gate read through. Everything is
 * async so an engine behind a network connection fits; the SQLite store answers synchronously
 * inside. Panel answers have the response shapes of schema/api.ts whatever the engine.
 */
import type {
  BenchmarksQuery,
  BenchmarksResponse,
  ExportDataset,
  ExportQuery,
  FilterOptionsQuery,
  FilterOptionsResponse,
  PanelId,
  RunDetailResponse,
  RunsQuery,
  RunsResponse,
} from '../schema/api';
import type { AlertDimension, AlertFilters, AlertLabels, AlertMetric } from '../schema/alerts';
import type { MetricPointRecord, SpanRecord } from '../schema/records';
import type { WriteResult } from './writer-types';

/** What a read needs besides its query: the request's "now" and the server's settings. */
export interface ReadContext {
  /** The app clock's now for this request (epoch ms). */
  nowMs: number;
  /** Monthly budget for the runway card, when configured. */
  monthlyBudgetUsd: number | null;
}

/** One value of an export row (CSV cell / JSON value). */
export type ExportValue = string | number | boolean | null;
export type ExportRow = ExportValue[];

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
 * alert metrics and the gate all read through the methods below, so a tile and an alert over the
 * same window can never disagree.
 */
export interface TelemetryStore {
  readonly engine: 'sqlite' | 'clickhouse';

  /** Stores spans with their scores, model calls, benchmark runs and rollups, atomically. */
  writeSpans(spans: readonly SpanRecord[]): Promise<WriteResult>;
  /** Stores metric data points, atomically. */
  writeMetricPoints(points: readonly MetricPointRecord[]): Promise<WriteResult>;

  /** One dashboard panel; `query` is the panel's validated query (schema/api.ts). */
  panel(id: PanelId, query: object, ctx: ReadContext): Promise<object>;
  filterOptions(query: FilterOptionsQuery, ctx: ReadContext): Promise<FilterOptionsResponse>;
  runs(query: RunsQuery, ctx: ReadContext): Promise<RunsResponse>;
  /** One run's span tree; rejects with a QueryError(404) when there is no such run. */
  run(id: string, ctx: ReadContext): Promise<RunDetailResponse>;
  benchmarks(query: BenchmarksQuery, ctx: ReadContext): Promise<BenchmarksResponse>;
  /** Whether the store holds simulated (demo) data, so answers can say so. */
  simulated(): Promise<boolean>;

  /** Columns of an export dataset, in row order. */
  exportColumns(dataset: ExportDataset): readonly string[];
  /** Stored rows of a dataset over a window with the API's filters, in bounded chunks. */
  exportRows(dataset: ExportDataset, query: ExportQuery, ctx: ReadContext): AsyncIterable<ExportRow[]>;

  /** An alert metric per group over a range (the same rollups and segments as the panels). */
  metricAggregates(scope: MetricScope, range: TimeRange): Promise<GroupValue[]>;
  /** An alert metric per group and time bucket. */
  metricSeries(scope: MetricScope, range: TimeRange, bucketMillis: number): Promise<BucketValue[]>;
  /** Raw samples per group for statistical tests, newest first, at most maxSamples a group. */
  metricSamples(scope: MetricScope, range: TimeRange, maxSamples?: number): Promise<GroupSamples[]>;

  /** Deletes raw rows and rollups past their retention; returns what it removed. */
  prune(nowMs: number): Promise<{ deletedRows: number }>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
