/**
 * ClickHouseStore: the TelemetryStore on ClickHouse. Reads the Collector's `otel_traces` through
 * the extractor (genscope's own tables, filled off the Collector's insert path) and answers every
 * panel, the runs list and detail, benchmarks, exports and alert metrics from genscope's tables
 * with the SQLite store's response shapes. Writes (OTLP ingest when no Collector is used) go into
 * otel_traces in the exporter's row shape, then through the same extractor.
 */
import type {
  BenchmarkDurationsQuery,
  BenchmarksQuery,
  BenchmarksResponse,
  BudgetQuery,
  CostBreakdownQuery,
  CostComponentsQuery,
  CostOverTimeQuery,
  DistributionQuery,
  ExportDataset,
  ExportQuery,
  FilterOptionsQuery,
  FilterOptionsResponse,
  OtlpMetricNamesQuery,
  OtlpMetricNamesResponse,
  OtlpMetricSeriesQuery,
  OtlpMetricSeriesResponse,
  ModelCallsQuery,
  ModelCallsResponse,
  OpportunitiesQuery,
  PanelId,
  PanelQuery,
  QualityBreakdownQuery,
  QualityScoresQuery,
  RunDetailResponse,
  RunArtefactsResponse,
  RunsQuery,
  RunsResponse,
  SummaryQuery,
  TrendsQuery,
} from '../../schema/api';
import type { LogRecordRecord, MetricPointRecord, PriceBook, SpanRecord } from '../../schema/records';
import type { WriteResult } from '../writer-types';
import { logRecordProblem } from '../log-rows';
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
import { resolveWindow } from '../window';
import { openDatabase } from '../sqlite/db';
import type { Db } from '../sqlite/db';
import { StoreWriter, emptyWriterStats } from '../sqlite/writer';
import type { StoreWriterStats } from '../sqlite/writer';
import type { RetentionStats } from '../sqlite/retention';
import { benchmarkRuns, dataRange, runSamples, scoreSamples } from './gate-reads';
import { compareSamples } from './compare-samples';
import { runArtefact, runArtefacts } from './artefacts';
import type { ArtefactSource } from './artefacts';
import { modelCalls } from './model-calls';
import { metricAggregates, metricSamples, metricSeries } from './alert-metrics';
import { openClickHouse } from './client';
import type { ChClient } from './client';
import type { ClickHouseStoreConfig } from './config';
import type { ChContext } from './context';
import type { TracesVariant } from './ddl';
import { extractOnce } from './extract';
import type { ExtractResult } from './extract';
import { createTracesTable, detectTracesSchema, migrateClickHouse } from './migrate';
import { writeOtelSpans } from './otel-writer';
import { detectLogsTable, logRecordToOtelRow } from './otel-logs';
import type { LogsTable } from './otel-logs';
import { existingMetricTables, otlpMetricNames, otlpMetricSeries, writeOtelMetrics } from './otel-metrics';
import { OTEL_METRIC_TABLES } from './ddl';
import {
  budget,
  costBreakdown,
  costComponents,
  costOpportunities,
  costOverTime,
  summary,
} from './panels-cost';
import {
  benchmarkDurations,
  cacheHitRate,
  latencyHeatmap,
  latencyPercentiles,
  stageBreakdown,
} from './panels-performance';
import {
  classificationAccuracy,
  confusionMatrix,
  qualityBreakdown,
  qualityScores,
  scoreDistribution,
  trends,
} from './panels-quality';
import { benchmarksList, exportChunks, exportShape, filterOptions, runDetail, runsList, simulatedPresent } from './runs';

export interface ClickHouseStoreOptions {
  config: ClickHouseStoreConfig;
  /** Prices for GenAI spans that carry tokens but no cost. */
  prices?: PriceBook;
  /** Exact percentiles from raw spans up to this many in the window; sketches past it. */
  exactPercentileMaxRows?: number;
  /** How late a span may reach otel_traces and still be extracted. */
  lateAllowanceMillis?: number;
  /**
   * Create otel_traces (this variant) when it does not exist: genscope as the writer, with no
   * Collector. Off by default: against a Collector's database a missing table is an error.
   */
  createTracesTable?: TracesVariant;
  /** How often the extractor runs in the background; 0 = only on demand (tests call extract()). */
  extractIntervalMillis?: number;
  /** The clock of the extractor's watermark (epoch ms). */
  clock?: () => number;
  /**
   * The local SQLite file for alert rules, states, events and deliveries and the server's
   * self-metrics (TelemetryStore.alertStateDb): ClickHouse has no tables for them yet. Default
   * ':memory:' (nothing kept across restarts; `genscope serve --store` passes a side file).
   */
  stateFile?: string;
}

/** Retention as the grain planner sees it when a TTL is off (null): kept, for a century. */
const KEPT_DAYS = 36_500;

export const DEFAULT_CLICKHOUSE_EXACT_MAX_ROWS = 2_000_000;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function invalid(s: SpanRecord): string | null {
  if (!HEX32.test(s.traceId) || /^0+$/.test(s.traceId)) return `span ${s.name}: invalid trace id`;
  if (!HEX16.test(s.spanId) || /^0+$/.test(s.spanId)) return `span ${s.name}: invalid span id`;
  if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId))
    return `span ${s.name}: invalid parent span id`;
  if (typeof s.name !== 'string' || s.name.length === 0) return 'span without a name';
  if (typeof s.startNs !== 'bigint' || typeof s.endNs !== 'bigint' || s.startNs <= 0n)
    return `span ${s.name}: missing start or end time`;
  return null;
}

export class ClickHouseStore implements TelemetryStore {
  readonly engine = 'clickhouse' as const;
  private timer: NodeJS.Timeout | null = null;
  private extracting: Promise<ExtractResult> | null = null;
  private lastError: string | null = null;
  private closed = false;
  /** otel_logs once seen (looked for again by each pass until the Collector creates it). */
  private logs: LogsTable | null = null;
  readonly retention: RetentionPolicy;
  /** Counters of writes into otel_traces (genscope as the writer), for /health/self. */
  readonly writerStats: StoreWriterStats = emptyWriterStats();
  readonly localWriter: StoreWriter;

  private constructor(
    private readonly ch: ChClient,
    private readonly options: ClickHouseStoreOptions,
    readonly variant: TracesVariant,
    readonly alertStateDb: Db,
  ) {
    // TTL drops raw rows after retention_days; no minute rollups exist, so fine buckets come from
    // the raw rows and live as long.
    const days = options.config.retentionDays ?? KEPT_DAYS;
    this.retention = { retentionDays: days, minuteRollupRetentionDays: days };
    this.localWriter = new StoreWriter(alertStateDb);
  }

  /** Connects, applies genscope's migrations and checks otel_traces (its variant, its columns). */
  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const ch = openClickHouse(options.config);
    try {
      await migrateClickHouse(ch, options.config);
      if (options.createTracesTable) await createTracesTable(ch, options.config, options.createTracesTable);
      const schema = await detectTracesSchema(ch, options.config.database, options.config.tracesTable);
      const store = new ClickHouseStore(ch, options, schema.variant, openDatabase(options.stateFile ?? ':memory:'));
      const every = options.extractIntervalMillis ?? 5000;
      if (every > 0) {
        store.timer = setInterval(() => {
          store.extract().catch(() => undefined); // recorded in lastError; reported by health()
        }, every);
        store.timer.unref();
      }
      return store;
    } catch (err) {
      await ch.close();
      throw err;
    }
  }

  private get database(): string {
    return this.options.config.database;
  }

  private ctx(c: ReadContext): ChContext {
    return {
      ch: this.ch,
      db: this.database,
      nowMs: c.nowMs,
      minuteRollupRetentionDays: this.retention.minuteRollupRetentionDays,
      monthlyBudgetUsd: c.monthlyBudgetUsd,
      ...(c.budgetSource !== undefined ? { budgetSource: c.budgetSource } : {}),
      ...(c.budgetUpdatedAtMs !== undefined ? { budgetUpdatedAtMs: c.budgetUpdatedAtMs } : {}),
      exactMaxRows: this.options.exactPercentileMaxRows ?? DEFAULT_CLICKHOUSE_EXACT_MAX_ROWS,
    };
  }

  /**
   * One extraction pass (passes never overlap: a call during one waits for it and runs after).
   * logsFromNs: read evaluation records from this instant on, whatever the watermark (records
   * genscope itself just wrote, however old their timestamps).
   */
  async extract(logsFromNs?: bigint): Promise<ExtractResult> {
    const previous = this.extracting;
    const run = (async () => {
      if (previous) await previous.catch(() => undefined);
      try {
        const logs = await this.logsTable();
        const r = await extractOnce(
          this.ch,
          {
            database: this.database,
            tracesTable: this.options.config.tracesTable,
            variant: this.variant,
            logs,
            ...(logsFromNs !== undefined ? { logsFromNs } : {}),
            ...(this.options.prices ? { prices: this.options.prices } : {}),
            ...(this.options.lateAllowanceMillis !== undefined
              ? { lateAllowanceMillis: this.options.lateAllowanceMillis }
              : {}),
          },
          (this.options.clock ?? Date.now)(),
        );
        this.lastError = null;
        return r;
      } catch (err) {
        this.lastError = (err as Error).message;
        throw err;
      }
    })();
    this.extracting = run;
    return run;
  }

  private async logsTable(): Promise<LogsTable | null> {
    this.logs ??= await detectLogsTable(this.ch, this.database, this.options.config.logsTable);
    return this.logs;
  }

  /**
   * OTLP log records into otel_logs (the exporter's row shape), then extracted at once: the
   * evaluation records among them become scores. Refused by name when there is no otel_logs.
   */
  async writeLogRecords(records: readonly LogRecordRecord[]): Promise<WriteResult> {
    const logs = await this.logsTable();
    if (!logs)
      return {
        accepted: 0,
        rejected: records.length,
        warnings: [`ClickHouse table ${this.database}.${this.options.config.logsTable} does not exist; create it (genscope clickhouse migrate --traces map) or let the Collector write logs`],
      };
    const warnings: string[] = [];
    const good = records.filter((r) => {
      const problem = logRecordProblem(r);
      if (problem && warnings.length < 20) warnings.push(problem);
      return problem === null;
    });
    try {
      await this.ch.insert(logs.table, good.map((r) => logRecordToOtelRow(r, logs.variant)));
    } catch (err) {
      this.failed(err);
      throw err;
    }
    this.writerStats.batches++;
    this.writerStats.logRecords += good.length;
    this.writerStats.rejected += records.length - good.length;
    let oldest: bigint | undefined;
    for (const r of good) if (oldest === undefined || r.timeNs < oldest) oldest = r.timeNs;
    const r = await this.extract(oldest);
    this.writerStats.evaluationScores += r.logScores;
    return { accepted: good.length, rejected: records.length - good.length, warnings };
  }

  async writeSpans(spans: readonly SpanRecord[]): Promise<WriteResult> {
    const warnings: string[] = [];
    const good: SpanRecord[] = [];
    for (const s of spans) {
      const why = invalid(s);
      if (why) {
        if (warnings.length < 20) warnings.push(why);
      } else good.push(s);
    }
    // Acknowledged once in otel_traces (durable); the extractor derives genscope's rows from there.
    try {
      await writeOtelSpans(this.ch, this.options.config.tracesTable, good, this.variant);
    } catch (err) {
      this.failed(err);
      throw err;
    }
    this.writerStats.batches++;
    this.writerStats.spans += good.length;
    this.writerStats.rejected += spans.length - good.length;
    await this.extract();
    return { accepted: good.length, rejected: spans.length - good.length, warnings };
  }

  private failed(err: unknown): void {
    this.writerStats.failures++;
    this.writerStats.lastError = err instanceof Error ? err.message : String(err);
    this.writerStats.lastFailureAtMillis = Date.now();
  }

  /** Metric points into the Collector's otel_metrics_* tables (the exporter's row shapes). */
  async writeMetricPoints(points: readonly MetricPointRecord[]): Promise<WriteResult> {
    const tables = await existingMetricTables(this.ch, this.database);
    const good: MetricPointRecord[] = [];
    const missing = new Set<string>();
    let unnamed = 0;
    for (const p of points) {
      if (!tables.includes(p.type)) missing.add(OTEL_METRIC_TABLES[p.type]);
      else if (typeof p.name !== 'string' || p.name.length === 0 || typeof p.timeNs !== 'bigint') unnamed++;
      else good.push(p);
    }
    const warnings: string[] = [];
    if (missing.size > 0)
      warnings.push(`ClickHouse table(s) ${[...missing].join(', ')} do not exist; create them (genscope clickhouse migrate --traces map) or let the Collector write metrics`);
    if (unnamed > 0) warnings.push('metric point without a name or time');
    try {
      await writeOtelMetrics(this.ch, good);
    } catch (err) {
      this.failed(err);
      throw err;
    }
    this.writerStats.batches++;
    this.writerStats.metricPoints += good.length;
    this.writerStats.rejected += points.length - good.length;
    return { accepted: good.length, rejected: points.length - good.length, warnings };
  }

  async panel<K extends PanelId>(id: K, query: PanelQueries[K], c: ReadContext): Promise<PanelResponses[K]> {
    return this.labelled((await this.answer(id, query, c)) as PanelResponses[K]);
  }

  /** meta.simulated, as the SQLite store labels its answers. */
  private async labelled<T extends object>(body: T): Promise<T> {
    const m = (body as { meta?: { simulated?: boolean } }).meta;
    if (m) m.simulated = await this.simulated();
    return body;
  }

  /** The panel functions by id (each returns its own response type; panel() names it). */
  private async answer(id: PanelId, query: object, c: ReadContext): Promise<object> {
    const ctx = this.ctx(c);
    switch (id) {
      case 'summary':
        return summary(ctx, query as SummaryQuery);
      case 'quality-accuracy':
        return classificationAccuracy(ctx, query as PanelQuery);
      case 'quality-confusion':
        return confusionMatrix(ctx, query as PanelQuery);
      case 'quality-distribution':
        return scoreDistribution(ctx, query as DistributionQuery);
      case 'quality-scores':
        return qualityScores(ctx, query as QualityScoresQuery);
      case 'quality-breakdown':
        return qualityBreakdown(ctx, query as QualityBreakdownQuery);
      case 'performance-latency':
        return latencyPercentiles(ctx, query as PanelQuery);
      case 'performance-stages':
        return stageBreakdown(ctx, query as PanelQuery);
      case 'performance-heatmap':
        return latencyHeatmap(ctx, query as PanelQuery);
      case 'performance-cache':
        return cacheHitRate(ctx, query as PanelQuery);
      case 'performance-benchmarks':
        return benchmarkDurations(ctx, query as BenchmarkDurationsQuery);
      case 'cost-over-time':
        return costOverTime(ctx, query as CostOverTimeQuery);
      case 'cost-breakdown':
        return costBreakdown(ctx, query as CostBreakdownQuery);
      case 'cost-components':
        return costComponents(ctx, query as CostComponentsQuery);
      case 'cost-budget':
        return budget(ctx, query as BudgetQuery);
      case 'cost-opportunities':
        return costOpportunities(ctx, query as OpportunitiesQuery);
      case 'trends':
        return trends(ctx, query as TrendsQuery);
    }
  }

  async filterOptions(query: FilterOptionsQuery, c: ReadContext): Promise<FilterOptionsResponse> {
    return this.labelled(await filterOptions(this.ctx(c), query));
  }

  runs(query: RunsQuery, c: ReadContext): Promise<RunsResponse> {
    return runsList(this.ctx(c), query);
  }

  async run(id: number, c: ReadContext): Promise<RunDetailResponse> {
    return runDetail(this.ctx(c), String(id), await this.logsTable());
  }

  /** A run's artefacts, read with their content from otel_traces (genscope_spans keeps them without). */
  artefacts(id: number): Promise<RunArtefactsResponse> {
    return runArtefacts({ ch: this.ch, db: this.database }, this.artefactSource, id);
  }

  artefact(id: number, name: string): Promise<{ mediaType: string; content: Buffer }> {
    return runArtefact({ ch: this.ch, db: this.database }, this.artefactSource, id, name);
  }

  private get artefactSource(): ArtefactSource {
    return { tracesTable: this.options.config.tracesTable, variant: this.variant };
  }

  benchmarks(query: BenchmarksQuery, c: ReadContext): Promise<BenchmarksResponse> {
    return benchmarksList(this.ctx(c), query);
  }

  /** OTLP metrics from the Collector's otel_metrics_* tables (none when it writes no metrics). */
  async otlpMetricNames(query: OtlpMetricNamesQuery, c: ReadContext): Promise<OtlpMetricNamesResponse> {
    return this.labelled(await otlpMetricNames(this.ctx(c), await existingMetricTables(this.ch, this.database), query));
  }

  async modelCalls(query: ModelCallsQuery, c: ReadContext): Promise<ModelCallsResponse> {
    return this.labelled(await modelCalls(this.ctx(c), query));
  }

  async otlpMetricSeries(query: OtlpMetricSeriesQuery, c: ReadContext): Promise<OtlpMetricSeriesResponse> {
    return this.labelled(await otlpMetricSeries(this.ctx(c), await existingMetricTables(this.ch, this.database), query));
  }

  simulated(): Promise<boolean> {
    return simulatedPresent({ ch: this.ch, db: this.database });
  }

  exportShape(dataset: ExportDataset, query: ExportQuery): ExportShape {
    return exportShape(dataset, query);
  }

  exportRows(dataset: ExportDataset, query: ExportQuery, c: ReadContext): AsyncIterable<ExportRow[]> {
    const ctx = this.ctx(c);
    return exportChunks(ctx, dataset, resolveWindow(query, ctx, '24h'), query);
  }

  metricAggregates(scope: MetricScope, range: TimeRange): Promise<GroupValue[]> {
    return metricAggregates({ ch: this.ch, db: this.database }, scope, range);
  }

  metricSeries(scope: MetricScope, range: TimeRange, bucketMillis: number): Promise<BucketValue[]> {
    return metricSeries({ ch: this.ch, db: this.database }, scope, range, bucketMillis);
  }

  metricSamples(scope: MetricScope, range: TimeRange, maxSamples?: number): Promise<GroupSamples[]> {
    return metricSamples({ ch: this.ch, db: this.database }, scope, range, maxSamples);
  }

  dataRange(): Promise<TimeRange | null> {
    return dataRange({ ch: this.ch, db: this.database });
  }

  scoreSamples(range: TimeRange, maxSamples: number): Promise<ScoreSampleSet> {
    return scoreSamples({ ch: this.ch, db: this.database }, range, maxSamples);
  }

  benchmarkRuns(): Promise<BenchmarkRunInfo[]> {
    return benchmarkRuns({ ch: this.ch, db: this.database });
  }

  runSamples(runId: string): Promise<RunSamples> {
    return runSamples({ ch: this.ch, db: this.database }, runId);
  }

  compareRuns(side: CompareSelector, maxRuns: number): Promise<CompareSamples> {
    return compareSamples({ ch: this.ch, db: this.database }, side, maxRuns);
  }

  /** Retention is TTL on every table (whole daily parts dropped by merges): nothing to delete here. */
  prune(): Promise<{ deletedRows: number }> {
    return Promise.resolve({ deletedRows: 0 });
  }

  /** TTL merges do the pruning; the handle only reports that no prune runs here. */
  startRetention(): RetentionHandle {
    const stats: RetentionStats = { runs: 0, failures: 0, running: false, lastRunAtMillis: null, lastError: null, lastResult: null, deleted: {} };
    return { stats, stop: () => Promise.resolve() };
  }

  async health(): Promise<StoreHealth> {
    const problems: string[] = [];
    if (this.lastError) problems.push(`extractor: ${this.lastError}`);
    let schemaVersion = 0;
    let sizeBytes: number | null = null;
    try {
      const [v] = await this.ch.query<{ v: number }>(
        `SELECT max(version) AS v FROM ${this.database}.genscope_migrations`,
      );
      schemaVersion = Number(v?.v ?? 0);
      const [s] = await this.ch.query<{ b: number | string }>(
        'SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = {db:String} AND active',
        { db: this.database },
      );
      sizeBytes = Number(s?.b ?? 0);
    } catch (err) {
      problems.push(`ClickHouse: ${(err as Error).message}`);
    }
    return { engine: 'clickhouse', schemaVersion, sizeBytes, problems };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.extracting?.catch(() => undefined);
    await this.ch.close();
    if (this.alertStateDb.open) this.alertStateDb.close();
  }
}
