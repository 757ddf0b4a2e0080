/**
 * Langfuse SDK v4 (`@langfuse/tracing`, exported over OTLP) -> the model-call record. The
 * observation type says what a span is (generation and embedding are model calls; agent, tool and
 * chain have their roles); usage and cost are JSON objects the application fills in; a failure is
 * `level = ERROR` on a span whose OTel status stays unset.
 */
import { GEN_AI, FOREIGN, LANGFUSE, OPERATION } from '../../schema/names';
import type { AttributeValue, GenAiSpan } from '../../schema/records';
import { emptyCall, firstStr, modelFamily, normalizeProvider, spanError, str, tokens } from './read';
import type { ConventionSpan } from './read';

export const LANGFUSE_CONVENTION = 'langfuse';

const OPERATION_OF_TYPE: Readonly<Record<string, string>> = { generation: OPERATION.chat, embedding: OPERATION.embeddings };
const ROLE_OF_TYPE: Readonly<Record<string, GenAiSpan['role']>> = { agent: 'agent', tool: 'tool', chain: 'workflow' };

/** Usage keys Langfuse and its integrations use, by what they count. */
const INPUT = ['input', 'input_tokens', 'prompt_tokens', 'promptTokens'];
const OUTPUT = ['output', 'output_tokens', 'completion_tokens', 'completionTokens'];
const CACHE_READ = ['cache_read_input_tokens', 'input_cached_tokens', 'input_cache_read', 'cached_tokens'];
const CACHE_WRITE = ['cache_creation_input_tokens', 'input_cache_creation', 'input_cache_write'];
const REASONING = ['output_reasoning_tokens', 'output_reasoning', 'reasoning_tokens'];

/** A JSON-object attribute (Langfuse sends usage and cost as JSON strings). */
function objectOf(v: AttributeValue | undefined): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
  if (typeof v !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function pick(o: Record<string, unknown>, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return null;
}

export function fromLangfuse(span: ConventionSpan): GenAiSpan | null {
  const a = span.attributes;
  const type = str(a[LANGFUSE.observationType]);
  if (!type) return null;
  const role = ROLE_OF_TYPE[type];
  if (role) return { role };
  const operation = OPERATION_OF_TYPE[type];
  if (!operation) return null;

  const call = emptyCall(LANGFUSE_CONVENTION);
  const name = firstStr(a, [LANGFUSE.model, GEN_AI.responseModel, GEN_AI.requestModel]);
  call.operation = operation;
  call.provider = normalizeProvider(firstStr(a, [GEN_AI.providerName, FOREIGN.system]));
  call.responseModel = name;
  call.model = name ? modelFamily(name) : null;
  const usage = objectOf(a[LANGFUSE.usageDetails]);
  const input = pick(usage, INPUT);
  const cacheRead = pick(usage, CACHE_READ);
  const cacheWrite = pick(usage, CACHE_WRITE);
  // Langfuse's `input` excludes the cached part (its OpenAI integration subtracts it): add it back.
  call.inputTokens = tokens(input === null && cacheRead === null ? null : (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0));
  call.outputTokens = tokens(pick(usage, OUTPUT));
  call.cacheReadTokens = tokens(cacheRead);
  call.cacheWriteTokens = tokens(cacheWrite);
  call.reasoningTokens = tokens(pick(usage, REASONING));
  const cost = objectOf(a[LANGFUSE.costDetails]);
  const total = pick(cost, ['total']);
  const parts = Object.values(cost).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  call.senderCostUsd = total ?? (parts.length > 0 ? parts.reduce((s, v) => s + v, 0) : null);
  const started = str(a[LANGFUSE.completionStartTime])?.replace(/^"|"$/g, '');
  const startedMs = started ? Date.parse(started) : NaN;
  if (Number.isFinite(startedMs)) {
    const ttft = (startedMs - Number(span.startNs / 1_000_000n)) / 1000;
    call.timeToFirstTokenSeconds = ttft >= 0 ? ttft : null;
  }
  const level = str(a[LANGFUSE.level]);
  Object.assign(
    call,
    spanError({ ...span, statusMessage: str(a[LANGFUSE.statusMessage]) ?? span.statusMessage }, level === 'ERROR'),
  );
  return { role: 'model', call };
}
