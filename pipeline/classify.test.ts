import { classifySpec } from './classify';
import { loadCorpus } from './corpus';
import { COMPONENT_TYPES } from './types';
import type { ComponentSpec } from './types';

const corpus = loadCorpus();

describe('classifySpec', () => {
  it('classifies plainly described specs', () => {
    const spec = (
      name: string,
      description: string,
      tokens: string[],
    ): Pick<ComponentSpec, 'name' | 'description' | 'tokens' | 'design'> => ({
      name,
      description,
      tokens,
      design: { name: 'Canvas', kind: 'frame', x: 0, y: 0, width: 10, height: 10 },
    });
    expect(classifySpec(spec('Submit button', 'Click to submit', ['cta'])).predicted).toBe('button');
    expect(classifySpec(spec('Orders', 'Data table with rows and columns', [])).predicted).toBe('table');
    expect(classifySpec(spec('Confirm', 'Modal dialog over a backdrop', [])).predicted).toBe('modal');
  });

  it('never sees the label: relabelling a spec does not change its prediction', () => {
    for (const spec of corpus.components) {
      const other = COMPONENT_TYPES.find((t) => t !== spec.label)!;
      expect(classifySpec({ ...spec, label: other } as ComponentSpec)).toEqual(classifySpec(spec));
    }
  });

  it('is a real measurement on the corpus: mostly right, wrong on some ambiguous specs', () => {
    const results = corpus.components.map((spec) => ({ spec, predicted: classifySpec(spec).predicted }));
    const correct = results.filter((r) => r.predicted === r.spec.label).length;
    const accuracy = correct / results.length;
    expect(accuracy).toBeGreaterThan(0.75);
    expect(accuracy).toBeLessThan(1);
    // The wrong ones are wrong because their text leans to another type, not at random.
    for (const r of results.filter((x) => x.predicted !== x.spec.label)) {
      const scores = classifySpec(r.spec).scores;
      expect(scores[r.predicted]).toBeGreaterThan(scores[r.spec.label]);
    }
  });

  it('predicts the type with the highest score and reports its share as confidence', () => {
    for (const spec of corpus.components.slice(0, 10)) {
      const c = classifySpec(spec);
      const max = Math.max(...Object.values(c.scores));
      expect(c.scores[c.predicted]).toBe(max);
      const total = Object.values(c.scores).reduce((a, b) => a + b, 0);
      expect(c.confidence).toBeCloseTo(max / total, 10);
    }
  });
});
