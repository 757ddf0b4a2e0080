import { loadGenAiFixture, servedTotals } from '../../test/fixtures/genai';
import type { SpanRecord } from '../../schema/records';
import { fromLangfuse } from './langfuse';

const lf = loadGenAiFixture('langfuse');
const mapped = lf.spans.map((s) => ({ span: s, g: fromLangfuse(s) }));
const calls = mapped.flatMap((m) => (m.g?.call ? [m.g.call] : []));

describe('fromLangfuse', () => {
  it('reads every generation and embedding observation, failures by level ERROR', () => {
    const sent = servedTotals(lf.served);
    expect(calls).toHaveLength(sent.calls);
    expect(calls.filter((c) => c.error)).toHaveLength(sent.errors);
    expect(new Set(calls.filter((c) => c.error).map((c) => c.errorType))).toEqual(
      new Set(lf.served.filter((c) => c.status >= 400).map((c) => String(c.status))),
    );
  });

  it('adds the cached part back to input tokens and reads the application cost', () => {
    const sent = servedTotals(lf.served);
    expect(calls.reduce((s, c) => s + (c.inputTokens ?? 0), 0)).toBe(sent.inputTokens);
    expect(calls.reduce((s, c) => s + (c.cacheReadTokens ?? 0), 0)).toBe(sent.cachedTokens);
    expect(calls.filter((c) => c.senderCostUsd !== null)).toHaveLength(
      lf.served.filter((c) => c.status === 200 && c.operation === 'chat').length,
    );
  });

  it('gives the tool observation its role and groups snapshot names under the family', () => {
    expect(mapped.find((m) => m.span.name === 'lookup-catalog')?.g).toEqual({ role: 'tool' });
    expect(new Set(calls.map((c) => c.model))).toEqual(new Set(lf.served.map((c) => c.requestModel)));
  });

  it('reads cache creation, reasoning and completion start time', () => {
    const base = lf.spans.find((s) => s.name === 'chat-completion') as SpanRecord;
    const started = new Date(Number(base.startNs / 1_000_000n) + 250).toISOString();
    const g = fromLangfuse({
      ...base,
      attributes: {
        'langfuse.observation.type': 'generation',
        'langfuse.observation.model.name': 'claude-3-5-sonnet-20241022',
        'langfuse.observation.usage_details': JSON.stringify({
          input: 10,
          output: 5,
          cache_read_input_tokens: 20,
          cache_creation_input_tokens: 30,
          output_reasoning_tokens: 2,
        }),
        'langfuse.observation.completion_start_time': JSON.stringify(started),
      },
    });
    expect(g?.call).toMatchObject({ inputTokens: 60, cacheReadTokens: 20, cacheWriteTokens: 30, reasoningTokens: 2 });
    expect(g?.call?.timeToFirstTokenSeconds).toBeCloseTo(0.25, 2);
  });
});
