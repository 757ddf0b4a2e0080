import { cosineSimilarity, EmbeddingCache, embedText, HashedNgramEmbedder, LruCache } from './embedding';

describe('embedText and cosineSimilarity', () => {
  it('gives unit vectors, similarity 1 for the same text and symmetric similarity', () => {
    const a = embedText('Primary button that submits the form');
    const b = embedText('Data table with sortable columns');
    expect(a.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
    expect(cosineSimilarity(a, a)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a, b)).toBeCloseTo(cosineSimilarity(b, a), 12);
  });

  it('ranks related texts above unrelated ones', () => {
    const query = embedText('Search input with placeholder');
    const related = embedText('Search field with a magnifier icon and a placeholder');
    const unrelated = embedText('Modal dialog over a dimmed backdrop');
    expect(cosineSimilarity(query, related)).toBeGreaterThan(cosineSimilarity(query, unrelated) + 0.2);
  });

  it('matches the cosine formula on small vectors and is 0 for a zero vector', () => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array([3, 2, 1]);
    expect(cosineSimilarity(a, b)).toBeCloseTo(10 / 14, 6);
    expect(cosineSimilarity(a, new Float32Array(3))).toBe(0);
    expect(() => cosineSimilarity(a, new Float32Array(2))).toThrow('dimensions differ');
  });
});

describe('HashedNgramEmbedder', () => {
  it('counts input tokens with the cl100k_base tokenizer of text-embedding-3-small', async () => {
    const text = 'Solid call-to-action button that saves the form.';
    const result = await new HashedNgramEmbedder().embed(text);
    // js-tiktoken itself, not our wrapper (it is an ES module: dynamic import from CommonJS).
    const { Tiktoken } = await import('js-tiktoken/lite');
    const cl100k = (await import('js-tiktoken/ranks/cl100k_base')).default;
    expect(result.usage.inputTokens).toBe(new Tiktoken(cl100k).encode(text).length);
    // Embeddings have no output tokens: no count at all, rather than a zero (GenAI conventions).
    expect(result.usage).not.toHaveProperty('outputTokens');
    expect(Array.from(result.vector)).toEqual(Array.from(embedText(text)));
  });
});

describe('LruCache and EmbeddingCache', () => {
  it('counts hits and misses and evicts the least recently used entry', () => {
    const cache = new LruCache<number>(2);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3); // evicts b
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, size: 2 });
  });

  it('keys embeddings by model, dimensions and text', () => {
    const small = { model: 'text-embedding-3-small', dimensions: 512 };
    expect(EmbeddingCache.key(small, 'x')).toBe(EmbeddingCache.key(small, 'x'));
    expect(EmbeddingCache.key(small, 'x')).not.toBe(EmbeddingCache.key({ ...small, model: 'other' }, 'x'));
    expect(EmbeddingCache.key(small, 'x')).not.toBe(EmbeddingCache.key({ ...small, dimensions: 256 }, 'x'));
    expect(EmbeddingCache.key(small, 'x')).not.toBe(EmbeddingCache.key(small, 'y'));
  });
});
