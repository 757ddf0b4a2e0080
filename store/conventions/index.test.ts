import { loadGenAiFixture } from '../../test/fixtures/genai';
import type { SpanRecord } from '../../schema/records';
import { demoteWrappers, modelFamily, normalizeProvider, recognizeGenAi } from './index';

describe('recognizeGenAi', () => {
  it('picks the Vercel mapping for Vercel spans, though they also carry gen_ai.* names', () => {
    const v = loadGenAiFixture('vercel');
    const doGenerate = v.spans.find((s) => s.name === 'ai.generateText.doGenerate') as SpanRecord;
    expect(recognizeGenAi(doGenerate)?.call?.convention).toBe('vercel-ai');
  });
});

describe('demoteWrappers', () => {
  it('turns a model-call span with a model call beneath it into a workflow span', () => {
    const otel = loadGenAiFixture('otel');
    const child = otel.spans.find((s) => s.genAi?.role === 'model' && s.parentSpanId) as SpanRecord;
    const parent: SpanRecord = {
      ...child,
      spanId: child.parentSpanId as string,
      parentSpanId: undefined,
      name: 'chat-completion',
      attributes: { 'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'gpt-4o-mini' },
    };
    parent.genAi = recognizeGenAi(parent) ?? undefined;
    const batch = [child, parent];
    demoteWrappers(batch);
    expect(parent.genAi).toEqual({ role: 'workflow' });
    expect(child.genAi?.role).toBe('model');
  });
});

describe('names', () => {
  it('normalises provider ids to the semantic-convention values', () => {
    expect(['openai.chat', 'anthropic.messages', 'google.vertex.chat', 'mistralai', 'amazon-bedrock', 'xai'].map(normalizeProvider)).toEqual([
      'openai',
      'anthropic',
      'gcp.vertex_ai',
      'mistral_ai',
      'aws.bedrock',
      'x_ai',
    ]);
  });
  it('strips snapshot dates from model names', () => {
    expect(['gpt-4o-2024-08-06', 'claude-3-5-sonnet-20241022', 'gpt-4-0613', 'gemini-1.5-pro-002', 'o3'].map(modelFamily)).toEqual([
      'gpt-4o',
      'claude-3-5-sonnet',
      'gpt-4',
      'gemini-1.5-pro-002',
      'o3',
    ]);
  });
});
