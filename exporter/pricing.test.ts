import { createPriceBook } from './pricing';

describe('price book: cache writes', () => {
  const book = createPriceBook();
  const call = { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', inputTokens: 10_000, outputTokens: 100, atMillis: Date.UTC(2025, 5, 1) };

  it('prices cache-write tokens at the dataset cache-write rate (dearer than plain input for Anthropic)', () => {
    const plain = book.costUsd(call);
    const written = book.costUsd({ ...call, cacheWriteTokens: 5_000 });
    expect(plain).not.toBeNull();
    expect(written).not.toBeNull();
    expect(written as number).toBeGreaterThan(plain as number);
    // Cache reads are cheaper than input; writes and reads of the same tokens are priced apart.
    const read = book.costUsd({ ...call, cachedInputTokens: 5_000 });
    expect(read as number).toBeLessThan(plain as number);
  });

  it('never counts more cache-written tokens than input tokens not read from the cache', () => {
    const overrides = createPriceBook({ models: { m: { inputPerMTokUsd: 1, outputPerMTokUsd: 0, cachedInputPerMTokUsd: 0, cacheWritePerMTokUsd: 2 } } });
    const all = overrides.costUsd({ model: 'm', inputTokens: 1_000, outputTokens: 0, cachedInputTokens: 400, cacheWriteTokens: 600 });
    const over = overrides.costUsd({ model: 'm', inputTokens: 1_000, outputTokens: 0, cachedInputTokens: 400, cacheWriteTokens: 5_000 });
    expect(over).toBe(all);
    expect(all).toBeCloseTo((600 * 2) / 1e6, 12);
  });
});
