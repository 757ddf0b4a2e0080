import { calcPrice } from '@pydantic/genai-prices';
import { loadCatalog, loadCorpus } from './corpus';
import { buildGenerationPrompt, extractCode } from './prompt';
import { SIMULATED_MODEL_PROFILES, SimulatedModelClient, UnknownModelError } from './simulated-client';
import { validateGenerated } from './validate';

const corpus = loadCorpus();
const catalog = loadCatalog();
function promptFor(index: number): string {
  const spec = corpus.components[index]!;
  const entry = catalog.entries.find((e) => e.type === spec.label)!;
  return buildGenerationPrompt(spec, entry, catalog.library);
}

class RecordingClock {
  readonly sleeps: number[] = [];
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return Promise.resolve();
  }
}

describe('SimulatedModelClient', () => {
  it('is named and flagged as simulated', () => {
    const client = new SimulatedModelClient({ model: 'gpt-4o-mini', latencyScale: 0 });
    expect(client.simulated).toBe(true);
    expect(client.name).toBe('simulated:gpt-4o-mini');
    expect(client.provider).toBe('openai');
  });

  it('answers the same prompt identically for the same seed and model', async () => {
    const a = new SimulatedModelClient({ model: 'gpt-4.1-nano', seed: 7, latencyScale: 0 });
    const b = new SimulatedModelClient({ model: 'gpt-4.1-nano', seed: 7, latencyScale: 0 });
    for (const i of [0, 10, 25, 40])
      expect(await a.complete(promptFor(i))).toEqual(await b.complete(promptFor(i)));
  });

  it('answers differently for another seed or another model somewhere in the corpus', async () => {
    const base = new SimulatedModelClient({ model: 'gpt-4.1-nano', seed: 1, latencyScale: 0 });
    const otherSeed = new SimulatedModelClient({ model: 'gpt-4.1-nano', seed: 2, latencyScale: 0 });
    const otherModel = new SimulatedModelClient({ model: 'gpt-4o', seed: 1, latencyScale: 0 });
    let seedDiffers = 0;
    let modelDiffers = 0;
    for (let i = 0; i < corpus.components.length; i += 3) {
      const text = (await base.complete(promptFor(i))).text;
      if ((await otherSeed.complete(promptFor(i))).text !== text) seedDiffers++;
      if ((await otherModel.complete(promptFor(i))).text !== text) modelDiffers++;
    }
    expect(seedDiffers).toBeGreaterThan(0);
    expect(modelDiffers).toBeGreaterThan(0);
  });

  it("counts usage as js-tiktoken's count of the actual prompt and reply", async () => {
    // js-tiktoken itself, not our wrapper (it is an ES module: dynamic import from CommonJS).
    const { Tiktoken } = await import('js-tiktoken/lite');
    const encoder = new Tiktoken((await import('js-tiktoken/ranks/o200k_base')).default);
    const client = new SimulatedModelClient({ model: 'gpt-4o', latencyScale: 0 });
    for (const i of [1, 17, 33]) {
      const prompt = promptFor(i);
      const reply = await client.complete(prompt);
      expect(reply.usage.inputTokens).toBe(encoder.encode(prompt).length);
      expect(reply.usage.outputTokens).toBe(encoder.encode(reply.text).length);
      expect(reply.usage.responseModel).toBe('gpt-4o');
    }
  });

  it('writes code that the pipeline can extract and that names itself simulated', async () => {
    const reply = await new SimulatedModelClient({ model: 'gpt-4o', latencyScale: 0 }).complete(promptFor(0));
    const code = extractCode(reply.text);
    expect(code).toContain('export function PrimaryButton');
    expect(code).toContain('simulated');
  });

  it('rejects an unknown model with the list of known ones', () => {
    expect(() => new SimulatedModelClient({ model: 'gpt-17' })).toThrow(UnknownModelError);
    expect(() => new SimulatedModelClient({ model: 'gpt-17' })).toThrow(
      `known models: ${Object.keys(SIMULATED_MODEL_PROFILES).join(', ')}`,
    );
  });

  it('plays only models that @pydantic/genai-prices prices', () => {
    for (const [model, profile] of Object.entries(SIMULATED_MODEL_PROFILES)) {
      const price = calcPrice({ input_tokens: 1000, output_tokens: 1000 }, model, {
        providerId: profile.provider,
      });
      expect(price).not.toBeNull();
      expect(price!.total_price).toBeGreaterThan(0);
    }
  });

  it('waits a latency derived from the output tokens on the given clock, scaled by latencyScale', async () => {
    const clock = new RecordingClock();
    const client = new SimulatedModelClient({ model: 'gpt-4o-mini', clock, latencyScale: 1 });
    const reply = await client.complete(promptFor(3));
    expect(clock.sleeps).toHaveLength(1);
    const profile = SIMULATED_MODEL_PROFILES['gpt-4o-mini']!;
    const nominal = profile.firstTokenMillis + profile.millisPerOutputToken * reply.usage.outputTokens;
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(nominal * 0.75);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(nominal * 1.25);

    const half = new RecordingClock();
    await new SimulatedModelClient({ model: 'gpt-4o-mini', clock: half, latencyScale: 0.5 }).complete(
      promptFor(3),
    );
    expect(half.sleeps[0]).toBeCloseTo(clock.sleeps[0]! / 2, 6);

    const none = new RecordingClock();
    await new SimulatedModelClient({ model: 'gpt-4o-mini', clock: none, latencyScale: 0 }).complete(
      promptFor(3),
    );
    expect(none.sleeps).toHaveLength(0);
  });

  it('gets worse as degradation rises (never better), measured by validation', async () => {
    const meanPixel = async (degradation: number): Promise<number> => {
      const client = new SimulatedModelClient({ model: 'gpt-4o-mini', degradation, latencyScale: 0 });
      let sum = 0;
      for (let i = 0; i < corpus.components.length; i += 3) {
        const text = (await client.complete(promptFor(i))).text;
        // A refusal is the worst outcome: count it as 0.
        sum += text.includes('```')
          ? validateGenerated(corpus.components[i]!, extractCode(text)).result.pixelSimilarity
          : 0;
      }
      return sum;
    };
    const clean = await meanPixel(0);
    const some = await meanPixel(0.5);
    const heavy = await meanPixel(1);
    expect(some).toBeLessThan(clean);
    expect(heavy).toBeLessThan(some);
  });

  it('rejects out-of-range knobs', () => {
    expect(() => new SimulatedModelClient({ model: 'gpt-4o', degradation: 1.5 })).toThrow('degradation');
    expect(() => new SimulatedModelClient({ model: 'gpt-4o', latencyScale: -1 })).toThrow('latencyScale');
  });

  it('fails clearly on a prompt without a design block', async () => {
    await expect(
      new SimulatedModelClient({ model: 'gpt-4o', latencyScale: 0 }).complete('write a button'),
    ).rejects.toThrow('genscope-design');
  });
});
