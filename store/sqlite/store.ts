/**
 * SqliteStore: the TelemetryStore over one SQLite file. It wraps the writer (writer.ts), the panel
 * registry (panels.ts), the export datasets, the alert metrics, the gate's reads, retention and
 * health; every read is planned by store/window.ts against the configured retention. Answers are
 * computed synchronously (better-sqlite3) and handed back as promises, as the interface asks.
 */
import type {
  BenchmarksQuery,
  ExportDataset,
  ExportQuery,
  FilterOptionsQuery,
  OtlpMetricNamesQuery,
  OtlpMetricNamesResponse,
  OtlpMetricSeriesQuery,
  OtlpMetricSeriesResponse,
  ModelCallsQuery,
  ModelCallsResponse,
  PanelId,
  RunsQuery,
} from '../../schema/api';
import { otlpMetricNames, otlpMetricSeries } from './queries/otlp-metrics';
import { modelCalls } from './queries/model-calls';
import type { LogRecordRecord, MetricPointRecord, SpanRecord } from '../../schema/records';
import type {
  BenchmarkRunInfo,
  BucketValue,
  CompareSamples,
  CompareSelector,
  ExportRow,
  ExportShape,
  GroupSamples,
  GroupValue,
  MetricScope,
  PanelQueries,
  PanelResponses,
  ReadContext,
  RetentionHandle,
  RetentionPolicy,
  RunSamples,
  ScoreSampleSet,
  StoreHealth,
  TelemetryStore,
  TimeRange,
} from '../types';
import type { WriteResult } from '../writer-types';
import type { PlanContext } from '../window';
import { MetricReadWorker } from './metric-reads';
import type { MetricReadWorkerOptions } from './metric-reads';
import { resolveWindow } from '../window';
import type { Db } from './db';
import { StoreWriter } from './writer';
import type { StoreWriterOptions, StoreWriterStats } from './writer';
import { DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS, RetentionScheduler, pruneOnce } from './retention';
import { readAggregates, readBucketSeries, readDataRange, readSamples, readScoreSamples } from './alert-metrics';
import { readBenchmarkRuns, readRunSamples } from './benchmark-runs';
import { readCompareSamples } from './compare-samples';
import { datasetChunks, datasetColumns, datasetIgnoredFilters, datasetJsonColumns } from './export-datasets';
import { SQLITE_PANELS } from './panels';
import type { PanelQueryFn } from './panels';
import { simulatedPresent } from './queries/context';
import type { QueryContext } from './queries/context';
import { benchmarksList } from './queries/benchmarks-list';
import { filterOptions } from './queries/filter-options';
import { runDetail } from './queries/run-detail';
import { runArtefact, runArtefacts } from './queries/artefacts';
import { runsList } from './queries/runs-list';
import { get } from './queries/sql';

/** Raw rows live this long unless configured (genscope serve --retention-days). */
export const DEFAULT_RETENTION_DAYS = 90;
/** Exact percentiles from raw rows when the scan touches at most this many end-to-end runs. */
export const DEFAULT_EXACT_PERCENTILE_MAX_ROWS = 20_000;

export interface SqliteStoreOptions {
  /** Raw rows are pruned after this many days (default 90). */
  retentionDays?: number;
  /** Minute rollups are pruned after this many days (default min(retentionDays, 7)). */
  minuteRollupRetentionDays?: number;
  /** Exact percentiles up to this many raw rows (default 20 000; stage spans a fifth). */
  exactPercentileMaxRows?: number;
  /** The writer's options (prices, busy retries, cardinality bound). */
  writer?: StoreWriterOptions;
  /** An existing writer on the same database (the exporters' one), instead of a new one. */
  existingWriter?: StoreWriter;
  /**
   * Epoch-ms now for planning alert reads (which minute rollups retention has kept); default
   * Date.now. Panel reads plan against their request's ReadContext.nowMs.
   */
  clock?: () => number;
  /** Close the database with the store (default true). */
  ownsDb?: boolean;
  /**
   * The alert metric reads (metricAggregates, metricSeries, metricSamples) in a worker thread on
   * their own read-only connection, so the evaluator's pass never stalls requests (the server's
   * setting). Ignored for `:memory:`. Default false: on the caller's connection.
   */
  offThreadMetricReads?: boolean | MetricReadWorkerOptions;
}

export class SqliteStore implements TelemetryStore {
  readonly engine = 'sqlite' as const;
  readonly retention: RetentionPolicy;
  /** The synchronous writer (SDK exporters need no async hop); also `localWriter`. */
  readonly writer: StoreWriter;
  private readonly exactPercentileMaxRows: number;
  private readonly clock: () => number;
  private readonly ownsDb: boolean;
  private readonly metricWorker: MetricReadWorker | null;

  constructor(
    readonly db: Db,
    options: SqliteStoreOptions = {},
  ) {
    const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.retention = {
      retentionDays,
      minuteRollupRetentionDays: options.minuteRollupRetentionDays ?? Math.min(retentionDays, DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS),
    };
    this.writer = options.existingWriter ?? new StoreWriter(db, options.writer ?? {});
    this.exactPercentileMaxRows = options.exactPercentileMaxRows ?? DEFAULT_EXACT_PERCENTILE_MAX_ROWS;
    this.clock = options.clock ?? Date.now;
    this.ownsDb = options.ownsDb ?? true;
    const off = options.offThreadMetricReads;
    this.metricWorker = off && !db.memory ? new MetricReadWorker(db.name, off === true ? {} : off) : null;
  }

  get alertStateDb(): Db {
    return this.db;
  }

  get localWriter(): StoreWriter {
    return this.writer;
  }

  get writerStats(): StoreWriterStats {
    return this.writer.stats;
  }

  /** The panel queries' context for a request. */
  queryContext(ctx: ReadContext): QueryContext {
    return {
      db: this.db,
      nowMs: ctx.nowMs,
      monthlyBudgetUsd: ctx.monthlyBudgetUsd,
      ...(ctx.budgetSource !== undefined ? { budgetSource: ctx.budgetSource } : {}),
      ...(ctx.budgetUpdatedAtMs !== undefined ? { budgetUpdatedAtMs: ctx.budgetUpdatedAtMs } : {}),
      exactPercentileMaxRows: this.exactPercentileMaxRows,
      minuteRollupRetentionDays: this.retention.minuteRollupRetentionDays,
      retentionDays: this.retention.retentionDays,
    };
  }

  private plan(): PlanContext {
    return { nowMs: this.clock(), minuteRollupRetentionDays: this.retention.minuteRollupRetentionDays };
  }

  private labelled<T extends object>(body: T): T {
    const m = (body as { meta?: { simulated?: boolean } }).meta;
    if (m) m.simulated = simulatedPresent(this.db);
    return body;
  }

  async writeSpans(spans: readonly SpanRecord[]): Promise<WriteResult> {
    return this.writer.writeSpans(spans);
  }

  async writeMetricPoints(points: readonly MetricPointRecord[]): Promise<WriteResult> {
    return this.writer.writeMetricPoints(points);
  }

  async writeLogRecords(records: readonly LogRecordRecord[]): Promise<WriteResult> {
    return this.writer.writeLogRecords(records);
  }

  async panel<K extends PanelId>(id: K, query: PanelQueries[K], ctx: ReadContext): Promise<PanelResponses[K]> {
    const fn = SQLITE_PANELS[id] as PanelQueryFn<K>;
    return this.labelled(fn(this.queryContext(ctx), query));
  }

  async filterOptions(query: FilterOptionsQuery, ctx: ReadContext) {
    return this.labelled(filterOptions(this.queryContext(ctx), query));
  }

  async runs(query: RunsQuery, ctx: ReadContext) {
    return runsList(this.queryContext(ctx), query);
  }

  async run(id: number, ctx: ReadContext) {
    return runDetail(this.queryContext(ctx), id);
  }

  async artefacts(id: number, ctx: ReadContext) {
    return runArtefacts(this.queryContext(ctx), id);
  }

  async artefact(id: number, name: string, ctx: ReadContext) {
    return runArtefact(this.queryContext(ctx), id, name);
  }

  async benchmarks(query: BenchmarksQuery, ctx: ReadContext) {
    return benchmarksList(this.queryContext(ctx), query);
  }

  async otlpMetricNames(query: OtlpMetricNamesQuery, ctx: ReadContext): Promise<OtlpMetricNamesResponse> {
    return this.labelled(otlpMetricNames(this.queryContext(ctx), query));
  }

  async otlpMetricSeries(query: OtlpMetricSeriesQuery, ctx: ReadContext): Promise<OtlpMetricSeriesResponse> {
    return this.labelled(otlpMetricSeries(this.queryContext(ctx), query));
  }

  async modelCalls(query: ModelCallsQuery, ctx: ReadContext): Promise<ModelCallsResponse> {
    return this.labelled(modelCalls(this.queryContext(ctx), query));
  }

  async simulated(): Promise<boolean> {
    return simulatedPresent(this.db);
  }

  exportShape(dataset: ExportDataset, query: ExportQuery): ExportShape {
    return { columns: datasetColumns(dataset), jsonColumns: datasetJsonColumns(dataset), ignoredFilters: datasetIgnoredFilters(dataset, query) };
  }

  async *exportRows(dataset: ExportDataset, query: ExportQuery, ctx: ReadContext): AsyncIterable<ExportRow[]> {
    const w = resolveWindow(query, this.queryContext(ctx), '24h');
    // Chunks, not one open iterator: other requests use the connection between them.
    for (const chunk of datasetChunks(this.db, dataset, w, query)) yield chunk;
  }

  async metricAggregates(scope: MetricScope, range: TimeRange): Promise<GroupValue[]> {
    if (this.metricWorker) return this.metricWorker.read({ kind: 'aggregates', scope, range, plan: this.plan() });
    return readAggregates(this.db, scope, range, this.plan());
  }

  async metricSeries(scope: MetricScope, range: TimeRange, bucketMillis: number): Promise<BucketValue[]> {
    if (this.metricWorker) return this.metricWorker.read({ kind: 'series', scope, range, bucketMillis, plan: this.plan() });
    return readBucketSeries(this.db, scope, range, bucketMillis, this.plan());
  }

  async metricSamples(scope: MetricScope, range: TimeRange, maxSamples?: number): Promise<GroupSamples[]> {
    if (this.metricWorker) return this.metricWorker.read({ kind: 'samples', scope, range, maxSamples, plan: this.plan() });
    return readSamples(this.db, scope, range, maxSamples, this.plan());
  }

  async dataRange(): Promise<TimeRange | null> {
    return readDataRange(this.db);
  }

  async scoreSamples(range: TimeRange, maxSamples: number): Promise<ScoreSampleSet> {
    return readScoreSamples(this.db, range, maxSamples);
  }

  async benchmarkRuns(): Promise<BenchmarkRunInfo[]> {
    return readBenchmarkRuns(this.db);
  }

  async runSamples(runId: string): Promise<RunSamples> {
    return readRunSamples(this.db, runId);
  }

  async compareRuns(side: CompareSelector, maxRuns: number): Promise<CompareSamples> {
    return readCompareSamples(this.db, side, maxRuns);
  }

  async prune(nowMs: number): Promise<{ deletedRows: number }> {
    const r = pruneOnce(this.db, { ...this.retention, nowMillis: nowMs });
    return { deletedRows: Object.values(r.deleted).reduce((a, b) => a + b, 0) };
  }

  startRetention(intervalMillis: number, onError?: (err: unknown) => void): RetentionHandle {
    const scheduler = new RetentionScheduler(this.db, { ...this.retention, ...(onError ? { onError } : {}) });
    scheduler.start(intervalMillis);
    return scheduler;
  }

  async health(): Promise<StoreHealth> {
    const v = get<{ v: number | null }>(this.db, { sql: 'SELECT MAX(version) AS v FROM schema_migrations', params: [] });
    const pages = get<{ n: number }>(this.db, { sql: 'SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()', params: [] });
    return { engine: 'sqlite', schemaVersion: v?.v ?? 0, sizeBytes: pages?.n ?? null, problems: [] };
  }

  async close(): Promise<void> {
    await this.metricWorker?.close();
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
