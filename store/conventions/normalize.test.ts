import { FOREIGN, GEN_AI, OPERATION } from '../../schema/names';
import { normalizeAttributes } from './normalize';

describe('normalizeAttributes', () => {
  it('maps OpenInference llm.* names onto the GenAI conventions and keeps the originals', () => {
    const input = {
      [FOREIGN.openInferenceSpanKind]: 'LLM',
      [FOREIGN.llmModelName]: 'gpt-4o-mini',
      [FOREIGN.llmProvider]: 'openai',
      [FOREIGN.llmSystem]: 'openai',
      [FOREIGN.llmPromptTokens]: 120,
      [FOREIGN.llmCompletionTokens]: 30,
      [FOREIGN.llmCachedTokens]: 100,
    };
    expect(normalizeAttributes(input)).toEqual({
      ...input,
      [GEN_AI.operationName]: OPERATION.chat,
      [GEN_AI.requestModel]: 'gpt-4o-mini',
      [GEN_AI.providerName]: 'openai',
      [GEN_AI.inputTokens]: 120,
      [GEN_AI.outputTokens]: 30,
      [GEN_AI.cachedInputTokens]: 100,
    });
  });

  it('maps the older gen_ai.system and gen_ai.usage.prompt/completion_tokens names', () => {
    const input = {
      [FOREIGN.system]: 'anthropic',
      [GEN_AI.requestModel]: 'claude-3-5-haiku',
      [FOREIGN.promptTokens]: 10,
      [FOREIGN.completionTokens]: 5,
    };
    expect(normalizeAttributes(input)).toEqual({
      ...input,
      [GEN_AI.providerName]: 'anthropic',
      [GEN_AI.inputTokens]: 10,
      [GEN_AI.outputTokens]: 5,
      [GEN_AI.operationName]: OPERATION.chat,
    });
  });

  it('never overwrites a current name the sender set itself', () => {
    const input = {
      [GEN_AI.operationName]: OPERATION.embeddings,
      [GEN_AI.providerName]: 'azure.ai.openai',
      [GEN_AI.inputTokens]: 7,
      [FOREIGN.system]: 'openai',
      [FOREIGN.promptTokens]: 999,
      [FOREIGN.openInferenceSpanKind]: 'LLM',
    };
    expect(normalizeAttributes(input)).toEqual(input);
  });

  it('prefers gen_ai.system over llm.provider over llm.system for the provider', () => {
    expect(
      normalizeAttributes({ [FOREIGN.llmSystem]: 'b', [FOREIGN.llmProvider]: 'a' })[GEN_AI.providerName],
    ).toBe('a');
    expect(
      normalizeAttributes({ [FOREIGN.llmSystem]: 'c', [FOREIGN.llmProvider]: 'b', [FOREIGN.system]: 'a' })[
        GEN_AI.providerName
      ],
    ).toBe('a');
  });

  it('reads token counts sent as numeric strings and ignores counts that are not numbers', () => {
    const out = normalizeAttributes({
      [FOREIGN.llmPromptTokens]: '42',
      [FOREIGN.llmCompletionTokens]: 'many',
    });
    expect(out[GEN_AI.inputTokens]).toBe(42);
    expect(out).not.toHaveProperty(GEN_AI.outputTokens);
  });

  it('maps an OpenInference EMBEDDING span to the embeddings operation and leaves CHAIN spans alone', () => {
    expect(normalizeAttributes({ [FOREIGN.openInferenceSpanKind]: 'EMBEDDING' })[GEN_AI.operationName]).toBe(
      OPERATION.embeddings,
    );
    const chain = {
      [FOREIGN.openInferenceSpanKind]: 'CHAIN',
      [FOREIGN.system]: 'openai',
      [FOREIGN.llmModelName]: 'gpt-4o',
    };
    expect(normalizeAttributes(chain)).not.toHaveProperty(GEN_AI.operationName);
  });

  it('returns the same object when there is nothing to add', () => {
    const input = { 'pipeline.stage': 'classify', [GEN_AI.requestModel]: 'gpt-4o' };
    expect(normalizeAttributes(input)).toBe(input);
  });
});
