/**
 * Vercel AI SDK telemetry (`experimental_telemetry`) -> the model-call record. Each call is two
 * spans: the function (`ai.generateText`, `ai.streamText`, `ai.embed`, ...) and, inside it, one
 * provider call per step (`ai.generateText.doGenerate`, `ai.streamText.doStream`,
 * `ai.embed.doEmbed`, ...). Both carry the usage; only the inner span is a model call, the outer one
 * is a workflow span, so nothing is counted twice.
 */
import { FOREIGN, GEN_AI, OPERATION, VERCEL_AI } from '../../schema/names';
import type { GenAiSpan } from '../../schema/records';
import { emptyCall, firstNum, firstStr, modelIdentity, normalizeProvider, num, spanError, str, tokens } from './read';
import type { ConventionSpan } from './read';

export const VERCEL_AI_CONVENTION = 'vercel-ai';

/** The provider-call operation ids and the GenAI operation each one is. */
const CALLS: Readonly<Record<string, string>> = {
  'ai.generateText.doGenerate': OPERATION.chat,
  'ai.streamText.doStream': OPERATION.chat,
  'ai.generateObject.doGenerate': OPERATION.chat,
  'ai.streamObject.doStream': OPERATION.chat,
  'ai.embed.doEmbed': OPERATION.embeddings,
  'ai.embedMany.doEmbed': OPERATION.embeddings,
};

export function fromVercelAi(span: ConventionSpan): GenAiSpan | null {
  const a = span.attributes;
  const id = str(a[VERCEL_AI.operationId]);
  if (!id || !id.startsWith('ai.')) return null;
  if (id === 'ai.toolCall') return { role: 'tool' };
  const operation = CALLS[id];
  if (!operation) return { role: 'workflow' };

  const call = emptyCall(VERCEL_AI_CONVENTION);
  call.operation = operation;
  call.provider = normalizeProvider(firstStr(a, [VERCEL_AI.provider, GEN_AI.providerName, FOREIGN.system]));
  call.requestModel = firstStr(a, [VERCEL_AI.modelId, GEN_AI.requestModel]);
  call.responseModel = firstStr(a, [VERCEL_AI.responseModel, GEN_AI.responseModel]);
  call.model = modelIdentity(call.requestModel, call.responseModel);
  call.inputTokens = tokens(
    firstNum(a, [VERCEL_AI.inputTokens, VERCEL_AI.promptTokens, VERCEL_AI.embedTokens, GEN_AI.inputTokens]),
  );
  call.outputTokens = tokens(firstNum(a, [VERCEL_AI.outputTokens, VERCEL_AI.completionTokens, GEN_AI.outputTokens]));
  call.cacheReadTokens = tokens(firstNum(a, [VERCEL_AI.cacheReadTokens, VERCEL_AI.cachedInputTokens]));
  call.cacheWriteTokens = tokens(firstNum(a, [VERCEL_AI.cacheWriteTokens]));
  call.reasoningTokens = tokens(firstNum(a, [VERCEL_AI.outputReasoningTokens, VERCEL_AI.reasoningTokens]));
  const ms = num(a[VERCEL_AI.msToFirstChunk]);
  call.timeToFirstTokenSeconds = ms === null ? null : ms / 1000;
  call.responseId = firstStr(a, [VERCEL_AI.responseId]);
  Object.assign(call, spanError(span));
  return { role: 'model', call };
}
