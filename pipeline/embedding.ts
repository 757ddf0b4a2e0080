/**
 * map's embeddings: a real, deterministic text embedding (hashed character-trigram and word
 * term-frequency vectors, L2-normalised) behind a pluggable Embedder, cosine similarity, and an
 * LRU embedding cache whose hits and misses are what the pipeline reports.
 */
import { contentHash, fnv1a32 } from './hash';
import { words } from './text';
import { countTokens, encodingForModel } from './tokenizer';

/** Embeddings produce no output tokens, so there is no count for them (not a zero). */
export interface EmbeddingUsage {
  inputTokens: number;
  responseModel?: string;
}

export interface EmbeddingResult {
  vector: Float32Array;
  usage: EmbeddingUsage;
}

/** Something that turns text into a unit vector (a local function or a remote embeddings API). */
export interface Embedder {
  /** Provider reported on the embeddings model call (gen_ai.provider.name). */
  readonly provider: string;
  /** Model reported on the embeddings model call (gen_ai.request.model); it prices the call. */
  readonly model: string;
  /** True when the vectors are not produced by `model` itself (they come from a local stand-in). */
  readonly simulated: boolean;
  readonly dimensions: number;
  embed(text: string): Promise<EmbeddingResult>;
}

export interface HashedNgramEmbedderOptions {
  dimensions?: number;
  provider?: string;
  /** The hosted model this embedder stands in for, so that embedding cost is priced. */
  model?: string;
  /**
   * Waits on this clock as long as a hosted embedding call would take (simulated, like the
   * simulated chat client's latency): baseMillis plus millisPerToken per input token, with a
   * jitter of +-25% derived from the text. Default: no wait.
   */
  simulatedLatency?: { clock: { sleep(ms: number): Promise<void> }; baseMillis: number; millisPerToken: number };
}

/** Pure, synchronous embedding: word unigrams plus character trigrams of each padded word. */
export function embedText(text: string, dimensions = 512): Float32Array {
  const vector = new Float32Array(dimensions);
  const add = (feature: string, weight: number): void => {
    const bucket = fnv1a32(feature) % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + weight;
  };
  for (const word of words(text)) {
    add(`w:${word}`, 2);
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 1);
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length)
    throw new Error(`cosineSimilarity: dimensions differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * The offline default embedder: embedText locally, usage counted with the stand-in model's real
 * tokenizer. It is labelled simulated: the vectors are not the hosted model's.
 */
export class HashedNgramEmbedder implements Embedder {
  readonly provider: string;
  readonly model: string;
  readonly simulated = true;
  readonly dimensions: number;
  private readonly latency: HashedNgramEmbedderOptions['simulatedLatency'];

  constructor(options: HashedNgramEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 512;
    this.latency = options.simulatedLatency;
    this.provider = options.provider ?? 'openai';
    this.model = options.model ?? 'text-embedding-3-small';
  }

  async embed(text: string): Promise<EmbeddingResult> {
    const inputTokens = await countTokens(text, encodingForModel(this.model));
    if (this.latency) {
      const jitter = 0.75 + (0.5 * fnv1a32(`latency|${text}`)) / 0x1_0000_0000;
      await this.latency.clock.sleep((this.latency.baseMillis + this.latency.millisPerToken * inputTokens) * jitter);
    }
    return { vector: embedText(text, this.dimensions), usage: { inputTokens } };
  }
}

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/** A bounded LRU map (Map keeps insertion order; a hit re-inserts the key at the end). */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();
  private hits = 0;
  private misses = 0;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new Error(`LruCache: maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** Looks the key up and counts the hit or miss. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Embedding cache keyed by the embedder's model, its dimensions and the text's hash. */
export class EmbeddingCache {
  private readonly lru: LruCache<Float32Array>;

  constructor(maxEntries = 1024) {
    this.lru = new LruCache(maxEntries);
  }

  static key(embedder: Pick<Embedder, 'model' | 'dimensions'>, text: string): string {
    return contentHash(embedder.model, embedder.dimensions, text);
  }

  get(key: string): Float32Array | undefined {
    return this.lru.get(key);
  }

  set(key: string, vector: Float32Array): void {
    this.lru.set(key, vector);
  }

  stats(): CacheStats {
    return this.lru.stats();
  }
}
