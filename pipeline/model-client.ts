/**
 * The pluggable model client generate talks to. Implementations: SimulatedModelClient (offline
 * default, deterministic) and OpenAICompatibleClient (HTTP, when configured).
 */

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens). */
  cacheCreationInputTokens?: number;
  /** Output tokens spent on reasoning (part of outputTokens). */
  reasoningTokens?: number;
  /** The model that actually answered, when the provider says. */
  responseModel?: string;
  /** The provider's id of the completion. */
  responseId?: string;
  /** Why generation stopped, one per choice (`stop`, `length`, ...). */
  finishReasons?: string[];
}

export interface CompletionOptions {
  /** Upper bound on output tokens (passed to real APIs as max_tokens). */
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface CompletionResult {
  text: string;
  usage: ModelUsage;
}

export interface ModelClient {
  /** Human-readable client name, e.g. "simulated:gpt-4o-mini". */
  readonly name: string;
  /** gen_ai.provider.name of the calls (openai, anthropic, ...). */
  readonly provider: string;
  /** gen_ai.request.model of the calls. */
  readonly model: string;
  /** True for the offline simulated client; its data is labelled simulated everywhere. */
  readonly simulated: boolean;
  /** The endpoint's host and port (server.address / server.port), for clients that call one. */
  readonly server?: { address: string; port: number };
  /** The sampling temperature every request is sent with, when the client sets one. */
  readonly temperature?: number;
  complete(prompt: string, options?: CompletionOptions): Promise<CompletionResult>;
}

/** What a client needs to wait: the telemetry clock (SimulatedClock advances virtual time at once). */
export interface SleepClock {
  sleep(ms: number): Promise<void>;
}
