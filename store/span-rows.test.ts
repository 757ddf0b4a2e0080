import { spanRecordToRows, spanRole } from './span-rows';
import { recognizeGenAi } from './conventions';
import { createPriceBook, hrTimeToNs, nsToHrTime } from '../exporter';
import type { SpanRecord } from '../schema/records';
import { ATTR, FOREIGN, GEN_AI, LEGACY, RUN_STAGE, SPAN } from '../schema/names';

const base: SpanRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name: 'x',
  kind: 0,
  startNs: 1_764_000_000_123_456_789n,
  endNs: 1_764_000_000_223_456_789n,
  statusCode: 0,
  attributes: {},
  events: [],
  links: [],
  resource: { 'service.name': 'svc' },
};

describe('spanRecordToRows', () => {
  it('keeps nanosecond timestamps beyond 2^53 exactly', () => {
    const { span } = spanRecordToRows(base);
    expect(span.start_ns).toBe(1_764_000_000_123_456_789n);
    expect(span.duration_ns).toBe(100_000_000n);
    expect(hrTimeToNs(nsToHrTime(base.startNs))).toBe(base.startNs);
  });

  it('maps a pipeline.run root to the run role and the run stage', () => {
    const { span } = spanRecordToRows({
      ...base,
      name: SPAN.run,
      attributes: { [ATTR.componentType]: 'button', [ATTR.model]: 'gpt-4o', [ATTR.componentId]: 'b1' },
    });
    expect(span.role).toBe('run');
    expect(span.stage).toBe(RUN_STAGE);
    expect(span.component_type).toBe('button');
    expect(span.model).toBe('gpt-4o');
  });

  it('reads the names genscope wrote before the genscope.* prefix (old databases, old senders)', () => {
    // Literal old names, as a sender built before the rename puts them on the wire.
    const run = spanRecordToRows({
      ...base,
      name: 'pipeline.run',
      attributes: { 'pipeline.component.type': 'button', 'pipeline.model': 'gpt-4o', 'pipeline.component.id': 'b1', 'pipeline.benchmark.id': 'bm-1' },
    });
    expect(run.span).toMatchObject({ role: 'run', stage: RUN_STAGE, component_type: 'button', component_id: 'b1', model: 'gpt-4o', benchmark_run_id: 'bm-1' });
    const stage = spanRecordToRows({ ...base, parentSpanId: '00f067aa0ba902b7', attributes: { [LEGACY.stage]: 'classify' } });
    expect(stage.span).toMatchObject({ role: 'stage', stage: 'classify' });
    const bench = spanRecordToRows({
      ...base,
      name: LEGACY.benchmarkSpan,
      attributes: { [LEGACY.benchmarkRunId]: 'bm-1', [LEGACY.pipelineName]: 'p', [LEGACY.pipelineVersion]: '1', [LEGACY.model]: 'm', [LEGACY.benchmarkComponents]: 3 },
    });
    expect(bench.benchmark).toMatchObject({ id: 'bm-1', pipeline: 'p', pipeline_version: '1', model: 'm', components: 3 });
    // The current name wins when a span carries both.
    const both = spanRecordToRows({ ...base, parentSpanId: '00f067aa0ba902b7', attributes: { [ATTR.stage]: 'map', [LEGACY.stage]: 'classify' } });
    expect(both.span.stage).toBe('map');
  });

  it('maps the current genscope.* names', () => {
    expect(SPAN.run).toBe('genscope.run');
    const { span } = spanRecordToRows({ ...base, name: SPAN.benchmark, attributes: { [ATTR.benchmarkRunId]: 'x' } });
    expect(span.role).toBe('benchmark');
    expect(Object.values(ATTR).filter((n) => n.startsWith('pipeline.'))).toEqual([]);
  });

  it('extracts evaluation events into score rows', () => {
    const rows = spanRecordToRows({
      ...base,
      parentSpanId: '00f067aa0ba902b7',
      attributes: { [ATTR.stage]: 'validate', [ATTR.componentType]: 'card' },
      events: [
        {
          name: GEN_AI.evaluationEvent,
          timeNs: base.startNs + 5n,
          attributes: { [GEN_AI.evaluationName]: 'visual.pixel_similarity', [GEN_AI.evaluationScoreValue]: 0.93 },
        },
        { name: 'other', timeNs: base.startNs, attributes: {} },
      ],
    });
    expect(rows.span.role).toBe('stage');
    expect(rows.scores).toHaveLength(1);
    expect(rows.scores[0]).toMatchObject({ name: 'visual.pixel_similarity', value: 0.93, component_type: 'card', stage: 'validate' });
  });

  it('costs a GenAI span from the price dataset when no cost is sent', () => {
    const prices = createPriceBook();
    const rows = spanRecordToRows(
      {
        ...base,
        parentSpanId: '00f067aa0ba902b7',
        attributes: {
          [GEN_AI.operationName]: 'chat',
          [GEN_AI.providerName]: 'openai',
          [GEN_AI.requestModel]: 'gpt-4o-mini',
          [GEN_AI.inputTokens]: 1000,
          [GEN_AI.outputTokens]: 500,
        },
      },
      prices,
    );
    expect(rows.span.role).toBe('model');
    expect(rows.modelCall?.cost_source).toBe('prices');
    // gpt-4o-mini: $0.15 / MTok in, $0.60 / MTok out (dataset)
    const expected = prices.costUsd({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 500 });
    expect(expected).toBeCloseTo(0.00045, 10);
    expect(rows.modelCall?.cost_usd).toBeCloseTo(expected ?? NaN, 12);
  });

  it('understands OpenInference and older GenAI names', () => {
    const rows = spanRecordToRows(
      {
        ...base,
        parentSpanId: '00f067aa0ba902b7',
        attributes: {
          [FOREIGN.openInferenceSpanKind]: 'LLM',
          [FOREIGN.llmModelName]: 'gpt-4o',
          [FOREIGN.llmProvider]: 'openai',
          [FOREIGN.llmPromptTokens]: 200,
          [FOREIGN.llmCompletionTokens]: 100,
        },
      },
      createPriceBook(),
    );
    expect(rows.modelCall).toMatchObject({ operation: 'chat', request_model: 'gpt-4o', input_tokens: 200, output_tokens: 100 });
    expect(rows.modelCall?.cost_usd).toBeGreaterThan(0);
    const older = spanRecordToRows({
      ...base,
      attributes: { [FOREIGN.system]: 'openai', [GEN_AI.requestModel]: 'gpt-4o', [FOREIGN.promptTokens]: 10 },
    });
    expect(older.modelCall).toMatchObject({ provider: 'openai', input_tokens: 10 });
  });

  it('keeps a sent cost and marks its source', () => {
    const rows = spanRecordToRows({
      ...base,
      attributes: { [GEN_AI.operationName]: 'chat', [GEN_AI.requestModel]: 'm', [ATTR.costUsd]: 0.5 },
    });
    expect(rows.modelCall).toMatchObject({ cost_usd: 0.5, cost_source: 'attribute' });
  });

  it('turns a benchmark span into a benchmark row', () => {
    const rows = spanRecordToRows({
      ...base,
      name: SPAN.benchmark,
      attributes: { [ATTR.benchmarkRunId]: 'bench-1', [ATTR.benchmarkComponents]: 48, [ATTR.simulated]: true },
    });
    expect(rows.benchmark).toMatchObject({ id: 'bench-1', components: 48, simulated: 1, duration_ns: 100_000_000n });
  });

  it('treats a foreign trace root as a run and a foreign child as other', () => {
    expect(spanRole(base)).toBe('run');
    expect(spanRole({ ...base, parentSpanId: '00f067aa0ba902b7' })).toBe('other');
  });
});

describe('spanRecordToRows with a GenAI convention (record.genAi from store/conventions)', () => {
  const rates = {
    inputPerMTokUsd: 3,
    outputPerMTokUsd: 15,
    cachedInputPerMTokUsd: 0.3,
    cacheWritePerMTokUsd: 3.75,
  };
  const prices = createPriceBook({ models: { 'test-model': rates } });
  const child = { ...base, parentSpanId: '1111111111111111' };
  const chat = (attrs: Record<string, string | number>, rec: Partial<SpanRecord> = {}) => {
    const r: SpanRecord = {
      ...child,
      name: 'chat test-model',
      attributes: { [GEN_AI.operationName]: 'chat', ...attrs },
      ...rec,
    };
    const g = recognizeGenAi(r);
    if (g) r.genAi = g;
    return spanRecordToRows(r, prices);
  };
  const usage = {
    [GEN_AI.providerName]: 'openai.chat',
    [GEN_AI.requestModel]: 'test-model',
    [GEN_AI.responseModel]: 'test-model-2025-01-01',
    [GEN_AI.inputTokens]: 10_000,
    [GEN_AI.outputTokens]: 500,
    [GEN_AI.cachedInputTokens]: 4_000,
    [GEN_AI.cacheCreationTokens]: 2_000,
    [GEN_AI.reasoningTokens]: 120,
  };

  it('prices cache reads and cache writes at their own rates, through the price book', () => {
    const { modelCall, span } = chat(usage);
    const expected =
      ((10_000 - 4_000 - 2_000) * rates.inputPerMTokUsd +
        4_000 * rates.cachedInputPerMTokUsd +
        2_000 * rates.cacheWritePerMTokUsd +
        500 * rates.outputPerMTokUsd) /
      1e6;
    expect(modelCall?.cost_usd).toBeCloseTo(expected, 12);
    expect(modelCall?.priced_cost_usd).toBeCloseTo(expected, 12);
    expect(modelCall?.cost_source).toBe('prices');
    expect(modelCall?.sender_cost_usd).toBeNull();
    expect(modelCall?.cache_write_tokens).toBe(2_000);
    expect(modelCall?.reasoning_tokens).toBe(120);
    // Without the cache-write rate the same call would cost less: the write tokens are not free input.
    const noWrite =
      ((10_000 - 4_000) * rates.inputPerMTokUsd +
        4_000 * rates.cachedInputPerMTokUsd +
        500 * rates.outputPerMTokUsd) /
      1e6;
    expect(modelCall?.cost_usd).not.toBeCloseTo(noWrite, 9);
    expect(span.cost_usd).toBe(modelCall?.cost_usd);
  });

  it('groups under one model identity (the request model) and keeps the sent response model as a detail', () => {
    const ok = chat(usage).modelCall;
    const failed = chat(
      { [GEN_AI.providerName]: 'openai.chat', [GEN_AI.requestModel]: 'test-model', 'error.type': 'timeout' },
      { statusCode: 2 },
    ).modelCall;
    expect(ok?.response_model).toBe('test-model');
    expect(failed?.response_model).toBe(ok?.response_model);
    expect(ok?.sent_response_model).toBe('test-model-2025-01-01');
    expect(failed?.status_code).toBe(2);
    expect(ok?.provider).toBe('openai');
  });

  it('uses the sender cost when sent, keeping the price book cost beside it', () => {
    const sent = 0.5;
    const { modelCall } = chat({ ...usage, [ATTR.costUsd]: sent });
    expect(modelCall?.cost_usd).toBe(sent);
    expect(modelCall?.cost_source).toBe('attribute');
    expect(modelCall?.sender_cost_usd).toBe(sent);
    expect(modelCall?.priced_cost_usd).not.toBeNull();
    expect(modelCall?.priced_cost_usd).not.toBe(sent);
  });

  it('leaves an unknown model unpriced (null cost, no source), not $0', () => {
    const { modelCall } = chat({
      ...usage,
      [GEN_AI.requestModel]: 'no-such-model-xyz',
      [GEN_AI.responseModel]: 'no-such-model-xyz',
    });
    expect(modelCall?.cost_usd).toBeNull();
    expect(modelCall?.cost_source).toBeNull();
  });

  it('gives agent and tool spans their role and no model call; a root span of any kind is a run', () => {
    for (const [op, role] of [
      ['invoke_agent', 'agent'],
      ['execute_tool', 'tool'],
    ] as const) {
      const rows = chat({ [GEN_AI.operationName]: op });
      expect(rows.span.role).toBe(role);
      expect(rows.modelCall).toBeNull();
    }
    const root = chat(usage, { parentSpanId: undefined });
    expect(root.span.role).toBe('run');
    expect(root.modelCall?.response_model).toBe('test-model');
    expect(root.span.model).toBe('test-model');
  });
});
