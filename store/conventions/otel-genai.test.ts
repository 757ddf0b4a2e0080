import { loadGenAiFixture, servedTotals } from '../../test/fixtures/genai';
import type { ModelCallRecord, SpanRecord } from '../../schema/records';
import { fromOtelGenAi } from './otel-genai';

const otel = loadGenAiFixture('otel');
const calls = (spans: SpanRecord[]): ModelCallRecord[] =>
  spans.flatMap((s) => {
    const g = fromOtelGenAi(s);
    return g?.call ? [g.call] : [];
  });

/** A hand-written span in the current and upcoming GenAI names (not from a library). */
function handWritten(attributes: SpanRecord['attributes'], events: SpanRecord['events'] = []): SpanRecord {
  return {
    traceId: '1'.repeat(32),
    spanId: '2'.repeat(16),
    name: 'chat claude-sonnet-4',
    kind: 2,
    startNs: 1_000_000_000n,
    endNs: 2_000_000_000n,
    statusCode: 0,
    attributes,
    events,
    links: [],
    resource: {},
  };
}

describe('fromOtelGenAi', () => {
  it('reads every call @opentelemetry/instrumentation-openai exported, errors included', () => {
    const got = calls(otel.spans);
    const sent = servedTotals(otel.served);
    expect(got).toHaveLength(sent.calls);
    expect(got.filter((c) => c.error)).toHaveLength(sent.errors);
    expect(got.reduce((s, c) => s + (c.inputTokens ?? 0), 0)).toBe(sent.inputTokens);
    expect(got.reduce((s, c) => s + (c.outputTokens ?? 0), 0)).toBe(sent.outputTokens);
    expect(new Set(got.map((c) => c.errorType).filter(Boolean))).toEqual(new Set(['RateLimitError', 'InternalServerError']));
    expect(new Set(got.map((c) => c.provider))).toEqual(new Set(['openai']));
    expect(new Set(got.map((c) => c.operation))).toEqual(new Set(['chat', 'embeddings']));
  });

  it('files failures and successes of one model under one identity, keeping the response model', () => {
    const gpt4o = calls(otel.spans).filter((c) => c.model === 'gpt-4o');
    const served4o = otel.served.filter((c) => c.requestModel === 'gpt-4o');
    expect(gpt4o).toHaveLength(served4o.length);
    expect(gpt4o.some((c) => c.error) && gpt4o.some((c) => !c.error)).toBe(true);
    expect(gpt4o.find((c) => !c.error)?.responseModel).toBe(served4o.find((c) => c.status === 200)?.responseModel);
  });

  it('reads no cached tokens from this instrumentation, which does not send them', () => {
    expect(calls(otel.spans).every((c) => c.cacheReadTokens === null)).toBe(true);
  });

  it('is not fooled by the application span around the calls', () => {
    expect(fromOtelGenAi(otel.spans.find((s) => s.name === 'nightly-batch') as SpanRecord)).toBeNull();
  });

  it('reads cache creation, the upcoming cache_write and reasoning names, cost and time to first chunk', () => {
    const g = fromOtelGenAi(
      handWritten({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 300,
        'gen_ai.usage.cache_read.input_tokens': 800,
        'gen_ai.usage.cache_write.input_tokens': 200,
        'gen_ai.usage.reasoning.output_tokens': 120,
        'gen_ai.response.time_to_first_chunk': 0.42,
        'genscope.cost.usd': 0.0123,
      }),
    );
    expect(g?.call).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      inputTokens: 1200,
      cacheReadTokens: 800,
      cacheWriteTokens: 200,
      reasoningTokens: 120,
      timeToFirstTokenSeconds: 0.42,
      senderCostUsd: 0.0123,
    });
    const creation = fromOtelGenAi(
      handWritten({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.cache_creation.input_tokens': 64 }),
    );
    expect(creation?.call?.cacheWriteTokens).toBe(64);
  });

  it('takes usage from the inference details event when the span lacks it', () => {
    const g = fromOtelGenAi(
      handWritten({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }, [
        {
          name: 'gen_ai.client.inference.operation.details',
          timeNs: 1_500_000_000n,
          attributes: { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 4, 'gen_ai.request.model': 'ignored' },
        },
      ]),
    );
    expect(g?.call).toMatchObject({ model: 'gpt-4o', inputTokens: 10, outputTokens: 4 });
  });

  it('gives agent and tool operations their own role, not a model call', () => {
    expect(fromOtelGenAi(handWritten({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' }))).toEqual({ role: 'agent' });
    expect(fromOtelGenAi(handWritten({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' }))).toEqual({ role: 'tool' });
  });

  it('treats older spans with a system and a model but no operation as chat calls', () => {
    const g = fromOtelGenAi(handWritten({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4', 'gen_ai.usage.prompt_tokens': 9 }));
    expect(g?.call).toMatchObject({ operation: 'chat', provider: 'openai', inputTokens: 9 });
  });
});
