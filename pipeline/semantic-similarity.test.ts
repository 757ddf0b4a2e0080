/**
 * The semantic similarity on hand-made pairs where it and the render comparisons disagree: a
 * recoloured button (pixels and SSIM drop, the meaning does not), a button whose label says
 * something else and a `<div>` drawn exactly like the button (the renders barely change, the
 * meaning does), and a moved button (layout only).
 */
import { faithfulChoices, writeComponentTsx } from './codegen';
import { parseComponentCode } from './code-parse';
import { loadCatalog, loadCorpus } from './corpus';
import { buildGenerationPrompt, parseGenerationPrompt } from './prompt';
import { renderDesign } from './render';
import { nameSimilarity, roleOfLayer, semanticSimilarity, uiElements } from './semantic-similarity';
import { pixelSimilarity, structuralSimilarity } from './similarity';

const corpus = loadCorpus();
const catalog = loadCatalog();
const button = corpus.components[0]!;

function faithful(index: number): string {
  const spec = corpus.components[index]!;
  const entry = catalog.entries.find((e) => e.type === spec.label)!;
  return writeComponentTsx(parseGenerationPrompt(buildGenerationPrompt(spec, entry, catalog.library)), faithfulChoices());
}

/** The three measures of generated code against the first corpus spec (the primary button). */
function measures(code: string) {
  const parsed = parseComponentCode(code);
  expect(parsed.syntaxErrors).toEqual([]);
  const ref = renderDesign(button.design, button.design).image;
  const gen = renderDesign(parsed.root, button.design).image;
  return { pixel: pixelSimilarity(ref, gen), ssim: structuralSimilarity(ref, gen), semantic: semanticSimilarity(button.design, parsed.root) };
}

describe('semantic similarity', () => {
  const code = faithful(0);

  it('finds the button and its label in the design and in faithful code, and scores them 1', () => {
    expect(uiElements(button.design, 'reference').map((e) => [e.role, e.name])).toEqual([['button', 'save changes'], ['text', 'save changes']]);
    const m = measures(code);
    expect(m.pixel).toBe(1);
    expect(m.semantic).toMatchObject({ score: 1, matched: 2, missing: [], extra: [] });
  });

  it('keeps a recoloured button at 1 while pixels and SSIM drop', () => {
    expect(code).toContain('#2563eb');
    const m = measures(code.replaceAll('#2563eb', '#16a34a').replaceAll('#ffffff', '#111827'));
    expect(m.pixel).toBeLessThan(0.6);
    expect(m.ssim).toBeLessThan(0.8);
    expect(m.semantic.score).toBe(1);
  });

  it('drops a button whose label says something else, which pixels and SSIM hardly see', () => {
    const m = measures(code.replaceAll('Save changes', 'Erase it all'));
    expect(m.pixel).toBeGreaterThan(0.9);
    expect(m.semantic.score).toBeLessThan(0.5);
    expect(m.semantic.missing).toEqual(['text: save changes']);
    expect(m.ssim - m.semantic.score).toBeGreaterThan(0.3);
  });

  it('drops a div drawn exactly like the button: the renders are identical, the control is gone', () => {
    expect(code).toMatch(/<button /);
    const m = measures(code.replace(/<button /, '<div ').replace('</button>', '</div>'));
    expect(m.pixel).toBe(1);
    expect(m.ssim).toBeCloseTo(1, 10);
    expect(m.semantic.missing).toEqual(['button: save changes']);
    expect(m.semantic.score).toBeCloseTo(2 / 3, 6);
  });

  it('lowers a moved button by its layout overlap only', () => {
    const moved = code.replace(/left: 24/, 'left: 80');
    expect(moved).not.toBe(code);
    const m = measures(moved);
    expect(m.semantic.matched).toBe(2);
    expect(m.semantic.matchedShare).toBe(1);
    expect(m.semantic.layoutOverlap).toBeLessThanOrEqual(0.5);
    expect(m.semantic.score).toBeCloseTo(0.5 + 0.5 * (m.semantic.layoutOverlap ?? 0), 6);
  });

  it('reads roles from layer names and compares names by words', () => {
    expect(['Button', 'Field', 'Link 2', 'Tab 1', 'Tab list', 'Select', 'Check', 'Confirm', 'Field label', 'Search icon', 'Card'].map((n) => roleOfLayer(n))).toEqual([
      'button', 'textbox', 'link', 'tab', 'tablist', 'combobox', undefined, 'button', undefined, undefined, undefined,
    ]);
    expect([roleOfLayer('Option 1', ['Box', 'Label']), roleOfLayer('Option 2', ['Track', 'Label']), roleOfLayer('Option 3', ['Label'])]).toEqual(['checkbox', 'switch', undefined]);
    expect(nameSimilarity('save changes', 'save changes')).toBe(1);
    expect(nameSimilarity('save changes', 'save')).toBe(0.5);
    expect(nameSimilarity('save', 'erase')).toBe(0);
  });

  it('keeps most of the meaning of faithful code for every corpus spec', () => {
    const rows = corpus.components.map((spec, i) => {
      const c = faithful(i);
      const root = parseComponentCode(c).root;
      return { id: spec.id, faithful: semanticSimilarity(spec.design, root).score };
    });
    // Every faithful generation keeps most of the design's meaning; non-target layers written as
    // <div> (a dialog's Confirm and Cancel) are the honest shortfall.
    for (const r of rows) expect({ id: r.id, ok: r.faithful >= 0.5 }).toEqual({ id: r.id, ok: true });
    expect(rows.filter((r) => r.faithful === 1).length).toBeGreaterThan(rows.length / 3);
  });
});
