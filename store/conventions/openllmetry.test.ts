import { loadGenAiFixture } from '../../test/fixtures/genai';
import type { SpanRecord } from '../../schema/records';
import { fromOpenLlmetry, isOpenLlmetry } from './openllmetry';

const tl = loadGenAiFixture('openllmetry');

describe('fromOpenLlmetry', () => {
  it('recognises @traceloop/instrumentation-openai spans by their scope', () => {
    expect(tl.spans.filter(isOpenLlmetry).length).toBe(tl.spans.filter((s) => s.name !== 'nightly-batch').length);
  });

  it('reads the successful chat calls it exported (it makes no span for embeddings or failures, see README)', () => {
    const calls = tl.spans.filter(isOpenLlmetry).flatMap((s) => fromOpenLlmetry(s)?.call ?? []);
    const okChat = tl.served.filter((c) => c.status === 200 && c.operation === 'chat');
    expect(calls).toHaveLength(okChat.length);
    expect(calls.every((c) => c.convention === 'openllmetry' && c.provider === 'openai')).toBe(true);
    const nonStreamed = okChat.filter((c) => !c.stream);
    expect(calls.reduce((s, c) => s + (c.inputTokens ?? 0), 0)).toBe(nonStreamed.reduce((s, c) => s + c.inputTokens, 0));
    expect(new Set(calls.map((c) => c.model))).toEqual(new Set(okChat.map((c) => c.requestModel)));
  });

  it('reads its own cache names, llm.request.type and traceloop.span.kind', () => {
    const span = (attributes: SpanRecord['attributes']): SpanRecord => ({ ...(tl.spans[0] as SpanRecord), attributes });
    expect(
      fromOpenLlmetry(
        span({
          'llm.request.type': 'chat',
          'gen_ai.system': 'Anthropic',
          'gen_ai.request.model': 'claude-3-5-haiku',
          'gen_ai.usage.prompt_tokens': 50,
          'gen_ai.usage.cache_read_input_tokens': 30,
          'gen_ai.usage.cache_creation_input_tokens': 10,
        }),
      )?.call,
    ).toMatchObject({ operation: 'chat', provider: 'anthropic', inputTokens: 50, cacheReadTokens: 30, cacheWriteTokens: 10 });
    expect(fromOpenLlmetry(span({ 'traceloop.span.kind': 'workflow' }))).toEqual({ role: 'workflow' });
    expect(fromOpenLlmetry(span({ 'traceloop.span.kind': 'tool' }))).toEqual({ role: 'tool' });
  });
});
