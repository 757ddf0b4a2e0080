/**
 * Foreign GenAI names -> the current OpenTelemetry GenAI conventions. Other instrumentations send
 * OpenInference (`llm.model_name`, `llm.token_count.*`, `llm.provider` / `llm.system`) or the
 * older GenAI names (`gen_ai.system`, `gen_ai.usage.prompt_tokens` / `completion_tokens`). We add
 * the current name next to the original (originals are kept, and a current name the sender set
 * itself always wins), so every panel and the writer's cost step see one vocabulary.
 */
import { FOREIGN, GEN_AI, OPERATION } from '../../schema/names';
import type { AttributeMap, AttributeValue } from '../../schema/records';

/** First non-empty string among the keys. */
function firstString(attrs: AttributeMap, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

/** First count among the keys; numeric strings count too (some SDKs stringify everything). */
function firstCount(attrs: AttributeMap, keys: readonly string[]): number | undefined {
  for (const k of keys) {
    const v: AttributeValue | undefined = attrs[k];
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= 0) return n;
  }
  return undefined;
}

/** Each current name and the foreign names it may be filled from, in order of preference. */
const STRING_SOURCES: readonly (readonly [string, readonly string[]])[] = [
  [GEN_AI.requestModel, [FOREIGN.llmModelName]],
  [GEN_AI.providerName, [FOREIGN.system, FOREIGN.llmProvider, FOREIGN.llmSystem]],
];

const COUNT_SOURCES: readonly (readonly [string, readonly string[]])[] = [
  [GEN_AI.inputTokens, [FOREIGN.promptTokens, FOREIGN.llmPromptTokens]],
  [GEN_AI.outputTokens, [FOREIGN.completionTokens, FOREIGN.llmCompletionTokens]],
  [GEN_AI.cachedInputTokens, [FOREIGN.llmCachedTokens]],
];

/** OpenInference span kinds that are model calls, and the GenAI operation each one is. */
const OPENINFERENCE_OPERATION: Readonly<Record<string, string>> = {
  LLM: OPERATION.chat,
  EMBEDDING: OPERATION.embeddings,
};

/**
 * Returns `attrs` with current GenAI names added where only foreign ones are present, or `attrs`
 * itself when there is nothing to add. Never removes or overwrites a key.
 */
export function normalizeAttributes(attrs: AttributeMap): AttributeMap {
  // Called for every ingested span: no closures, and no copy unless something is added.
  let out: AttributeMap | null = null;
  for (const [target, sources] of STRING_SOURCES) {
    if (present(attrs, target)) continue;
    const v = firstString(attrs, sources);
    if (v !== undefined) (out ??= { ...attrs })[target] = v;
  }
  for (const [target, sources] of COUNT_SOURCES) {
    if (present(attrs, target)) continue;
    const v = firstCount(attrs, sources);
    if (v !== undefined) (out ??= { ...attrs })[target] = v;
  }
  if (!present(attrs, GEN_AI.operationName)) {
    const kind = attrs[FOREIGN.openInferenceSpanKind];
    const fromKind = typeof kind === 'string' ? OPENINFERENCE_OPERATION[kind.toUpperCase()] : undefined;
    if (fromKind !== undefined) (out ??= { ...attrs })[GEN_AI.operationName] = fromKind;
    // Older GenAI spans named the system but not the operation; they were chat calls.
    else if (
      typeof kind !== 'string' &&
      present(attrs, FOREIGN.system) &&
      (present(attrs, GEN_AI.requestModel) || present(attrs, FOREIGN.llmModelName))
    )
      (out ??= { ...attrs })[GEN_AI.operationName] = OPERATION.chat;
  }
  return out ?? attrs;
}

/** Whether the sender set the key (an empty string or null counts as not set). */
function present(attrs: AttributeMap, key: string): boolean {
  const v = attrs[key];
  return v !== undefined && v !== null && v !== '';
}
