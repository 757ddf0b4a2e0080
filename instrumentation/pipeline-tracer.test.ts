/**
 * The pipeline tracer against the GenAI conventions, with the official SDK's in-memory span and
 * metric exporters (no store): what a model call, a failed call, an embeddings call and a score
 * put on the wire, attribute by attribute.
 */
import { context, createContextKey, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { createPriceBook } from '../exporter';
import { ATTR, GEN_AI, GEN_AI_DURATION_BUCKETS_SECONDS, METRIC, SERVER, SPAN, TOKEN_BUCKETS, UNIT } from '../schema/names';
import { SimulatedClock, systemClock } from './clock';
import type { Clock } from './clock';
import { createInstruments, PipelineTracer } from './pipeline-tracer';
import type { EvaluatedCall } from './pipeline-tracer';

class RateLimited extends Error {
  readonly status = 429;
  readonly code = 'rate_limit_exceeded';
}

function setup(clock: Clock = systemClock) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracer = new PipelineTracer(
    tracerProvider.getTracer('test'),
    createInstruments(meterProvider.getMeter('test')),
    clock,
    createPriceBook(),
    { name: 'p', version: '1' },
  );
  const collect = async () => {
    await meterProvider.forceFlush();
    return metrics.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  };
  return { spans, tracer, otel: tracerProvider.getTracer('manual'), collect, shutdown: () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]) };
}

let manager: AsyncLocalStorageContextManager;
beforeAll(() => {
  manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
});
afterAll(() => {
  context.disable();
});

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name);

describe('PipelineTracer.modelCall', () => {
  it('records request, response, server and token detail as the GenAI conventions name and type them', async () => {
    const t = setup();
    const generate = t.tracer.stage('generate', () =>
      t.tracer.modelCall(
        {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o-mini',
          server: { address: 'api.example.test', port: 8443 },
          maxTokens: 4096,
          temperature: 0.2,
        },
        async () => ({
          usage: {
            inputTokens: 1200,
            outputTokens: 300,
            cachedInputTokens: 512,
            cacheCreationInputTokens: 128,
            reasoningTokens: 40,
            responseModel: 'gpt-4o-mini-2024-07-18',
            responseId: 'chatcmpl-xyz',
            finishReasons: ['stop'],
          },
        }),
      ),
    );
    await t.tracer.run({ componentId: 'c1', componentType: 'button', model: 'gpt-4o-mini' }, () => generate());
    const call = byName(t.spans.getFinishedSpans(), 'chat gpt-4o-mini');
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(call?.attributes).toMatchObject({
      [GEN_AI.operationName]: 'chat',
      [GEN_AI.providerName]: 'openai',
      [GEN_AI.requestModel]: 'gpt-4o-mini',
      [GEN_AI.requestMaxTokens]: 4096,
      [GEN_AI.requestTemperature]: 0.2,
      [SERVER.address]: 'api.example.test',
      [SERVER.port]: 8443,
      [GEN_AI.responseModel]: 'gpt-4o-mini-2024-07-18',
      [GEN_AI.responseId]: 'chatcmpl-xyz',
      [GEN_AI.finishReasons]: ['stop'],
      [GEN_AI.inputTokens]: 1200,
      [GEN_AI.outputTokens]: 300,
      [GEN_AI.cachedInputTokens]: 512,
      [GEN_AI.cacheCreationTokens]: 128,
      [GEN_AI.reasoningTokens]: 40,
      [ATTR.stage]: 'generate',
      [ATTR.componentType]: 'button',
    });
    expect(call?.attributes[ATTR.errorType]).toBeUndefined();

    const all = await t.collect();
    const duration = all.find((m) => m.descriptor.name === METRIC.genAiOperationDuration) as HistogramMetricData;
    expect(duration.descriptor.unit).toBe(UNIT.seconds);
    expect(duration.dataPoints[0]?.value.buckets.boundaries).toEqual([...GEN_AI_DURATION_BUCKETS_SECONDS]);
    expect(GEN_AI_DURATION_BUCKETS_SECONDS[0]).toBe(0.01);
    expect(GEN_AI_DURATION_BUCKETS_SECONDS.at(-1)).toBe(81.92);
    // The conventions' metric attributes, and no high-cardinality ones (ids, parameters).
    expect(duration.dataPoints[0]?.attributes).toEqual({
      [GEN_AI.operationName]: 'chat',
      [GEN_AI.providerName]: 'openai',
      [GEN_AI.requestModel]: 'gpt-4o-mini',
      [GEN_AI.responseModel]: 'gpt-4o-mini-2024-07-18',
      [SERVER.address]: 'api.example.test',
      [SERVER.port]: 8443,
    });
    const usage = all.find((m) => m.descriptor.name === METRIC.genAiTokenUsage) as HistogramMetricData;
    expect(usage.descriptor.unit).toBe('{token}');
    expect(usage.dataPoints[0]?.value.buckets.boundaries).toEqual([...TOKEN_BUCKETS]);
    expect(usage.dataPoints.map((d) => [d.attributes[GEN_AI.tokenType], d.value.sum]).sort()).toEqual([
      ['input', 1200],
      ['output', 300],
    ]);
    const cost = all.find((m) => m.descriptor.name === METRIC.costUsd);
    expect(cost?.descriptor.unit).toBe('{USD}');
    await t.shutdown();
  });

  it('records no output tokens for embeddings, on the span or in the token histogram', async () => {
    const t = setup();
    await t.tracer.modelCall({ provider: 'openai', operation: 'embeddings', requestModel: 'text-embedding-3-small' }, async () => ({
      usage: { inputTokens: 42 },
    }));
    const call = byName(t.spans.getFinishedSpans(), 'embeddings text-embedding-3-small');
    expect(call?.attributes[GEN_AI.inputTokens]).toBe(42);
    expect(call?.attributes).not.toHaveProperty(GEN_AI.outputTokens);
    const usage = (await t.collect()).find((m) => m.descriptor.name === METRIC.genAiTokenUsage) as HistogramMetricData;
    expect(usage.dataPoints.map((d) => d.attributes[GEN_AI.tokenType])).toEqual(['input']);
    await t.shutdown();
  });

  it('sets error.type from the provider code, on the span and the duration metric', async () => {
    const t = setup();
    await expect(
      t.tracer.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o' }, () =>
        Promise.reject(new RateLimited('Rate limit reached')),
      ),
    ).rejects.toThrow('Rate limit');
    await expect(
      t.tracer.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o-mini' }, () =>
        Promise.reject('a string'),
      ),
    ).rejects.toBe('a string');
    const spans = t.spans.getFinishedSpans();
    expect(byName(spans, 'chat gpt-4o')?.attributes[ATTR.errorType]).toBe('rate_limit_exceeded');
    expect(byName(spans, 'chat gpt-4o-mini')?.attributes[ATTR.errorType]).toBe('_OTHER');
    const duration = (await t.collect()).find((m) => m.descriptor.name === METRIC.genAiOperationDuration) as HistogramMetricData;
    expect(duration.dataPoints.map((d) => d.attributes[ATTR.errorType]).sort()).toEqual(['_OTHER', 'rate_limit_exceeded']);
    await t.shutdown();
  });
});

describe('PipelineTracer.recordScore', () => {
  it('names the model call it judges by response id and span id, on the span that scored', async () => {
    const t = setup();
    let judged: EvaluatedCall | undefined;
    const generate = t.tracer.stage('generate', () =>
      t.tracer.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o-mini' }, async (call) => {
        judged = { spanContext: call.spanContext, responseId: 'chatcmpl-1' };
        return { usage: { inputTokens: 1, outputTokens: 1, responseId: 'chatcmpl-1' } };
      }),
    );
    const validate = t.tracer.stage('validate', () => {
      t.tracer.recordScore('visual.pixel_similarity', 0.9, { ...(judged ? { evaluates: judged } : {}) });
      t.tracer.recordScore('classification.accuracy', 1);
    });
    await t.tracer.run({ componentId: 'c1' }, async () => {
      await generate();
      validate();
    });
    const spans = t.spans.getFinishedSpans();
    const call = byName(spans, 'chat gpt-4o-mini');
    const [judging, plain] = byName(spans, 'validate')?.events ?? [];
    expect(judging?.name).toBe(GEN_AI.evaluationEvent);
    expect(judging?.attributes).toEqual({
      [GEN_AI.evaluationName]: 'visual.pixel_similarity',
      [GEN_AI.evaluationScoreValue]: 0.9,
      [GEN_AI.responseId]: 'chatcmpl-1',
      [ATTR.evaluationSpanId]: call?.spanContext().spanId,
    });
    expect(plain?.attributes).toEqual({ [GEN_AI.evaluationName]: 'classification.accuracy', [GEN_AI.evaluationScoreValue]: 1 });
    await t.shutdown();
  });
});

describe('PipelineTracer.stage', () => {
  const startNs = BigInt(Date.UTC(2026, 0, 15, 12)) * 1_000_000n;
  const stageDurations = async (t: ReturnType<typeof setup>) =>
    ((await t.collect()).find((m) => m.descriptor.name === METRIC.stageDuration) as HistogramMetricData).dataPoints;

  it('records a sync call as a child of the run, timed by the clock, with the stage and run attributes', async () => {
    const clock = new SimulatedClock(startNs, { realTime: false });
    const t = setup(clock);
    const seen: unknown[] = [];
    const classify = t.tracer.stage('classify', function (this: unknown, a: number, b: string) {
      seen.push(this, trace.getActiveSpan()?.spanContext().spanId);
      clock.advance(250);
      return `${a}${b}`;
    });
    const receiver = { classify };
    const out = await t.tracer.run({ componentId: 'c1', componentType: 'card', model: 'gpt-4o' }, () => receiver.classify(4, 'x'));
    expect(out).toBe('4x');
    expect(classify.name).toBe('classifyStage');
    const spans = t.spans.getFinishedSpans();
    const stage = byName(spans, 'classify');
    // fn ran with the caller's `this` and the stage span active.
    expect(seen).toEqual([receiver, stage?.spanContext().spanId]);
    expect(stage?.parentSpanContext?.spanId).toBe(byName(spans, SPAN.run)?.spanContext().spanId);
    expect(stage?.kind).toBe(SpanKind.INTERNAL);
    expect(stage?.status.code).toBe(SpanStatusCode.UNSET);
    expect(stage?.startTime).toEqual([Number(startNs / 1_000_000_000n), 0]);
    expect(stage?.duration).toEqual([0, 250_000_000]);
    expect(stage?.attributes).toEqual({
      [ATTR.pipelineName]: 'p',
      [ATTR.pipelineVersion]: '1',
      [ATTR.componentId]: 'c1',
      [ATTR.componentType]: 'card',
      [ATTR.model]: 'gpt-4o',
      [ATTR.stage]: 'classify',
    });
    const [point, ...others] = await stageDurations(t);
    expect(others).toEqual([]);
    expect(point?.attributes).toEqual({ [ATTR.stage]: 'classify', [ATTR.componentType]: 'card', [ATTR.model]: 'gpt-4o' });
    expect(point?.value.sum).toBe(0.25);
    await t.shutdown();
  });

  it('re-throws a sync throw and a rejection unchanged, recording each on the span and in the metric', async () => {
    const t = setup();
    const error = new TypeError('bad input');
    const throws = t.tracer.stage('parse', () => {
      throw error;
    });
    const rejects = t.tracer.stage('render', () => Promise.reject('a string'));
    let thrown: unknown;
    try {
      throws();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe(error);
    await expect(rejects()).rejects.toBe('a string');
    const spans = t.spans.getFinishedSpans();
    const parse = byName(spans, 'parse');
    expect(parse?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(parse?.attributes[ATTR.errorType]).toBe('TypeError');
    expect(parse?.events.map((e) => [e.name, e.attributes?.['exception.message'], e.time])).toEqual([['exception', 'bad input', parse?.endTime]]);
    const render = byName(spans, 'render');
    expect(render?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'a string' });
    expect(render?.attributes[ATTR.errorType]).toBe('_OTHER');
    expect(render?.events.map((e) => e.name)).toEqual(['exception']);
    // Outside a run, the metric carries the stage and the error type only.
    expect((await stageDurations(t)).map((d) => d.attributes)).toEqual([
      { [ATTR.stage]: 'parse', [ATTR.errorType]: 'TypeError' },
      { [ATTR.stage]: 'render', [ATTR.errorType]: '_OTHER' },
    ]);
    await t.shutdown();
  });

  it('runs fn in a context that reads, sets and deletes values as the API context does', () => {
    const t = setup();
    const [mine, theirs, unset] = ['test.mine', 'test.theirs', 'test.unset'].map((k) => createContextKey(k));
    if (!mine || !theirs || !unset) throw new Error('keys');
    const other = t.otel.startSpan('other');
    const seen: unknown[] = [];
    const inner = t.tracer.stage('inner', () => trace.getActiveSpan());
    const outer = t.tracer.stage('outer', () => {
      const ctx = context.active();
      const stageSpan = trace.getSpan(ctx);
      const set = ctx.setValue(mine, 1);
      seen.push(
        ctx.getValue(theirs),
        set.getValue(mine),
        trace.getSpan(set) === stageSpan,
        ctx.getValue(mine),
        set.deleteValue(theirs).getValue(theirs),
        set.deleteValue(mine).getValue(mine),
        ctx.getValue(unset),
        trace.getSpan(trace.setSpan(ctx, other)) === other,
        trace.getSpan(trace.deleteSpan(ctx)),
        trace.getSpan(trace.deleteSpan(ctx).setValue(mine, 2)),
        trace.getSpan(trace.setSpan(ctx, other).setValue(mine, 2)) === other,
      );
      const nested = inner();
      seen.push(nested?.spanContext().spanId !== stageSpan?.spanContext().spanId, trace.getActiveSpan() === stageSpan);
      return stageSpan;
    });
    const stageSpan = context.with(ROOT_CONTEXT.setValue(theirs, 'parent'), () => outer());
    other.end();
    expect(seen).toEqual(['parent', 1, true, undefined, undefined, undefined, undefined, true, undefined, undefined, true, true, true]);
    const spans = t.spans.getFinishedSpans();
    expect(byName(spans, 'inner')?.parentSpanContext?.spanId).toBe(stageSpan?.spanContext().spanId);
  });

  it('gives the stage to model calls under spans made inside it, adds their cost to it, and none to a run started inside it', async () => {
    const t = setup();
    const chat = () =>
      t.tracer.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o-mini' }, async () => ({
        usage: { inputTokens: 1000, outputTokens: 1000, costUsd: 0.5 },
      }));
    const inner = t.tracer.stage('repair', () => chat());
    const generate = t.tracer.stage('generate', async () => {
      await t.otel.startActiveSpan('manual', async (manual) => {
        await chat();
        manual.end();
      });
      await inner();
      await t.tracer.run({ componentId: 'nested' }, () => chat());
    });
    await t.tracer.run({ componentId: 'c1' }, () => generate());
    const spans = t.spans.getFinishedSpans();
    const calls = spans.filter((s) => s.name === 'chat gpt-4o-mini');
    expect(calls.map((s) => s.attributes[ATTR.stage])).toEqual(['generate', 'repair', undefined]);
    expect(calls[0]?.parentSpanContext?.spanId).toBe(byName(spans, 'manual')?.spanContext().spanId);
    expect(byName(spans, 'repair')?.parentSpanContext?.spanId).toBe(byName(spans, 'generate')?.spanContext().spanId);
    expect(byName(spans, 'repair')?.attributes[ATTR.costUsd]).toBe(0.5);
    // Its own call under the manual span; the nested stage's is that stage's.
    expect(byName(spans, 'generate')?.attributes[ATTR.costUsd]).toBe(0.5);
    await t.shutdown();
  });
});
