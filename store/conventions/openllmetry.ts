/**
 * OpenLLMetry (Traceloop) -> the model-call record. Its current releases send the GenAI names
 * (read by otel-genai.ts) plus their own: `traceloop.span.kind` for workflow, task, agent and tool
 * spans, `llm.request.type` for the operation of older releases, and the underscore spellings of
 * cache and reasoning tokens.
 */
import { GEN_AI, OPENLLMETRY, OPERATION } from '../../schema/names';
import type { GenAiSpan } from '../../schema/records';
import { fromOtelGenAi } from './otel-genai';
import { firstNum, str, tokens } from './read';
import type { ConventionSpan } from './read';

export const OPENLLMETRY_CONVENTION = 'openllmetry';

const ROLE_OF_KIND: Readonly<Record<string, GenAiSpan['role']>> = {
  workflow: 'workflow',
  task: 'workflow',
  agent: 'agent',
  tool: 'tool',
};

const OPERATION_OF_REQUEST_TYPE: Readonly<Record<string, string>> = {
  chat: OPERATION.chat,
  completion: OPERATION.textCompletion,
  embedding: OPERATION.embeddings,
};

/** Whether the span comes from OpenLLMetry (its scope or its own attribute names). */
export function isOpenLlmetry(span: ConventionSpan): boolean {
  const scope = span.scopeName ?? '';
  return (
    scope.startsWith('@traceloop/') ||
    scope.startsWith('opentelemetry.instrumentation.') ||
    str(span.attributes[OPENLLMETRY.spanKind]) !== null ||
    str(span.attributes[OPENLLMETRY.requestType]) !== null
  );
}

export function fromOpenLlmetry(span: ConventionSpan): GenAiSpan | null {
  const a = span.attributes;
  const kind = str(a[OPENLLMETRY.spanKind]);
  const role = kind ? ROLE_OF_KIND[kind] : undefined;
  if (role) return { role };
  const requestType = str(a[OPENLLMETRY.requestType]);
  const operation = requestType ? OPERATION_OF_REQUEST_TYPE[requestType] : undefined;
  // Older releases have no gen_ai.operation.name: llm.request.type stands in for it.
  const base = fromOtelGenAi(operation ? { ...span, attributes: { [GEN_AI.operationName]: operation, ...a } } : span);
  if (!base?.call) return base;
  const call = { ...base.call, convention: OPENLLMETRY_CONVENTION };
  call.cacheReadTokens ??= tokens(firstNum(a, [OPENLLMETRY.cacheReadTokens]));
  call.cacheWriteTokens ??= tokens(firstNum(a, [OPENLLMETRY.cacheCreationTokens]));
  call.reasoningTokens ??= tokens(firstNum(a, [OPENLLMETRY.reasoningTokens]));
  return { role: 'model', call };
}
