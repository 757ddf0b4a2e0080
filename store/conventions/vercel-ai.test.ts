import { loadGenAiFixture, servedTotals } from '../../test/fixtures/genai';
import { fromVercelAi } from './vercel-ai';

const v = loadGenAiFixture('vercel');
const mapped = v.spans.map((s) => ({ span: s, g: fromVercelAi(s) }));
const calls = mapped.flatMap((m) => (m.g?.call ? [m.g.call] : []));

describe('fromVercelAi', () => {
  it('counts each call once: the provider call is the model call, the function span a workflow span', () => {
    const sent = servedTotals(v.served);
    expect(calls).toHaveLength(sent.calls);
    expect(calls.filter((c) => c.error)).toHaveLength(sent.errors);
    expect(mapped.filter((m) => m.g?.role === 'workflow').map((m) => m.span.name).sort()).toEqual(
      mapped.filter((m) => !m.span.parentSpanId).map((m) => m.span.name).sort(),
    );
  });

  it('reads tokens including cached reads and the embedding call, with providers normalised', () => {
    const sent = servedTotals(v.served);
    expect(calls.reduce((s, c) => s + (c.inputTokens ?? 0), 0)).toBe(sent.inputTokens);
    expect(calls.reduce((s, c) => s + (c.outputTokens ?? 0), 0)).toBe(sent.outputTokens);
    expect(calls.reduce((s, c) => s + (c.cacheReadTokens ?? 0), 0)).toBe(sent.cachedTokens);
    expect(calls.find((c) => c.operation === 'embeddings')?.model).toBe('text-embedding-3-small');
    expect(new Set(calls.filter((c) => c.operation === 'chat').map((c) => c.provider))).toEqual(new Set(['openai']));
  });

  it('reads time to first chunk of the streamed call and the error type from the exception event', () => {
    const streamed = calls.filter((c) => c.timeToFirstTokenSeconds !== null);
    expect(streamed).toHaveLength(v.served.filter((c) => c.stream).length);
    expect(streamed[0]?.timeToFirstTokenSeconds).toBeGreaterThan(0);
    expect(calls.filter((c) => c.error).every((c) => c.errorType !== null && c.errorType !== '_OTHER')).toBe(true);
  });

  it('groups failed and successful calls of a model under the requested model', () => {
    const mini = calls.filter((c) => c.model === 'gpt-4o-mini');
    expect(mini).toHaveLength(v.served.filter((c) => c.requestModel === 'gpt-4o-mini').length);
  });
});
