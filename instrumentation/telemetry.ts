/**
 * startTelemetry(): wires a tracer provider and a meter provider to the SQLite exporters, and to
 * the official OTLP exporters when the standard OTEL_EXPORTER_OTLP_* variables (or options) ask
 * for them. Nothing happens at import time; nothing global is touched unless asked.
 */
import { context, metrics as metricsApi, ProxyTracerProvider, trace, createNoopMeter } from '@opentelemetry/api';
import type { Meter, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { ATTR } from '../schema/names';
import { SqliteMetricExporter, SqliteSpanExporter, createPriceBook, loadPriceOverrides } from '../exporter';
import { SqliteWriterThread } from '../exporter/sqlite-writer-thread';
import type { PriceBook, PriceOverrides } from '../exporter';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { resolveDbPath } from './db-path';
import { exportersFor, readOtelEnv } from './otel-env';
import type { OtelEnvConfig, OtlpProtocol, SamplerName } from './otel-env';
import { otlpMetricExporter, otlpSpanExporter } from './otlp-exporters';
import { SyncBatchSpanProcessor } from './sync-span-processor';
import { ThreadSpanProcessor } from './thread-span-processor';
import type { SpanProcessorStats } from './sync-span-processor';
import { createInstruments, PipelineTracer } from './pipeline-tracer';
import { ArtefactRecorder } from './artefacts';
import type { ArtefactLimits, ArtefactOptions, ArtefactOutcome, ArtefactStats } from './artefacts';
import type { Instruments, ModelCallHandle, ModelCallInfo, ModelUsage, PipelineOptions, ScoreOptions } from './pipeline-tracer';
import { StoreWriter, WriteQueue } from '../store';
import type { AnyTelemetryWriter, StoreWriterStats } from '../store';
import type { WriteQueueStats } from '../store/sqlite/write-queue';
import { registerSelfMetrics } from './self-metrics';

const INSTRUMENTATION_SCOPE = 'genscope';
const DEFAULT_SERVICE_NAME = 'genscope-pipeline';

export type { OtlpProtocol };

export interface OtlpOptions {
  /** Base endpoint for both signals (…/v1/traces and …/v1/metrics are appended); overrides the OTEL_EXPORTER_OTLP_*ENDPOINT variables. */
  endpoint?: string;
  protocol?: OtlpProtocol;
  /** Added to (and overriding) the OTEL_EXPORTER_OTLP_*HEADERS. */
  headers?: Record<string, string>;
}

export interface BatchOptions {
  /** Spans per SQLite transaction. */
  maxExportBatchSize?: number;
  /** Longest a finished span waits before it is written. */
  scheduledDelayMillis?: number;
  /** Finished spans held while another process holds the database lock; past it spans are dropped and counted. Default 65 536. */
  maxQueueSize?: number;
}

/** The SQLite path when another process holds the write lock. */
export interface BusyOptions {
  /**
   * SQLite's busy timeout on the connection genscope writes through (also one you pass in as
   * `db`): it blocks the event loop while it waits, so it stays tiny. Default 5 ms.
   */
  busyTimeoutMillis?: number;
  /** A batch still not written after this long is given up and counted as failed. Default 60 000. */
  maxRetryMillis?: number;
}

export interface TelemetryOptions {
  /**
   * The SQLite store: a path, an open database, or false for none. Default: GENSCOPE_DB, else
   * the per-user data directory (see defaultDbPath()), the same file the CLI uses.
   */
  db?: string | Db | false;
  /**
   * Write the records through this writer instead of a SQLite store (db is then not opened): for
   * a producer that batches records itself (the bulk demo), or that sends them elsewhere.
   */
  writer?: AnyTelemetryWriter;
  /** service.name; wins over OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Default from those, else 'genscope-pipeline'. */
  serviceName?: string;
  /** Resource attributes; win over OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Where span times come from. Default: the wall clock. */
  clock?: Clock;
  /**
   * OTLP forwarding of both signals to one endpoint, or false for none whatever the environment
   * says. Default: as OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER and the OTLP endpoint variables say.
   */
  otlp?: OtlpOptions | false;
  /** Price overrides: a JSON file path or the object. */
  prices?: string | PriceOverrides;
  /** The SQLite span path (OTEL_BSP_* configure the OTLP and console span processors). */
  batch?: BatchOptions;
  /** The SQLite path on a busy database: never a blocking wait, a retry on a timer. */
  busy?: BusyOptions;
  /**
   * Write the SQLite file on a worker thread that owns its own connection: the pipeline's thread
   * only creates spans and hands them over (mapping, rows, rollups and the insert run on the
   * writer thread). Default true for a database file; false writes in-process on this thread
   * (always so for `:memory:` and for a database passed in as `db`).
   */
  writerThread?: boolean;
  /** How often metrics are exported. Default OTEL_METRIC_EXPORT_INTERVAL, else 60 s; every shutdown exports the rest. */
  metricExportIntervalMillis?: number;
  /** Make these providers the global ones (for third-party instrumentations). Default false. */
  registerGlobal?: boolean;
  /** The environment every OTEL_* and GENSCOPE_DB is read from, and nothing else. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Bounds on artefacts (recordArtefact): per artefact and per run, in bytes; false records none.
   * Default 256 KiB and 1 MiB.
   */
  artefacts?: Partial<ArtefactLimits> | false;
  /** Where ignored configuration values are reported. Default: one line each on stderr. */
  warn?: (message: string) => void;
}

/** Where one signal is forwarded over OTLP. */
export interface OtlpTarget {
  url: string;
  protocol: OtlpProtocol;
}

export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly clock: Clock;
  readonly prices: PriceBook;
  readonly resource: Resource;
  /** The SQLite database, when one is attached. */
  readonly db: Db | null;
  /** The SQLite writer's counters, when one is attached (self-observation; the writer thread's, published live). */
  readonly writer: { readonly stats: StoreWriterStats } | null;
  /** The counters of the queue in front of the writer (busy retries on a timer), when a database is attached. */
  readonly writeQueue: { readonly stats: WriteQueueStats } | null;
  /** Whether the SQLite writes run on the writer thread (the `writerThread` option). */
  readonly writerThread: boolean;
  /** The SQLite file, when genscope opened one from a path. */
  readonly dbPath: string | null;
  /** Where each signal is forwarded over OTLP; null when neither is. */
  readonly otlp: { traces: OtlpTarget | null; metrics: OtlpTarget | null } | null;
  /** OTEL_SDK_DISABLED=true: nothing is recorded (stages still run). */
  readonly disabled: boolean;
  /** Declare a pipeline once; wrap its stages; run components and benchmarks through it. */
  pipeline(options: PipelineOptions): PipelineTracer;
  /** Records a model call made inside fn as a GenAI client span with usage, cost and metrics. */
  modelCall<T extends { usage: ModelUsage }>(info: ModelCallInfo, fn: (call: ModelCallHandle) => Promise<T>): Promise<T>;
  /** A quality score on the active span (gen_ai.evaluation.result event) and the score histogram. */
  recordScore(name: string, value: number, options?: ScoreOptions): void;
  /** A cache lookup on the active span and the cache requests counter. */
  recordCacheLookup(cacheName: string, hit: boolean): void;
  /** An artefact (prompt, response, code, image) of the active span; bounded, never throws. */
  recordArtefact(name: string, content: string | Uint8Array, options?: ArtefactOptions): ArtefactOutcome;
  /** Artefacts recorded, truncated and skipped so far. */
  artefactStats(): ArtefactStats;
  /** Span-processor counters for the SQLite path. */
  spanStats(): SpanProcessorStats | null;
  forceFlush(): Promise<void>;
  /** Flushes and stops everything; safe to call twice. */
  shutdown(): Promise<void>;
}

function sampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Applies the options over the environment's OTLP settings for one signal. */
function withOptions<C extends OtelEnvConfig['traces']>(c: C, o: OtlpOptions | undefined, signalPath: string): C {
  if (o === undefined) return c;
  return {
    ...c,
    ...(o.endpoint !== undefined ? { url: `${o.endpoint.replace(/\/+$/, '')}/${signalPath}`, endpointSet: true } : {}),
    ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
    headers: { ...c.headers, ...(o.headers ?? {}) },
  };
}

/** service.name: options, then OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the default. */
function buildResource(options: TelemetryOptions, cfg: OtelEnvConfig): Resource {
  const fromEnv = cfg.resourceAttributes;
  const serviceName =
    options.serviceName ??
    (options.resourceAttributes?.[ATTR.serviceName] as string | undefined) ??
    cfg.serviceName ??
    fromEnv[ATTR.serviceName] ??
    DEFAULT_SERVICE_NAME;
  return defaultResource().merge(
    resourceFromAttributes({ ...fromEnv, ...(options.resourceAttributes ?? {}), [ATTR.serviceName]: serviceName }),
  );
}

type Recorders = Pick<Telemetry, 'pipeline' | 'modelCall' | 'recordScore' | 'recordCacheLookup' | 'recordArtefact' | 'artefactStats'>;

/** The recording methods, over whichever tracer and instruments (real or no-op). */
function recorders(
  tracer: Tracer,
  instruments: Instruments,
  clock: Clock,
  prices: PriceBook,
  artefacts: ArtefactRecorder,
): Recorders {
  const helper = new PipelineTracer(tracer, instruments, clock, prices, { name: '', version: '' }, artefacts);
  return {
    pipeline: (p) => new PipelineTracer(tracer, instruments, clock, prices, p, artefacts),
    modelCall: (info, fn) => helper.modelCall(info, fn),
    recordScore: (name, value, o) => helper.recordScore(name, value, o),
    recordCacheLookup: (name, hit) => helper.recordCacheLookup(name, hit),
    recordArtefact: (name, content, o) => helper.recordArtefact(name, content, o),
    artefactStats: () => ({ ...artefacts.stats }),
  };
}

function disabledTelemetry(clock: Clock, prices: PriceBook, resource: Resource): Telemetry {
  // The API's no-op implementations: stages run, nothing is recorded or exported.
  const tracer = new ProxyTracerProvider().getTracer(INSTRUMENTATION_SCOPE);
  const meter = createNoopMeter();
  return {
    tracer,
    meter,
    clock,
    prices,
    resource,
    db: null,
    dbPath: null,
    writer: null,
    writeQueue: null,
    writerThread: false,
    otlp: null,
    disabled: true,
    ...recorders(tracer, createInstruments(meter), clock, prices, new ArtefactRecorder(false)),
    spanStats: () => null,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * Starts genscope's telemetry: the SQLite store plus the standard exporters the OTEL_* variables
 * (or options) ask for. Every setting comes from options, then options.env (default
 * process.env); see the README's table of variables.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`genscope: ${m}\n`));
  const cfg = readOtelEnv(env);
  for (const w of cfg.warnings) warn(w);
  const clock = options.clock ?? systemClock;
  const overrides =
    typeof options.prices === 'string' ? loadPriceOverrides(options.prices) : (options.prices ?? { models: {} });
  const prices = createPriceBook(overrides);
  const resource = buildResource(options, cfg);
  if (cfg.sdkDisabled) return disabledTelemetry(clock, prices, resource);

  let db: Db | null = null;
  let dbPath: string | null = null;
  if (options.db !== false && options.writer === undefined) {
    if (typeof options.db === 'object') db = options.db;
    else {
      dbPath = resolveDbPath(options.db, env);
      db = openDatabase(dbPath);
    }
    // SQLite's busy handler sleeps on the event loop: keep it to a few ms, and let the write
    // queue's timer do the waiting for a lock held by another process.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busy?.busyTimeoutMillis ?? 5))}`);
  }
  // The writer thread needs a file it can open again (not :memory:, not the caller's connection).
  const thread =
    db && dbPath !== null && dbPath !== ':memory:' && (options.writerThread ?? true)
      ? new SqliteWriterThread({
          file: dbPath,
          ...(options.busy?.busyTimeoutMillis !== undefined ? { busyTimeoutMillis: options.busy.busyTimeoutMillis } : {}),
          ...(options.busy?.maxRetryMillis !== undefined ? { maxRetryMillis: options.busy.maxRetryMillis } : {}),
          prices: overrides,
        })
      : null;
  const writer = db && !thread ? new StoreWriter(db, { prices }) : null;
  const writeQueue = writer
    ? new WriteQueue(writer, options.busy?.maxRetryMillis !== undefined ? { maxRetryMillis: options.busy.maxRetryMillis } : {})
    : null;
  // The records go to the caller's writer (the bulk demo), else to the writer thread or through the write queue.
  const sink: AnyTelemetryWriter | null = options.writer ?? thread ?? writeQueue;
  const writerStats = thread ? { stats: thread.writerStats } : writer;
  const queueStats = thread ? { stats: thread.queueStats } : writeQueue;

  const otlpOption = options.otlp === false ? undefined : options.otlp;
  const traces = withOptions(cfg.traces, otlpOption, 'v1/traces');
  const metrics = withOptions(cfg.metrics, otlpOption, 'v1/metrics');
  const traceExporters = options.otlp === false ? [] : exportersFor(cfg.tracesExporters, traces.endpointSet);
  const metricExporters = options.otlp === false ? [] : exportersFor(cfg.metricsExporters, metrics.endpointSet);
  const interval = Math.max(1, options.metricExportIntervalMillis ?? cfg.metricExportIntervalMillis);
  // The specification: the export timeout may not exceed the interval.
  const exportTimeout = Math.min(interval, cfg.metricExportTimeoutMillis);
  const periodic = (exporter: PushMetricExporter) =>
    new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: interval, exportTimeoutMillis: exportTimeout });

  const spanProcessors: SpanProcessor[] = [];
  const readers: MetricReader[] = [];
  let sqliteProcessor: SyncBatchSpanProcessor | ThreadSpanProcessor | null = null;
  if (sink) {
    sqliteProcessor =
      thread && sink === thread
        ? new ThreadSpanProcessor(thread, options.batch ?? {})
        : new SyncBatchSpanProcessor(new SqliteSpanExporter(sink), options.batch ?? {});
    spanProcessors.push(sqliteProcessor);
    readers.push(periodic(new SqliteMetricExporter(sink)));
  }
  if (metricExporters.includes('otlp')) readers.push(periodic(otlpMetricExporter(metrics)));
  if (metricExporters.includes('console')) readers.push(periodic(new ConsoleMetricExporter()));
  // The meter provider comes first: the OTLP span path reports its drops and failures on it.
  const meterProvider = new MeterProvider({ resource, readers });
  if (traceExporters.includes('otlp')) {
    // Spans dropped on a full queue are counted by the SDK itself as
    // otel.sdk.processor.span.processed{error.type=queue_full}. The env-aware BatchSpanProcessor
    // passes selfObsMeterProvider on to the SDK's processor but does not declare it: hence a
    // variable rather than an object literal.
    const batchConfig = { ...cfg.batchSpanProcessor, selfObsMeterProvider: meterProvider };
    spanProcessors.push(new BatchSpanProcessor(otlpSpanExporter(traces, meterProvider), batchConfig));
  }
  // The specification pairs the console exporter with the simple processor.
  if (traceExporters.includes('console')) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));

  // Sampler and limits are given in full, so the provider reads no variable of its own.
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors,
    sampler: sampler(cfg.sampler.name, cfg.sampler.ratio),
    spanLimits: cfg.spanLimits,
    generalLimits: {
      attributeCountLimit: cfg.spanLimits.attributeCountLimit,
      attributeValueLengthLimit: cfg.spanLimits.attributeValueLengthLimit,
    },
  });

  // Stages parent correctly across await only with an async context manager; install one if
  // the process has none (this is the one global genscope sets, and only when started).
  const contextManager = new AsyncLocalStorageContextManager();
  if (!context.setGlobalContextManager(contextManager.enable())) contextManager.disable();
  if (options.registerGlobal) {
    trace.setGlobalTracerProvider(tracerProvider);
    metricsApi.setGlobalMeterProvider(meterProvider);
  }

  const tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE);
  const meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE);
  const instruments: Instruments = createInstruments(meter);
  // genscope watching itself: store failures, busy retries, folds, the SQLite queue, memory.
  const unregisterSelfMetrics = writerStats
    ? registerSelfMetrics(meter, { writer: writerStats, queue: queueStats, spanProcessor: () => sqliteProcessor?.stats ?? null })
    : () => undefined;
  const target = (c: { url: string; protocol: OtlpProtocol }): OtlpTarget => ({ url: c.url, protocol: c.protocol });
  const forwarding = {
    traces: traceExporters.includes('otlp') ? target(traces) : null,
    metrics: metricExporters.includes('otlp') ? target(metrics) : null,
  };

  let shutdownPromise: Promise<void> | null = null;
  const ownsDb = dbPath !== null;

  return {
    tracer,
    meter,
    clock,
    prices,
    resource,
    db,
    dbPath,
    writer: writerStats,
    writeQueue: queueStats,
    writerThread: thread !== null,
    otlp: forwarding.traces || forwarding.metrics ? forwarding : null,
    disabled: false,
    ...recorders(tracer, instruments, clock, prices, new ArtefactRecorder(options.artefacts ?? {})),
    spanStats: () => (sqliteProcessor ? { ...sqliteProcessor.stats } : null),
    async forceFlush() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        // Spans first, then the final metric collection; each waits for its writes (a busy
        // database is retried until maxRetryMillis), so closing the file afterwards loses nothing.
        await tracerProvider.shutdown();
        await meterProvider.shutdown();
        await writeQueue?.flush();
        await thread?.close();
        unregisterSelfMetrics();
        if (ownsDb && db) db.close();
      })();
      return shutdownPromise;
    },
  };
}
