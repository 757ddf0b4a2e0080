import { PNG } from 'pngjs';
import { faithfulChoices, writeComponentTsx } from './codegen';
import type { MistakeKind } from './codegen';
import { loadCatalog, loadCorpus } from './corpus';
import { buildGenerationPrompt, parseGenerationPrompt } from './prompt';
import { designToSvg, renderDesign } from './render';
import { pixelSimilarity, structuralSimilarity } from './similarity';
import { ValidationCache, validateGenerated } from './validate';

const corpus = loadCorpus();
const catalog = loadCatalog();
function payloadFor(index: number) {
  const spec = corpus.components[index]!;
  const entry = catalog.entries.find((e) => e.type === spec.label)!;
  return { spec, payload: parseGenerationPrompt(buildGenerationPrompt(spec, entry, catalog.library)) };
}
function codeWith(index: number, kinds: MistakeKind[]): string {
  const { payload } = payloadFor(index);
  return writeComponentTsx(payload, {
    ...faithfulChoices(),
    mistake: (kind) => kinds.includes(kind),
    amount: () => 0.5,
  });
}

describe('renderer and similarity', () => {
  it('renders a design to a PNG of the canvas size', () => {
    const spec = corpus.components[0]!;
    const { png, image } = renderDesign(spec.design, spec.design);
    const decoded = PNG.sync.read(png);
    expect([decoded.width, decoded.height]).toEqual([spec.design.width, spec.design.height]);
    expect(image.data.length).toBe(spec.design.width * spec.design.height * 4);
  });

  it('scores an image against itself as 1 and against another design lower', () => {
    const a = renderDesign(corpus.components[0]!.design, corpus.components[0]!.design).image;
    const again = renderDesign(corpus.components[0]!.design, corpus.components[0]!.design).image;
    const b = renderDesign(corpus.components[20]!.design, corpus.components[0]!.design).image;
    expect(pixelSimilarity(a, again)).toBe(1);
    expect(structuralSimilarity(a, again)).toBeCloseTo(1, 10);
    expect(pixelSimilarity(a, b)).toBeLessThan(0.9);
    expect(structuralSimilarity(a, b)).toBeLessThan(0.9);
  });

  it('escapes text for SVG', () => {
    const svg = designToSvg({
      name: 'c',
      kind: 'frame',
      x: 0,
      y: 0,
      width: 10,
      height: 10,
      children: [{ name: 't', kind: 'text', x: 0, y: 0, width: 10, height: 10, text: '<a & "b">' }],
    });
    expect(svg).toContain('&lt;a &amp; &quot;b&quot;&gt;');
  });
});

describe('validateGenerated', () => {
  it('gives faithful code for every corpus spec pixel similarity 1 and full code quality', () => {
    for (let i = 0; i < corpus.components.length; i++) {
      const { result } = validateGenerated(corpus.components[i]!, codeWith(i, []));
      expect({
        id: corpus.components[i]!.id,
        pixel: result.pixelSimilarity,
        quality: result.codeQuality.score,
      }).toEqual({ id: corpus.components[i]!.id, pixel: 1, quality: 1 });
      expect(result.structuralSimilarity).toBeCloseTo(1, 10);
    }
  });

  it('scores visual mistakes lower on pixels and SSIM', () => {
    const spec = corpus.components[0]!;
    for (const kinds of [['drop-fill'], ['shift'], ['color-drift'], ['drop-text']] as MistakeKind[][]) {
      const { result } = validateGenerated(spec, codeWith(0, kinds));
      expect(result.pixelSimilarity).toBeLessThan(1);
      expect(result.structuralSimilarity).toBeLessThan(1);
    }
  });

  it('scores code mistakes lower on code quality and explains them', () => {
    const input = corpus.components.findIndex((c) => c.label === 'input');
    const { result } = validateGenerated(
      corpus.components[input]!,
      codeWith(input, ['drop-accessible-name', 'inline-handler']),
    );
    expect(result.codeQuality.failed).toEqual(['accessible-names', 'no-inline-handlers']);
    expect(result.pixelSimilarity).toBe(1);

    const broken = validateGenerated(corpus.components[0]!, codeWith(0, ['unclosed-tag']));
    expect(broken.result.parses).toBe(false);
    expect(broken.result.codeQuality.failed).toContain('parses');
  });

  it('returns a cached result for repeated inputs', () => {
    const cache = new ValidationCache();
    const spec = corpus.components[4]!;
    const code = codeWith(4, ['shift']);
    const first = validateGenerated(spec, code, cache);
    const second = validateGenerated(spec, code, cache);
    const other = validateGenerated(spec, codeWith(4, []), cache);
    expect([first.cacheHit, second.cacheHit, other.cacheHit]).toEqual([false, true, false]);
    expect(second.result).toBe(first.result);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
    expect(validateGenerated(spec, code).cacheHit).toBeUndefined();
  });
});
