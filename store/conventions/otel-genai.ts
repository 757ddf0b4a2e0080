/**
 * OpenTelemetry GenAI semantic conventions (current, older and upcoming names) -> the model-call
 * record. Agent and tool operations (`invoke_agent`, `create_agent`, `execute_tool`) get their own
 * role. The upcoming inference details event (`gen_ai.client.inference.operation.details`) may carry
 * the usage instead of the span: its attributes fill what the span lacks.
 */
import { AGENT_OPERATION, ATTR, FOREIGN, GEN_AI, OPERATION, OTEL_GENAI_IN } from '../../schema/names';
import type { AttributeMap, GenAiSpan } from '../../schema/records';
import { emptyCall, firstNum, firstStr, modelIdentity, normalizeProvider, num, spanError, str, tokens } from './read';
import type { ConventionSpan } from './read';

export const OTEL_GENAI = 'otel-genai';

const ROLE_OF_OPERATION: Readonly<Record<string, GenAiSpan['role']>> = {
  [AGENT_OPERATION.invokeAgent]: 'agent',
  [AGENT_OPERATION.createAgent]: 'agent',
  [AGENT_OPERATION.executeTool]: 'tool',
  [AGENT_OPERATION.workflow]: 'workflow',
};

/** Where the provider is named, current name first (a constant: this runs for every ingested span). */
const PROVIDER_KEYS = [GEN_AI.providerName, FOREIGN.system] as const;

/** The span's attributes with those of its inference details event underneath. */
function withDetails(span: ConventionSpan): AttributeMap {
  const details = span.events.find((e) => e.name === OTEL_GENAI_IN.inferenceDetailsEvent);
  return details ? { ...details.attributes, ...span.attributes } : span.attributes;
}

/** The model call or agent/tool role a gen_ai.* span describes, or null when it is not one. */
export function fromOtelGenAi(span: ConventionSpan): GenAiSpan | null {
  const a = withDetails(span);
  let operation = str(a[GEN_AI.operationName]);
  const requestModel = str(a[GEN_AI.requestModel]);
  const responseModel = str(a[GEN_AI.responseModel]);
  const providerRaw = firstStr(a, PROVIDER_KEYS);
  if (operation === null) {
    // Older GenAI spans named the system and model but not the operation; they were chat calls.
    if (providerRaw !== null && (requestModel !== null || responseModel !== null)) operation = OPERATION.chat;
    else return null;
  }
  const role = ROLE_OF_OPERATION[operation];
  if (role) return { role };

  const call = emptyCall(OTEL_GENAI);
  call.operation = operation;
  call.provider = normalizeProvider(providerRaw);
  call.requestModel = requestModel;
  call.responseModel = responseModel;
  call.model = modelIdentity(requestModel, responseModel);
  call.inputTokens = tokens(firstNum(a, [GEN_AI.inputTokens, FOREIGN.promptTokens]));
  call.outputTokens = tokens(firstNum(a, [GEN_AI.outputTokens, FOREIGN.completionTokens]));
  call.cacheReadTokens = tokens(firstNum(a, [GEN_AI.cachedInputTokens]));
  call.cacheWriteTokens = tokens(firstNum(a, [GEN_AI.cacheCreationTokens, OTEL_GENAI_IN.cacheWriteTokens]));
  call.reasoningTokens = tokens(firstNum(a, [GEN_AI.reasoningTokens]));
  call.timeToFirstTokenSeconds = num(a[OTEL_GENAI_IN.timeToFirstChunk]);
  call.senderCostUsd = num(a[ATTR.costUsd]);
  call.responseId = str(a[GEN_AI.responseId]);
  Object.assign(call, spanError(span));
  return { role: 'model', call };
}
