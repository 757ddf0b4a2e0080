import { spanRecordToRows, spanRole } from './span-rows';
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
