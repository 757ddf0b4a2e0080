/**
 * startTelemetry(): wires a tracer provider and a meter provider to the SQLite exporters, and to
 * the official OTLP exporters when the standard OTEL_EXPORTER_OTLP_* variables (or options) ask
 * for them. Nothing happens at import time; nothing global is touched unless asked.
 */
import path from 'node:path';
import { context, metrics as metricsApi, trace } from '@opentelemetry/api';
import type { Meter, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter as OTLPMetricExporterHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { ATTR } from '../schema/names';
import { SqliteMetricExporter, SqliteSpanExporter, createPriceBook, loadPriceOverrides } from '../exporter';
import type { PriceBook, PriceOverrides } from '../exporter';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { SyncBatchSpanProcessor } from './sync-span-processor';
import type { SpanProcessorStats } from './sync-span-processor';
import { createInstruments, PipelineTracer } from './pipeline-tracer';
import type { Instruments, ModelCallInfo, ModelUsage, PipelineOptions, ScoreOptions } from './pipeline-tracer';
import { StoreWriter } from '../store';
import { registerSelfMetrics } from './self-metrics';

export const DEFAULT_DB_PATH = path.join('data', 'genscope.db');
const INSTRUMENTATION_SCOPE = 'genscope';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpOptions {
  /** Base endpoint (…/v1/traces and …/v1/metrics are appended), as OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string;
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
}

export interface BatchOptions {
  /** Spans per SQLite transaction. */
  maxExportBatchSize?: number;
  /** Longest a finished span waits before it is written. */
  scheduledDelayMillis?: number;
}

export interface TelemetryOptions {
  /** The SQLite store: a path, an open database, or false for none. Default GENSCOPE_DB or data/genscope.db. */
  db?: string | Db | false;
  /** Default OTEL_SERVICE_NAME, else 'genscope-pipeline'. */
  serviceName?: string;
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Where span times come from. Default: the wall clock. */
  clock?: Clock;
  /** OTLP forwarding. Default: on when OTEL_EXPORTER_OTLP_ENDPOINT or …_TRACES_ENDPOINT is set. */
  otlp?: OtlpOptions | false;
  /** Price overrides: a JSON file path or the object. */
  prices?: string | PriceOverrides;
  batch?: BatchOptions;
  /** How often metrics are written. Default 10 s; every shutdown writes the rest. */
  metricExportIntervalMillis?: number;
  /** Make these providers the global ones (for third-party instrumentations). Default false. */
  registerGlobal?: boolean;
  /** The environment to read OTEL_* from (tests). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly clock: Clock;
  readonly prices: PriceBook;
  readonly resource: Resource;
  /** The SQLite database, when one is attached. */
  readonly db: Db | null;
  /** The SQLite writer, when one is attached (stats for self-observation). */
  readonly writer: StoreWriter | null;
  /** Whether OTLP exporters are attached, and where to. */
  readonly otlp: { endpoint: string; protocol: OtlpProtocol } | null;
  /** Declare a pipeline once; wrap its stages; run components and benchmarks through it. */
  pipeline(options: PipelineOptions): PipelineTracer;
  /** Records a model call made inside fn as a GenAI client span with usage, cost and metrics. */
  modelCall<T extends { usage: ModelUsage }>(info: ModelCallInfo, fn: () => Promise<T>): Promise<T>;
  /** A quality score on the active span (gen_ai.evaluation.result event) and the score histogram. */
  recordScore(name: string, value: number, options?: ScoreOptions): void;
  /** A cache lookup on the active span and the cache requests counter. */
  recordCacheLookup(cacheName: string, hit: boolean): void;
  /** Span-processor counters for the SQLite path. */
  spanStats(): SpanProcessorStats | null;
  forceFlush(): Promise<void>;
  /** Flushes and stops everything; safe to call twice. */
  shutdown(): Promise<void>;
}

function resolveOtlp(options: OtlpOptions | false | undefined, env: NodeJS.ProcessEnv): Required<Omit<OtlpOptions, 'headers'>> & {
  headers?: Record<string, string>;
} | null {
  if (options === false) return null;
  const endpoint =
    options?.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? undefined;
  if (!endpoint) return null;
  const raw = options?.protocol ?? env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (raw !== 'http/protobuf' && raw !== 'http/json') {
    throw new Error(
      `unsupported OTLP protocol "${raw}": genscope sends http/protobuf or http/json (set OTEL_EXPORTER_OTLP_PROTOCOL)`,
    );
  }
  return { endpoint, protocol: raw, ...(options?.headers ? { headers: options.headers } : {}) };
}

/**
 * The OTLP exporters read OTEL_EXPORTER_OTLP_* themselves when given no URL; options override.
 * The span exporter reports its own failures (otel.sdk.exporter.*) on selfObs.
 */
function otlpExporters(o: NonNullable<ReturnType<typeof resolveOtlp>>, fromOptions: boolean) {
  const base = o.endpoint.replace(/\/+$/, '');
  const traceConfig = fromOptions ? { url: `${base}/v1/traces`, ...(o.headers ? { headers: o.headers } : {}) } : {};
  const metricConfig = fromOptions ? { url: `${base}/v1/metrics`, ...(o.headers ? { headers: o.headers } : {}) } : {};
  if (o.protocol === 'http/json') {
    return {
      spans: (selfObs: MeterProvider) => new OTLPTraceExporterHttp({ ...traceConfig, selfObsMeterProvider: selfObs }),
      metrics: new OTLPMetricExporterHttp(metricConfig),
    };
  }
  return {
    spans: (selfObs: MeterProvider) => new OTLPTraceExporterProto({ ...traceConfig, selfObsMeterProvider: selfObs }),
    metrics: new OTLPMetricExporterProto(metricConfig),
  };
}

export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const overrides =
    typeof options.prices === 'string' ? loadPriceOverrides(options.prices) : (options.prices ?? { models: {} });
  const prices = createPriceBook(overrides);

  const serviceName = options.serviceName ?? env.OTEL_SERVICE_NAME ?? 'genscope-pipeline';
  // Resource precedence: defaults < OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME < options.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ ...(options.resourceAttributes ?? {}), [ATTR.serviceName]: serviceName }));

  let db: Db | null = null;
  let ownsDb = false;
  if (options.db !== false) {
    if (typeof options.db === 'object') db = options.db;
    else {
      db = openDatabase(options.db ?? env.GENSCOPE_DB ?? DEFAULT_DB_PATH);
      ownsDb = true;
    }
  }
  const writer = db ? new StoreWriter(db, { prices }) : null;

  const spanProcessors: SpanProcessor[] = [];
  const readers: MetricReader[] = [];
  const interval = Math.max(100, options.metricExportIntervalMillis ?? 10_000);
  let sqliteProcessor: SyncBatchSpanProcessor | null = null;
  if (writer) {
    sqliteProcessor = new SyncBatchSpanProcessor(new SqliteSpanExporter(writer), options.batch ?? {});
    spanProcessors.push(sqliteProcessor);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new SqliteMetricExporter(writer),
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(interval, 30_000),
      }),
    );
  }

  const otlp = resolveOtlp(options.otlp, env);
  // The meter provider comes first: the OTLP span path reports its drops and failures on it.
  const exporters = otlp ? otlpExporters(otlp, options.otlp !== undefined && options.otlp !== false) : null;
  if (exporters) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: exporters.metrics as PushMetricExporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(interval, 30_000),
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  if (exporters) {
    // Spans dropped on a full queue are counted by the SDK itself as
    // otel.sdk.processor.span.processed{error.type=queue_full}. The env-aware BatchSpanProcessor
    // passes selfObsMeterProvider on to the SDK's processor but does not declare it: hence a
    // variable rather than an object literal.
    const batchConfig = { maxQueueSize: 65_536, maxExportBatchSize: 2048, selfObsMeterProvider: meterProvider };
    spanProcessors.push(new BatchSpanProcessor(exporters.spans(meterProvider) as SpanExporter, batchConfig));
  }

  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });

  // Stages parent correctly across await only with an async context manager; install one if
  // the process has none (this is the one global genscope sets, and only when started).
  const contextManager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(contextManager.enable())) {
    // registered
  } else {
    contextManager.disable();
  }
  if (options.registerGlobal) {
    trace.setGlobalTracerProvider(tracerProvider);
    metricsApi.setGlobalMeterProvider(meterProvider);
  }

  const tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE);
  const meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE);
  const instruments: Instruments = createInstruments(meter);
  // genscope watching itself: store failures, busy retries, folds, the SQLite queue, memory.
  const unregisterSelfMetrics = writer
    ? registerSelfMetrics(meter, { writer, spanProcessor: () => sqliteProcessor?.stats ?? null })
    : () => undefined;
  const helper = new PipelineTracer(tracer, instruments, clock, prices, { name: '', version: '' });

  let shutdownPromise: Promise<void> | null = null;

  return {
    tracer,
    meter,
    clock,
    prices,
    resource,
    db,
    writer,
    otlp: otlp ? { endpoint: otlp.endpoint, protocol: otlp.protocol } : null,
    pipeline: (p) => new PipelineTracer(tracer, instruments, clock, prices, p),
    modelCall: (info, fn) => helper.modelCall(info, fn),
    recordScore: (name, value, o) => helper.recordScore(name, value, o),
    recordCacheLookup: (name, hit) => helper.recordCacheLookup(name, hit),
    spanStats: () => (sqliteProcessor ? { ...sqliteProcessor.stats } : null),
    async forceFlush() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        // Spans first (their writes are synchronous), then the final metric collection.
        await tracerProvider.shutdown();
        await meterProvider.shutdown();
        unregisterSelfMetrics();
        if (ownsDb && db) db.close();
      })();
      return shutdownPromise;
    },
  };
}
