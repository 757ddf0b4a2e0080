/**
 * Small readers shared by the convention mappings: typed attribute access, the model identity,
 * provider normalisation and the error of a span. Pure functions, no I/O.
 */
import { ATTR, EVENT, EXCEPTION } from '../../schema/names';
import type { AttributeMap, AttributeValue, ModelCallRecord, SpanRecord } from '../../schema/records';

/** What a convention mapping reads of a span. */
export type ConventionSpan = Pick<SpanRecord, 'name' | 'attributes' | 'events' | 'statusCode' | 'startNs'> &
  Partial<Pick<SpanRecord, 'statusMessage' | 'scopeName'>>;

export function str(v: AttributeValue | undefined): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** A non-negative number; numeric strings count too (some SDKs stringify everything). */
export function num(v: AttributeValue | undefined): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function firstStr(a: AttributeMap, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = str(a[k]);
    if (v !== null) return v;
  }
  return null;
}

export function firstNum(a: AttributeMap, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = num(a[k]);
    if (v !== null) return v;
  }
  return null;
}

/** A token count: rounded, non-negative, or null when not sent. */
export function tokens(v: number | null): number | null {
  return v === null ? null : Math.max(0, Math.round(v));
}

/**
 * The model family of a dated snapshot name: `gpt-4o-2024-08-06` -> `gpt-4o`,
 * `claude-3-5-sonnet-20241022` -> `claude-3-5-sonnet`, `gpt-4-0613` -> `gpt-4`. A failed call only
 * knows the requested name, so successes and failures group under the family.
 */
export function modelFamily(model: string): string {
  return model
    .replace(/-\d{4}-\d{2}-\d{2}$/, '')
    .replace(/-20\d{6}$/, '')
    .replace(/-(0[1-9]|1[0-2])\d{2}$/, '');
}

/** The request model when sent, else the family of the response model. */
export function modelIdentity(requestModel: string | null, responseModel: string | null): string | null {
  if (requestModel) return requestModel;
  return responseModel ? modelFamily(responseModel) : null;
}

/**
 * Provider ids of other vocabularies -> the GenAI semantic-convention values (`gen_ai.provider.name`).
 * Vercel's `openai.chat`, OpenInference's `mistralai` / `google`, Bedrock's `amazon-bedrock`, ...
 */
const PROVIDER: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  'amazon-bedrock': 'aws.bedrock',
  bedrock: 'aws.bedrock',
  aws: 'aws.bedrock',
  'aws.bedrock': 'aws.bedrock',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  'azure.ai.openai': 'azure.ai.openai',
  'azure.ai.inference': 'azure.ai.inference',
  az_ai_inference: 'azure.ai.inference',
  cohere: 'cohere',
  deepseek: 'deepseek',
  google: 'gcp.gemini',
  'google-generative-ai': 'gcp.gemini',
  gemini: 'gcp.gemini',
  'gcp.gemini': 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  'google-vertex': 'gcp.vertex_ai',
  'gcp.vertex_ai': 'gcp.vertex_ai',
  'gcp.gen_ai': 'gcp.gen_ai',
  groq: 'groq',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  mistral_ai: 'mistral_ai',
  perplexity: 'perplexity',
  xai: 'x_ai',
  x_ai: 'x_ai',
  'ibm.watsonx.ai': 'ibm.watsonx.ai',
  watsonx: 'ibm.watsonx.ai',
};

export function normalizeProvider(raw: string | null): string | null {
  if (raw === null) return null;
  const id = raw.trim().toLowerCase();
  if (PROVIDER[id]) return PROVIDER[id];
  // Vercel AI SDK provider ids are `<provider>.<api>`: openai.chat, anthropic.messages, google.vertex.chat.
  const [head, second] = id.split('.');
  if (head === 'google' && second === 'vertex') return 'gcp.vertex_ai';
  if (head === 'azure' && id.startsWith('azure.')) return 'azure.ai.openai';
  return (head !== undefined && PROVIDER[head]) || id;
}

/** `429 Rate limit reached` -> `429`: a status code is the low-cardinality error.type. */
function errorTypeFromMessage(message: string | null | undefined): string | null {
  const m = message ? /^(\d{3})\b/.exec(message.trim()) : null;
  return m?.[1] ?? null;
}

/**
 * Whether the span failed and how: error status or `error.type`; the type from `error.type`, the
 * exception event's `exception.type`, or a status code leading the message; `_OTHER` otherwise.
 */
export function spanError(span: ConventionSpan, failedBySender = false): { error: boolean; errorType: string | null } {
  const declared = str(span.attributes[ATTR.errorType]);
  const error = span.statusCode === 2 || declared !== null || failedBySender;
  if (!error) return { error: false, errorType: null };
  const fromException = span.events.find((e) => e.name === EVENT.exception)?.attributes[EXCEPTION.type];
  return {
    error: true,
    errorType: declared ?? str(fromException) ?? errorTypeFromMessage(span.statusMessage) ?? '_OTHER',
  };
}

/** A call with nothing known yet, for a convention to fill in. */
export function emptyCall(convention: string): ModelCallRecord {
  return {
    convention,
    provider: null,
    operation: null,
    model: null,
    requestModel: null,
    responseModel: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    timeToFirstTokenSeconds: null,
    senderCostUsd: null,
    error: false,
    errorType: null,
    responseId: null,
  };
}
