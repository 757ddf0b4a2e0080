/**
 * A model client for any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style
 * gateways, vLLM, Ollama, LiteLLM...). Used only when configured; the API key is kept in a
 * private field and never appears in errors, logs or JSON.
 */
import { z } from 'zod';
import type { CompletionOptions, CompletionResult, ModelClient } from './model-client';
import { countTokens, encodingForModel } from './tokenizer';

export interface OpenAICompatibleClientOptions {
  /** e.g. https://api.openai.com/v1 (the client appends /chat/completions). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** gen_ai.provider.name reported for the calls. Default 'openai'. */
  provider?: string;
  temperature?: number;
  timeoutMillis?: number;
  /** Injected fetch (tests use a local server instead; default: global fetch). */
  fetch?: typeof fetch;
}

const count = z.number().int().nonnegative();
const responseSchema = z.object({
  id: z.string().optional(),
  model: z.string().optional(),
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable() }), finish_reason: z.string().nullish() }))
    .min(1),
  usage: z
    .object({
      prompt_tokens: count,
      completion_tokens: count,
      prompt_tokens_details: z
        .object({ cached_tokens: count.nullish(), cache_write_tokens: count.nullish() })
        .nullish(),
      completion_tokens_details: z.object({ reasoning_tokens: count.nullish() }).nullish(),
      // Gateways in front of Anthropic-style prompt caching (LiteLLM) report cache writes here.
      cache_creation_input_tokens: count.nullish(),
    })
    .nullish(),
});

/** The error body OpenAI-compatible services send: `{"error": {"message", "type", "code"}}`. */
const errorBodySchema = z.object({ error: z.object({ code: z.union([z.string(), z.number()]).nullish() }) });

/**
 * A non-2xx answer. `status` and the provider's `code` (when the body has one) are what
 * error.type is made of (instrumentation's errorTypeOf), as with the openai package's APIError.
 */
export class ModelApiError extends Error {
  override readonly name = 'ModelApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** server.address and server.port of a base URL (the scheme's default port when none is given). */
export function serverOf(baseUrl: string): { address: string; port: number } {
  const u = new URL(baseUrl);
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  // URL keeps IPv6 literals in brackets; the attribute holds the bare address.
  return { address: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export class OpenAICompatibleClient implements ModelClient {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  readonly simulated = false;
  readonly baseUrl: string;
  readonly server: { address: string; port: number };
  readonly #apiKey: string | undefined;
  readonly temperature: number;
  private readonly timeoutMillis: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: OpenAICompatibleClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.server = serverOf(this.baseUrl);
    this.#apiKey = options.apiKey;
    this.model = options.model;
    this.provider = options.provider ?? 'openai';
    this.name = `openai-compatible:${this.model}`;
    this.temperature = options.temperature ?? 0;
    this.timeoutMillis = options.timeoutMillis ?? 120_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async complete(prompt: string, options: CompletionOptions = {}): Promise<CompletionResult> {
    const url = `${this.baseUrl}/chat/completions`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#apiKey !== undefined && this.#apiKey.length > 0)
      headers['authorization'] = `Bearer ${this.#apiKey}`;
    const body = {
      model: this.model,
      messages: [{ role: 'user', content: prompt }],
      temperature: this.temperature,
      ...(options.maxOutputTokens !== undefined ? { max_tokens: options.maxOutputTokens } : {}),
    };
    const timeout = AbortSignal.timeout(this.timeoutMillis);
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, timeout]) : timeout;
    const res = await this.fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      try {
        const body = errorBodySchema.safeParse(JSON.parse(text) as unknown);
        const c = body.success ? body.data.error.code : undefined;
        if (c !== undefined && c !== null) code = String(c);
      } catch {
        // Not JSON: the status alone classifies the error.
      }
      throw new ModelApiError(
        `chat completions at ${url} answered HTTP ${res.status}: ${this.redact(text).slice(0, 300)}`,
        res.status,
        code,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new Error(
        `chat completions at ${url} answered with non-JSON: ${this.redact(text).slice(0, 120)}`,
      );
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `chat completions at ${url} answered an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    const content = parsed.data.choices[0]?.message.content ?? '';
    const usage = parsed.data.usage;
    // Servers that omit usage still cost tokens: count them ourselves rather than report zero.
    const encoding = encodingForModel(this.model);
    const inputTokens = usage?.prompt_tokens ?? (await countTokens(prompt, encoding));
    const outputTokens = usage?.completion_tokens ?? (await countTokens(content, encoding));
    const cached = usage?.prompt_tokens_details?.cached_tokens ?? undefined;
    const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? usage?.cache_creation_input_tokens ?? undefined;
    const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? undefined;
    // The conventions want one reason per choice; a missing one means generation ended abnormally.
    const finishReasons = parsed.data.choices.map((c) => c.finish_reason ?? 'error');
    return {
      text: content,
      usage: {
        inputTokens,
        outputTokens,
        ...(cached !== undefined ? { cachedInputTokens: cached } : {}),
        ...(cacheWrite !== undefined ? { cacheCreationInputTokens: cacheWrite } : {}),
        ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
        ...(parsed.data.model !== undefined ? { responseModel: parsed.data.model } : {}),
        ...(parsed.data.id !== undefined ? { responseId: parsed.data.id } : {}),
        finishReasons,
      },
    };
  }

  private redact(text: string): string {
    const key = this.#apiKey;
    return key !== undefined && key.length > 0 ? text.split(key).join('[redacted]') : text;
  }

  toJSON(): Record<string, string> {
    return { name: this.name, provider: this.provider, model: this.model, baseUrl: this.baseUrl };
  }
}

/**
 * A client from GENSCOPE_OPENAI_BASE_URL / GENSCOPE_OPENAI_API_KEY / GENSCOPE_OPENAI_MODEL
 * (GENSCOPE_OPENAI_PROVIDER optional), or undefined when no base URL is set.
 */
export function openAIClientFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  defaultModel = 'gpt-4o-mini',
): OpenAICompatibleClient | undefined {
  const baseUrl = env['GENSCOPE_OPENAI_BASE_URL'];
  if (baseUrl === undefined || baseUrl.length === 0) return undefined;
  const provider = env['GENSCOPE_OPENAI_PROVIDER'];
  return new OpenAICompatibleClient({
    baseUrl,
    model: env['GENSCOPE_OPENAI_MODEL'] ?? defaultModel,
    ...(env['GENSCOPE_OPENAI_API_KEY'] !== undefined ? { apiKey: env['GENSCOPE_OPENAI_API_KEY'] } : {}),
    ...(provider !== undefined && provider.length > 0 ? { provider } : {}),
  });
}
