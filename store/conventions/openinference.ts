/**
 * OpenInference (Arize Phoenix) -> the model-call record. `openinference.span.kind` says what a
 * span is: LLM and EMBEDDING spans are model calls; AGENT, TOOL and CHAIN spans get their roles.
 * OpenInference overwrites `llm.model_name` with the response model on success (the request model
 * on failure), so the identity is the family of whichever was sent.
 */
import { OPENINFERENCE, OPERATION } from '../../schema/names';
import type { GenAiSpan } from '../../schema/records';
import { emptyCall, firstNum, firstStr, modelFamily, normalizeProvider, num, spanError, str, tokens } from './read';
import type { ConventionSpan } from './read';

export const OPENINFERENCE_CONVENTION = 'openinference';

const OPERATION_OF_KIND: Readonly<Record<string, string>> = { LLM: OPERATION.chat, EMBEDDING: OPERATION.embeddings };
const ROLE_OF_KIND: Readonly<Record<string, GenAiSpan['role']>> = { AGENT: 'agent', TOOL: 'tool', CHAIN: 'workflow' };

export function fromOpenInference(span: ConventionSpan): GenAiSpan | null {
  const a = span.attributes;
  const kind = str(a[OPENINFERENCE.spanKind])?.toUpperCase();
  if (!kind) return null;
  const role = ROLE_OF_KIND[kind];
  if (role) return { role };
  const operation = OPERATION_OF_KIND[kind];
  if (!operation) return null;

  const call = emptyCall(OPENINFERENCE_CONVENTION);
  const name = firstStr(a, [OPENINFERENCE.modelName, OPENINFERENCE.embeddingModelName]);
  call.operation = operation;
  call.provider = normalizeProvider(firstStr(a, [OPENINFERENCE.provider, OPENINFERENCE.system]));
  call.responseModel = name;
  call.model = name ? modelFamily(name) : null;
  call.inputTokens = tokens(firstNum(a, [OPENINFERENCE.promptTokens]));
  call.outputTokens = tokens(firstNum(a, [OPENINFERENCE.completionTokens]));
  call.cacheReadTokens = tokens(firstNum(a, [OPENINFERENCE.cacheReadTokens]));
  call.cacheWriteTokens = tokens(firstNum(a, [OPENINFERENCE.cacheWriteTokens]));
  call.reasoningTokens = tokens(firstNum(a, [OPENINFERENCE.reasoningTokens]));
  call.senderCostUsd = num(a[OPENINFERENCE.costTotal]);
  Object.assign(call, spanError(span));
  return { role: 'model', call };
}
