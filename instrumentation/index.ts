/**
 * instrumentation/: producing telemetry. startTelemetry() wires the SDK to SQLite (and OTLP);
 * the pipeline tracer wraps stages; helpers record model calls, quality scores and cache lookups.
 */
export { startTelemetry } from './telemetry';
export { defaultDbPath, resolveDbPath } from './db-path';
export type { Telemetry, TelemetryOptions, OtlpOptions, OtlpProtocol, OtlpTarget, BatchOptions } from './telemetry';
export { readOtelEnv, OtelConfigError, OTEL_DEFAULTS } from './otel-env';
export type { OtelEnvConfig, OtlpSignalConfig, ExporterName } from './otel-env';
export { PipelineTracer } from './pipeline-tracer';
export type {
  PipelineOptions,
  RunInfo,
  BenchmarkInfo,
  ModelCallInfo,
  ModelCallHandle,
  ModelUsage,
  EvaluatedCall,
  ScoreOptions,
} from './pipeline-tracer';
export { ArtefactRecorder, DEFAULT_ARTEFACT_LIMITS, truncationMarker } from './artefacts';
export type { ArtefactLimits, ArtefactOptions, ArtefactOutcome, ArtefactStats } from './artefacts';
export { errorTypeOf, ERROR_TYPE_OTHER } from './error-type';
export { systemClock, SimulatedClock } from './clock';
export type { Clock, SimulatedClockOptions } from './clock';
export { SyncBatchSpanProcessor } from './sync-span-processor';
export type { SyncBatchSpanProcessorOptions, SpanProcessorStats } from './sync-span-processor';
export { registerSelfMetrics, startSelfTelemetry } from './self-metrics';
export type {
  SelfObservationSources,
  SpanProcessorCounters,
  SelfTelemetry,
  SelfTelemetryOptions,
  IngestCounters,
} from './self-metrics';
