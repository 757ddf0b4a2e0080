/**
 * store/: the telemetry store. Opening and migrating the SQLite file, the one writer shared by
 * the SDK exporters and OTLP ingest, the rollup layout, retention and the cardinality bound, the
 * pure record -> row mapping, the window planner, and the readers the panels and alerts use.
 */
export { openDatabase, migrate, loadMigrations, migrationsDir, dataVersion } from './sqlite/db';
export type { Db, OpenDatabaseOptions, Migration } from './sqlite/db';
export { StoreWriter, ROLLUP_GRAINS_S, SPAN_INSERT_SQL, isBusyError } from './sqlite/writer';
export type { StoreWriterOptions, StoreWriterStats } from './sqlite/writer';
export { asError, isDeferredWriter, writeJob } from './writer-types';
export type { TelemetryWriter, WriteResult, WriteJob, WriteDone, DeferredTelemetryWriter, AnyTelemetryWriter } from './writer-types';
export { spanRecordToRows, spanRole } from './span-rows';
export { applyGenAiConventions, normalizeAttributes, recognizeGenAi } from './conventions';
export { SPAN_INSERT, spanParams } from './sqlite/compact-rows';
export { StringTable } from './sqlite/strings';
export { GroupedInsert, INSERT_GROUP_ROWS, PositionalStatement } from './sqlite/positional';
export { rebuiltSpans } from './sqlite/span-read';
export type { RebuiltSpan } from './sqlite/span-read';
export type { SpanRows, SpanRow, ScoreRow, ModelCallRow, BenchmarkRow, SpanRole } from './span-rows';
export { QuickCheck } from './sqlite/quick-check';
export type { QuickCheckStats } from './sqlite/quick-check';
export { pruneOnce, Pruner, RetentionScheduler, DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS } from './sqlite/retention';
export type {
  RetentionOptions,
  PruneOptions,
  PruneBatch,
  PruneResult,
  RetentionClock,
  RetentionSchedulerOptions,
  RetentionStats,
} from './sqlite/retention';
export {
  CardinalityLimiter,
  OTHER_VALUE,
  DEFAULT_MAX_VALUES_PER_HOUR,
  DEFAULT_MAX_COMPONENTS_PER_DAY,
} from './sqlite/cardinality';
export type { CardinalityLimits, RollupDimension, FoldReport } from './sqlite/cardinality';
export { QueryError } from './errors';
export { SqliteKeyStore, KEY_SCOPES, isKeyScope, hashKey } from './sqlite/keys';
export type { ApiKeyLookup, ApiKeyInfo, KeyScope } from './sqlite/keys';
export { readBudget, writeBudget } from './sqlite/settings';
export { simulatedPresent } from './sqlite/queries/context';
export type { StoredBudget, BudgetSource } from './sqlite/settings';
export { SqliteStore, DEFAULT_RETENTION_DAYS, DEFAULT_EXACT_PERCENTILE_MAX_ROWS } from './sqlite/store';
export type { SqliteStoreOptions } from './sqlite/store';
export { openStore } from './open';
export { StoreIngestWriter } from './store-ingest-writer';
export type { OpenStoreOptions } from './open';
export { resolveWindow, plannedWindow, makeWindow, previousWindow, segmentsFor, grainFor, bucketWindow } from './window';
export type { Window, PlanContext, Segment } from './window';
export { percentilePrecision } from './percentiles';
export { SKETCH_RELATIVE_ERROR } from './histogram';
export type {
  TelemetryStore,
  ReadContext,
  StoreHealth,
  ExportRow,
  ExportValue,
  ExportShape,
  PanelQueries,
  PanelResponses,
  RetentionPolicy,
  RetentionHandle,
  PercentilePrecision,
  BenchmarkRunInfo,
  RunSamples,
  CompareSelector,
  CompareSamples,
  CompareRunSample,
  CompareScoreSample,
  ScoreSample,
  ScoreSampleSet,
  MetricScope as StoreMetricScope,
  TimeRange as StoreTimeRange,
  GroupValue as StoreGroupValue,
  BucketValue as StoreBucketValue,
  GroupSamples as StoreGroupSamples,
} from './types';
export { ClickHouseStore, DEFAULT_CLICKHOUSE_EXACT_MAX_ROWS } from './clickhouse/store';
export type { ClickHouseStoreOptions } from './clickhouse/store';
export { parseStoreUrl, redact as redactStoreUrl, StoreUrlError } from './clickhouse/config';
export type { ClickHouseStoreConfig, StoreSelection } from './clickhouse/config';
export { clickHouseDdl } from './clickhouse/ddl';
export type { TracesVariant } from './clickhouse/ddl';
export { WriteQueue } from './sqlite/write-queue';
export type { WriteQueueOptions, WriteQueueStats } from './sqlite/write-queue';
