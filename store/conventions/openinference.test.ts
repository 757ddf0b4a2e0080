import { loadGenAiFixture, servedTotals } from '../../test/fixtures/genai';
import type { SpanRecord } from '../../schema/records';
import { fromOpenInference } from './openinference';

const oi = loadGenAiFixture('openinference');
const calls = oi.spans.flatMap((s) => {
  const g = fromOpenInference(s);
  return g?.call ? [g.call] : [];
});

describe('fromOpenInference', () => {
  it('reads the successful calls @arizeai/openinference-instrumentation-openai exported, embeddings included', () => {
    const ok = oi.served.filter((c) => c.status === 200);
    expect(calls).toHaveLength(ok.length);
    expect(calls.filter((c) => c.operation === 'embeddings').map((c) => c.model)).toEqual(['text-embedding-3-small']);
    expect(new Set(calls.map((c) => c.provider))).toEqual(new Set(['openai']));
  });

  it('groups the response snapshot name under the model family', () => {
    expect(new Set(calls.map((c) => c.model))).toEqual(new Set(oi.served.map((c) => c.requestModel)));
  });

  it('reads the tokens it sent; its streamed span and its failed calls carry none (upstream limits, see README)', () => {
    const nonStreamed = servedTotals(oi.served.filter((c) => !c.stream && c.status === 200 && c.operation === 'chat'));
    const chat = calls.filter((c) => c.operation === 'chat');
    expect(chat.reduce((s, c) => s + (c.inputTokens ?? 0), 0)).toBe(nonStreamed.inputTokens);
    expect(chat.filter((c) => c.inputTokens === null)).toHaveLength(oi.served.filter((c) => c.stream).length);
    expect(calls.some((c) => c.error)).toBe(false);
  });

  it('reads cost, cache write and the roles of agent, tool and chain spans', () => {
    const span = (attributes: SpanRecord['attributes']): SpanRecord => ({ ...(oi.spans[0] as SpanRecord), attributes });
    expect(
      fromOpenInference(
        span({
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'claude-3-5-sonnet-20241022',
          'llm.provider': 'anthropic',
          'llm.token_count.prompt': 100,
          'llm.token_count.prompt_details.cache_write': 40,
          'llm.cost.total': 0.002,
        }),
      )?.call,
    ).toMatchObject({ model: 'claude-3-5-sonnet', cacheWriteTokens: 40, senderCostUsd: 0.002, provider: 'anthropic' });
    expect(fromOpenInference(span({ 'openinference.span.kind': 'AGENT' }))).toEqual({ role: 'agent' });
    expect(fromOpenInference(span({ 'openinference.span.kind': 'TOOL' }))).toEqual({ role: 'tool' });
    expect(fromOpenInference(span({ 'openinference.span.kind': 'CHAIN' }))).toEqual({ role: 'workflow' });
    expect(fromOpenInference(span({ 'openinference.span.kind': 'RETRIEVER' }))).toBeNull();
  });
});
