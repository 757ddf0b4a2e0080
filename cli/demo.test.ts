import { SimulatedClock } from '../instrumentation';
import { faithfulChoices, writeComponentTsx } from '../pipeline/codegen';
import { loadCatalog, loadCorpus } from '../pipeline/corpus';
import { buildGenerationPrompt, parseGenerationPrompt } from '../pipeline/prompt';
import { ValidationCache, validateGenerated } from '../pipeline/validate';
import { HashedNgramEmbedder } from '../pipeline';
import { replayingValidator } from './demo';

const corpus = loadCorpus();
const catalog = loadCatalog();
const spec = corpus.components[3]!;
const entry = catalog.entries.find((e) => e.type === spec.label)!;
const code = writeComponentTsx(parseGenerationPrompt(buildGenerationPrompt(spec, entry, catalog.library)), {
  ...faithfulChoices(),
  mistake: () => false,
  amount: () => 0.5,
});

describe('the demo replays a repeated validation with the duration measured when it ran', () => {
  it('validates an output for real once, then advances the clock by that measured time on each cold repeat', () => {
    // A clock that does not follow real time: only advance() moves it, so the replay is visible.
    const clock = new SimulatedClock(1_000_000_000n, { realTime: false });
    const validate = replayingValidator(clock);
    const first = validate(spec, code, new ValidationCache());
    expect(first.cacheHit).toBe(false);
    expect(clock.nowNs()).toBe(1_000_000_000n);

    const repeat = validate(spec, code, new ValidationCache());
    const advancedNs = clock.nowNs() - 1_000_000_000n;
    // A new run's cache is cold: the repeat is a miss, with the same result, and took the real time.
    expect(repeat.cacheHit).toBe(false);
    expect(repeat.result).toBe(first.result);
    expect(advancedNs).toBeGreaterThan(0n);
    expect(repeat.result).toEqual(validateGenerated(spec, code).result);

    // Within one run the cache hits as it would, and a hit costs no simulated time.
    const cache = new ValidationCache();
    validate(spec, code, cache);
    const before = clock.nowNs();
    const hit = validate(spec, code, cache);
    expect(hit.cacheHit).toBe(true);
    expect(clock.nowNs()).toBe(before);
  });

  it('the stand-in embedder waits on the clock as its latency profile says, jittered within 25%', async () => {
    const clock = new SimulatedClock(0n, { realTime: false });
    const embedder = new HashedNgramEmbedder({ simulatedLatency: { clock, baseMillis: 100, millisPerToken: 0 } });
    const waits: number[] = [];
    for (const text of ['a primary button', 'a card with a title', 'navigation tabs']) {
      const t0 = clock.nowNs();
      const plain = await new HashedNgramEmbedder().embed(text);
      const r = await embedder.embed(text);
      expect(r).toEqual(plain);
      waits.push(Number(clock.nowNs() - t0) / 1e6);
    }
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(75);
      expect(w).toBeLessThanOrEqual(125);
    }
    expect(new Set(waits).size).toBe(3);
  });
});
