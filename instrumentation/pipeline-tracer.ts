/**
 * Auto-instrumentation of pipeline stages. A user declares a pipeline and wraps each stage once;
 * every call then gets a span (child of the run), a duration histogram in seconds, error status
 * and an exception event on failure — with no OpenTelemetry code in the stage function.
 * Run-level facts (component, type, model, benchmark) flow to every child span through the
 * context, so each row can be filtered on its own.
 */
import crypto from 'node:crypto';
import { context, createContextKey, INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Counter, Histogram, HrTime, Meter, Span, SpanContext, Tracer } from '@opentelemetry/api';
import {
  ATTR,
  DURATION_BUCKETS_SECONDS,
  EVENT,
  GEN_AI,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  METRIC,
  SCORE_BUCKETS,
  SERVER,
  SPAN,
  TOKEN_BUCKETS,
  UNIT,
} from '../schema/names';
import { nsToHrTime } from '../exporter';
import type { PriceBook } from '../exporter';
import { clockHrTime, hrSecondsBetween } from './clock';
import type { Clock } from './clock';
import { errorTypeOf } from './error-type';
import { ArtefactRecorder } from './artefacts';
import type { ArtefactOptions, ArtefactOutcome } from './artefacts';

export interface PipelineOptions {
  name: string;
  version: string;
  /** Marks everything this pipeline records as simulated (demo data, simulated model client). */
  simulated?: boolean;
}

export interface RunInfo {
  componentId: string;
  /** The labelled (true) component type, when known. */
  componentType?: string;
  model?: string;
  benchmarkRunId?: string;
  attributes?: Attributes;
}

export interface BenchmarkInfo {
  /** Default: a random id. */
  id?: string;
  model: string;
  components: number;
  attributes?: Attributes;
}

export interface ModelCallInfo {
  /** gen_ai.provider.name, e.g. 'openai', 'anthropic'. */
  provider: string;
  /** gen_ai.operation.name, e.g. 'chat', 'embeddings'. */
  operation: string;
  requestModel: string;
  /** server.address and server.port of the endpoint called, when there is one. */
  server?: { address: string; port: number };
  /** gen_ai.request.max_tokens, when the request sets it. */
  maxTokens?: number;
  /** gen_ai.request.temperature, when the request sets it. */
  temperature?: number;
}

export interface ModelUsage {
  inputTokens: number;
  /** Leave out for operations that produce no tokens (embeddings): nothing is recorded for it then. */
  outputTokens?: number;
  /** Input tokens read from the provider's cache (part of inputTokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's cache (part of inputTokens). */
  cacheCreationInputTokens?: number;
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens?: number;
  responseModel?: string;
  /** gen_ai.response.id: the provider's id of this completion. */
  responseId?: string;
  /** gen_ai.response.finish_reasons: one per choice, in order. */
  finishReasons?: string[];
  /** Cost reported by the provider; otherwise it is computed from the price book. */
  costUsd?: number;
}

/** Handed to the function a model call wraps: what a later evaluation of its output refers to. */
export interface ModelCallHandle {
  readonly spanContext: SpanContext;
}

/** The model call whose output a score judges (see recordScore). */
export interface EvaluatedCall {
  spanContext?: SpanContext;
  responseId?: string;
}

export interface ScoreOptions {
  label?: string;
  explanation?: string;
  /**
   * The model call this score judges. The event then carries its gen_ai.response.id (the
   * conventions' reference) and its span id (genscope.evaluation.span_id), and stays on the
   * active span, the one that scored.
   */
  evaluates?: EvaluatedCall;
}

export interface Instruments {
  stageDuration: Histogram;
  runDuration: Histogram;
  operationDuration: Histogram;
  tokenUsage: Histogram;
  qualityScore: Histogram;
  cost: Counter;
  cacheRequests: Counter;
}

export function createInstruments(meter: Meter): Instruments {
  return {
    stageDuration: meter.createHistogram(METRIC.stageDuration, {
      unit: UNIT.seconds,
      description: 'Duration of one pipeline stage call',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    }),
    runDuration: meter.createHistogram(METRIC.runDuration, {
      unit: UNIT.seconds,
      description: 'End-to-end duration of one component through the pipeline',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    }),
    operationDuration: meter.createHistogram(METRIC.genAiOperationDuration, {
      unit: UNIT.seconds,
      description: 'GenAI operation duration',
      advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS_SECONDS] },
    }),
    tokenUsage: meter.createHistogram(METRIC.genAiTokenUsage, {
      unit: UNIT.tokens,
      description: 'Number of input and output tokens used',
      advice: { explicitBucketBoundaries: [...TOKEN_BUCKETS] },
    }),
    qualityScore: meter.createHistogram(METRIC.qualityScore, {
      unit: UNIT.score,
      description: 'Quality score (0..1) of a pipeline output',
      advice: { explicitBucketBoundaries: [...SCORE_BUCKETS] },
    }),
    cost: meter.createCounter(METRIC.costUsd, { unit: UNIT.usd, description: 'Model API cost' }),
    cacheRequests: meter.createCounter(METRIC.cacheRequests, {
      unit: UNIT.requests,
      description: 'Cache lookups, by cache and hit',
    }),
  };
}

/** What a run and a stage carry through the context to their children. */
interface RunState {
  attrs: Attributes;
  costUsd: number;
  /** Bytes of artefacts recorded in this run so far (ArtefactLimits.maxRunBytes). */
  artefactBytes: number;
  /** Per stage name: the stage span's and its duration metric's attributes, built once per run. */
  stageAttrs?: Map<string, StageAttributes>;
}
interface StageAttributes {
  span: Attributes;
  metric: Attributes;
}
interface StageState {
  stage: string;
  costUsd: number;
}
const RUN_KEY = createContextKey('genscope.run');
const STAGE_KEY = createContextKey('genscope.stage');

/**
 * The key trace.setSpan stores the span under, read through the Context interface alone (a
 * context that records what is set on it), or undefined if setSpan ever sets more than one.
 */
function spanKey(): symbol | undefined {
  const keys: symbol[] = [];
  const recorder: Context = {
    getValue: () => undefined,
    setValue: (key) => {
      keys.push(key);
      return recorder;
    },
    deleteValue: () => recorder,
  };
  trace.setSpan(recorder, trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return keys.length === 1 ? keys[0] : undefined;
}
const SPAN_KEY = spanKey();

/**
 * The context a stage function runs in: its parent's values with the stage span and the
 * stage's state on top. The API's context copies its whole map and makes three closures on
 * every setValue, and a stage call set two values per call; this overlay is one small object. A
 * value set on it goes to the parent beneath and keeps the overlay; the span and state slots
 * are replaced in a new overlay (a deleted value reads as undefined, as in the API's context).
 * Were the span key unknown, the span goes beneath with trace.setSpan and its slot stays unused.
 */
class StageContext implements Context {
  constructor(
    readonly parent: Context,
    readonly span: unknown,
    readonly state: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === STAGE_KEY) return this.state;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (key === SPAN_KEY) return new StageContext(this.parent, value, this.state);
    if (key === STAGE_KEY) return new StageContext(this.parent, this.span, value);
    return new StageContext(this.parent.setValue(key, value), this.span, this.state);
  }

  deleteValue(key: symbol): Context {
    if (key === SPAN_KEY || key === STAGE_KEY) return this.setValue(key, undefined);
    return new StageContext(this.parent.deleteValue(key), this.span, this.state);
  }
}

/** parent with the stage span active and the stage's state under STAGE_KEY. */
function stageContext(parent: Context, span: Span, state: StageState): StageContext {
  // A stage inside a stage: both slots of the outer overlay are shadowed, so build on what is
  // beneath it and stay one overlay deep.
  const beneath = parent instanceof StageContext ? parent.parent : parent;
  return SPAN_KEY ? new StageContext(beneath, span, state) : new StageContext(trace.setSpan(beneath, span), undefined, state);
}

const errorType = errorTypeOf;

function stageAttributesOf(base: Readonly<Attributes>, runAttrs: Attributes, name: string): StageAttributes {
  const metric: Attributes = { [ATTR.stage]: name };
  if (runAttrs[ATTR.componentType] !== undefined) metric[ATTR.componentType] = runAttrs[ATTR.componentType];
  if (runAttrs[ATTR.model] !== undefined) metric[ATTR.model] = runAttrs[ATTR.model];
  return { span: { ...base, ...runAttrs, [ATTR.stage]: name }, metric };
}

/** Ends a stage call's span (failed: with err recorded) and records its duration. */
function endStage(
  span: Span,
  state: StageState,
  start: HrTime,
  metricAttrs: Attributes,
  histogram: Histogram,
  clock: Clock,
  failed: boolean,
  err: unknown,
): void {
  const end = clockHrTime(clock);
  if (state.costUsd > 0) span.setAttribute(ATTR.costUsd, state.costUsd);
  if (failed) {
    span.recordException(toException(err), end);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.setAttribute(ATTR.errorType, errorType(err));
    metricAttrs = { ...metricAttrs, [ATTR.errorType]: errorType(err) };
  }
  span.end(end);
  histogram.record(hrSecondsBetween(start, end), metricAttrs);
}

/**
 * A stage's span and metric attributes in a run: the same for every call of the stage in that
 * run, so built once and reused (the SDK copies what it is given, never mutates it).
 */
function stageAttributesIn(run: RunState, base: Readonly<Attributes>, name: string): StageAttributes {
  run.stageAttrs ??= new Map();
  let a = run.stageAttrs.get(name);
  if (!a) {
    a = stageAttributesOf(base, run.attrs, name);
    run.stageAttrs.set(name, a);
  }
  return a;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function toException(err: unknown): Error | string {
  return err instanceof Error ? err : String(err);
}

export class PipelineTracer {
  // Built once: every span of the pipeline carries these (callers spread it, never mutate it).
  private readonly base: Readonly<Attributes>;

  constructor(
    private readonly tracer: Tracer,
    private readonly instruments: Instruments,
    readonly clock: Clock,
    private readonly prices: PriceBook,
    readonly options: PipelineOptions,
    private readonly artefacts: ArtefactRecorder = new ArtefactRecorder(),
  ) {
    const a: Attributes = {};
    if (options.name) a[ATTR.pipelineName] = options.name;
    if (options.version) a[ATTR.pipelineVersion] = options.version;
    if (options.simulated) a[ATTR.simulated] = true;
    this.base = a;
  }

  private baseAttributes(): Readonly<Attributes> {
    return this.base;
  }

  private runAttrs(ctx: Context): Attributes {
    return (ctx.getValue(RUN_KEY) as RunState | undefined)?.attrs ?? {};
  }

  /**
   * Wraps a stage function once. The wrapper has the same signature; each call records a span
   * named after the stage. Works for sync and async functions; a thrown error or rejected
   * promise marks the span as failed and is re-thrown unchanged.
   */
  stage<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R {
    // The wrapper is a plain function so callers' `this` reaches fn; what it needs of the
    // tracer is captured here. A call makes no closure unless fn returns a promise (the settle
    // callbacks): this is the hot path of every instrumented pipeline.
    const { tracer, clock, base } = this;
    const histogram = this.instruments.stageDuration;
    const outsideRun = stageAttributesOf(base, {}, name);
    const wrapped = function (this: unknown, ...args: A): R {
      const parent = context.active();
      const run = parent.getValue(RUN_KEY) as RunState | undefined;
      const attrs = run === undefined ? outsideRun : stageAttributesIn(run, base, name);
      const start = clockHrTime(clock);
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: start, attributes: attrs.span }, parent);
      const state: StageState = { stage: name, costUsd: 0 };
      let result: R;
      try {
        result = context.with(stageContext(parent, span, state), fn, this, ...args);
      } catch (err) {
        endStage(span, state, start, attrs.metric, histogram, clock, true, err);
        throw err;
      }
      if (!isPromiseLike(result)) {
        endStage(span, state, start, attrs.metric, histogram, clock, false, undefined);
        return result;
      }
      return Promise.resolve(result).then(
        (v) => {
          endStage(span, state, start, attrs.metric, histogram, clock, false, undefined);
          return v;
        },
        (err: unknown) => {
          endStage(span, state, start, attrs.metric, histogram, clock, true, err);
          throw err;
        },
      ) as R;
    };
    Object.defineProperty(wrapped, 'name', { value: `${name}Stage` });
    return wrapped;
  }

  /** One component through the pipeline: the root span `pipeline.run`. */
  async run<T>(info: RunInfo, fn: () => Promise<T> | T): Promise<T> {
    const attrs: Attributes = { ...this.baseAttributes(), [ATTR.componentId]: info.componentId };
    if (info.componentType) attrs[ATTR.componentType] = info.componentType;
    if (info.model) attrs[ATTR.model] = info.model;
    if (info.benchmarkRunId) attrs[ATTR.benchmarkRunId] = info.benchmarkRunId;
    const startNs = this.clock.nowNs();
    // A run is the root of its own trace, even inside a benchmark (whose trace it links to).
    const benchmarkSpan = trace.getSpan(context.active());
    const span = this.tracer.startSpan(
      SPAN.run,
      {
        kind: SpanKind.INTERNAL,
        root: true,
        startTime: nsToHrTime(startNs),
        attributes: { ...attrs, ...(info.attributes ?? {}) },
        ...(benchmarkSpan ? { links: [{ context: benchmarkSpan.spanContext() }] } : {}),
      },
      context.active(),
    );
    const state: RunState = { attrs, costUsd: 0, artefactBytes: 0 };
    const ctx = trace.setSpan(context.active(), span).setValue(RUN_KEY, state).deleteValue(STAGE_KEY);
    let failed = false;
    let error: unknown;
    try {
      return await context.with(ctx, fn);
    } catch (err) {
      failed = true;
      error = err;
      throw err;
    } finally {
      const endNs = this.clock.nowNs();
      span.setAttribute(ATTR.costUsd, state.costUsd);
      const metricAttrs: Attributes = {};
      if (info.componentType) metricAttrs[ATTR.componentType] = info.componentType;
      if (info.model) metricAttrs[ATTR.model] = info.model;
      if (failed) {
        span.recordException(toException(error), nsToHrTime(endNs));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.setAttribute(ATTR.errorType, errorType(error));
        metricAttrs[ATTR.errorType] = errorType(error);
      } else span.setStatus({ code: SpanStatusCode.OK });
      span.end(nsToHrTime(endNs));
      this.instruments.runDuration.record(Number(endNs - startNs) / 1e9, metricAttrs);
    }
  }

  /** A whole pass over a corpus: span `pipeline.benchmark`, its id on every run inside. */
  async benchmark<T>(info: BenchmarkInfo, fn: (benchmarkRunId: string) => Promise<T>): Promise<T> {
    const id = info.id ?? crypto.randomUUID();
    const startNs = this.clock.nowNs();
    const span = this.tracer.startSpan(SPAN.benchmark, {
      kind: SpanKind.INTERNAL,
      root: true,
      startTime: nsToHrTime(startNs),
      attributes: {
        ...this.baseAttributes(),
        [ATTR.benchmarkRunId]: id,
        [ATTR.model]: info.model,
        [ATTR.benchmarkComponents]: info.components,
        ...(info.attributes ?? {}),
      },
    });
    try {
      const result = await context.with(trace.setSpan(context.active(), span), () => fn(id));
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (err) {
      span.recordException(toException(err), nsToHrTime(this.clock.nowNs()));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end(nsToHrTime(this.clock.nowNs()));
    }
  }

  /**
   * A GenAI client span around fn, with usage, cost and the GenAI metrics. Named
   * `{operation} {model}` and attributed as the GenAI client-inference conventions recommend:
   * request parameters and server from `info`, response id, finish reasons, model and token
   * detail from the usage fn returns; error.type from the provider code or HTTP status on failure.
   */
  async modelCall<T extends { usage: ModelUsage }>(
    info: ModelCallInfo,
    fn: (call: ModelCallHandle) => Promise<T>,
  ): Promise<T> {
    const parent = context.active();
    const runState = parent.getValue(RUN_KEY) as RunState | undefined;
    const stageState = parent.getValue(STAGE_KEY) as StageState | undefined;
    const runAttrs = runState?.attrs ?? {};
    const startNs = this.clock.nowNs();
    const request: Attributes = {
      [GEN_AI.operationName]: info.operation,
      [GEN_AI.providerName]: info.provider,
      [GEN_AI.requestModel]: info.requestModel,
      ...(info.server ? { [SERVER.address]: info.server.address, [SERVER.port]: info.server.port } : {}),
    };
    const span: Span = this.tracer.startSpan(
      `${info.operation} ${info.requestModel}`,
      {
        kind: SpanKind.CLIENT,
        startTime: nsToHrTime(startNs),
        attributes: {
          ...this.baseAttributes(),
          ...runAttrs,
          ...(stageState ? { [ATTR.stage]: stageState.stage } : {}),
          ...request,
          ...(info.maxTokens !== undefined ? { [GEN_AI.requestMaxTokens]: info.maxTokens } : {}),
          ...(info.temperature !== undefined ? { [GEN_AI.requestTemperature]: info.temperature } : {}),
        },
      },
      parent,
    );
    // The metrics carry the conventions' low-cardinality attributes only: no ids, no parameters.
    const metricAttrs: Attributes = { ...request };
    const handle: ModelCallHandle = { spanContext: span.spanContext() };
    try {
      const result = await context.with(trace.setSpan(parent, span), () => fn(handle));
      const u = result.usage;
      const responseModel = u.responseModel ?? info.requestModel;
      const endNs = this.clock.nowNs();
      const cost =
        u.costUsd ??
        this.prices.costUsd({
          provider: info.provider,
          model: responseModel,
          inputTokens: u.inputTokens,
          outputTokens: u.outputTokens ?? 0,
          cachedInputTokens: u.cachedInputTokens ?? 0,
          atMillis: Number(endNs / 1_000_000n),
        });
      span.setAttributes({
        [GEN_AI.responseModel]: responseModel,
        [GEN_AI.inputTokens]: u.inputTokens,
        ...(u.outputTokens !== undefined ? { [GEN_AI.outputTokens]: u.outputTokens } : {}),
        ...(u.cachedInputTokens ? { [GEN_AI.cachedInputTokens]: u.cachedInputTokens } : {}),
        ...(u.cacheCreationInputTokens ? { [GEN_AI.cacheCreationTokens]: u.cacheCreationInputTokens } : {}),
        ...(u.reasoningTokens ? { [GEN_AI.reasoningTokens]: u.reasoningTokens } : {}),
        ...(u.responseId ? { [GEN_AI.responseId]: u.responseId } : {}),
        ...(u.finishReasons && u.finishReasons.length > 0 ? { [GEN_AI.finishReasons]: [...u.finishReasons] } : {}),
        ...(cost !== null ? { [ATTR.costUsd]: cost } : {}),
      });
      metricAttrs[GEN_AI.responseModel] = responseModel;
      this.instruments.tokenUsage.record(u.inputTokens, { ...metricAttrs, [GEN_AI.tokenType]: 'input' });
      if (u.outputTokens !== undefined)
        this.instruments.tokenUsage.record(u.outputTokens, { ...metricAttrs, [GEN_AI.tokenType]: 'output' });
      if (cost !== null) {
        if (runState) runState.costUsd += cost;
        if (stageState) stageState.costUsd += cost;
        this.instruments.cost.add(cost, {
          ...metricAttrs,
          ...(runAttrs[ATTR.componentType] !== undefined ? { [ATTR.componentType]: runAttrs[ATTR.componentType] } : {}),
        });
      }
      span.end(nsToHrTime(endNs));
      this.instruments.operationDuration.record(Number(endNs - startNs) / 1e9, metricAttrs);
      return result;
    } catch (err) {
      const endNs = this.clock.nowNs();
      const type = errorType(err);
      span.recordException(toException(err), nsToHrTime(endNs));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.setAttribute(ATTR.errorType, type);
      span.end(nsToHrTime(endNs));
      this.instruments.operationDuration.record(Number(endNs - startNs) / 1e9, { ...metricAttrs, [ATTR.errorType]: type });
      throw err;
    }
  }

  /**
   * A quality score: a gen_ai.evaluation.result event on the active span (the one that scored)
   * and the score histogram. With `evaluates`, the event names the model call it judges.
   */
  recordScore(name: string, value: number, options: ScoreOptions = {}): void {
    const ctx = context.active();
    const span = trace.getSpan(ctx);
    const runAttrs = this.runAttrs(ctx);
    const eventAttrs: Attributes = { [GEN_AI.evaluationName]: name, [GEN_AI.evaluationScoreValue]: value };
    if (options.label !== undefined) eventAttrs[GEN_AI.evaluationScoreLabel] = options.label;
    if (options.explanation !== undefined) eventAttrs[GEN_AI.evaluationExplanation] = options.explanation;
    const judged = options.evaluates;
    if (judged?.responseId) eventAttrs[GEN_AI.responseId] = judged.responseId;
    if (judged?.spanContext && judged.spanContext.spanId !== span?.spanContext().spanId)
      eventAttrs[ATTR.evaluationSpanId] = judged.spanContext.spanId;
    span?.addEvent(GEN_AI.evaluationEvent, eventAttrs, nsToHrTime(this.clock.nowNs()));
    const metricAttrs: Attributes = { [GEN_AI.evaluationName]: name };
    if (runAttrs[ATTR.componentType] !== undefined) metricAttrs[ATTR.componentType] = runAttrs[ATTR.componentType];
    if (runAttrs[ATTR.model] !== undefined) metricAttrs[ATTR.model] = runAttrs[ATTR.model];
    this.instruments.qualityScore.record(value, metricAttrs);
  }

  /**
   * An artefact of the active span (a prompt, a response, generated code, a PNG): a
   * genscope.artefact event, bounded by the telemetry's artefact limits. Never throws; returns
   * whether it was recorded, truncated (text past the bound) or skipped (see ArtefactRecorder).
   */
  recordArtefact(name: string, content: string | Uint8Array, options: ArtefactOptions = {}): ArtefactOutcome {
    const ctx = context.active();
    return this.artefacts.record(
      trace.getSpan(ctx),
      ctx.getValue(RUN_KEY) as RunState | undefined,
      name,
      content,
      options,
      this.clock.nowNs(),
      nsToHrTime,
    );
  }

  recordCacheLookup(cacheName: string, hit: boolean): void {
    const span = trace.getSpan(context.active());
    span?.addEvent(EVENT.cacheLookup, { [ATTR.cacheName]: cacheName, [ATTR.cacheHit]: hit }, nsToHrTime(this.clock.nowNs()));
    span?.setAttribute(ATTR.cacheHit, hit);
    span?.setAttribute(ATTR.cacheName, cacheName);
    this.instruments.cacheRequests.add(1, { [ATTR.cacheName]: cacheName, [ATTR.cacheHit]: hit });
  }
}
