/**
 * Real BPE token counts (js-tiktoken). The rank tables are large (o200k_base takes about a second
 * to load), so each is loaded once, on first use, never on import.
 */

/** The part of js-tiktoken's Tiktoken we use (its typings are ESM-only, so not importable as types here). */
interface Tiktoken {
  encode(text: string, allowedSpecial?: string[] | 'all', disallowedSpecial?: string[] | 'all'): number[];
}

export type TokenEncoding = 'o200k_base' | 'cl100k_base';

const encoders = new Map<TokenEncoding, Promise<Tiktoken>>();

async function loadEncoder(encoding: TokenEncoding): Promise<Tiktoken> {
  const { Tiktoken: TiktokenClass } = await import('js-tiktoken/lite');
  const ranks =
    encoding === 'o200k_base'
      ? (await import('js-tiktoken/ranks/o200k_base')).default
      : (await import('js-tiktoken/ranks/cl100k_base')).default;
  return new TiktokenClass(ranks);
}

/** The shared encoder for an encoding (loaded on first call). */
export function getEncoder(encoding: TokenEncoding): Promise<Tiktoken> {
  let encoder = encoders.get(encoding);
  if (encoder === undefined) {
    encoder = loadEncoder(encoding);
    encoders.set(encoding, encoder);
    // A failed load must not be cached forever.
    encoder.catch(() => encoders.delete(encoding));
  }
  return encoder;
}

// Pipelines send the same prompts again and again (benchmarks, the demo history): BPE on a few
// KB of text costs milliseconds, so counts are remembered per exact text.
const COUNT_MEMO_LIMIT = 8192;
const countMemo = new Map<string, number>();

/** Number of tokens of the text; special-token strings count as plain text, never throw. */
export async function countTokens(text: string, encoding: TokenEncoding = 'o200k_base'): Promise<number> {
  const key = `${encoding}\u0000${text}`;
  const known = countMemo.get(key);
  if (known !== undefined) return known;
  const encoder = await getEncoder(encoding);
  const count = encoder.encode(text, [], []).length;
  if (countMemo.size >= COUNT_MEMO_LIMIT) countMemo.clear();
  countMemo.set(key, count);
  return count;
}

/**
 * The encoding a model's tokens are counted with. OpenAI's gpt-4o / gpt-4.1 / o-series use
 * o200k_base and the text-embedding-3 models cl100k_base. Anthropic does not publish its
 * tokenizer, so Claude counts are o200k_base estimates (documented in pipeline/README.md).
 */
export function encodingForModel(model: string): TokenEncoding {
  if (
    model.startsWith('text-embedding-') ||
    model.startsWith('gpt-3.5') ||
    model === 'gpt-4' ||
    model.startsWith('gpt-4-')
  )
    return 'cl100k_base';
  return 'o200k_base';
}
