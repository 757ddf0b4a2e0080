import { findOpportunities } from './opportunities';
import type { ModelStats } from './opportunities';

const m = (model: string, q: number | null, costUsd: number, runs: number, samples = 100): ModelStats => ({
  model,
  quality: { 'visual.pixel_similarity': q, 'code.quality': q == null ? null : q + 0.05 },
  samples,
  costUsd,
  runs,
});

describe('findOpportunities', () => {
  it('finds a cheaper model within tolerance of the most used one and estimates the savings', () => {
    const out = findOpportunities([{ componentType: 'button', models: [m('big', 0.9, 100, 1000), m('small', 0.89, 10, 200)] }], { tolerance: 0.02, minSamples: 20 });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ componentType: 'button', currentModel: 'big', candidateModel: 'small' });
    expect(out[0]?.savingsUsd).toBeCloseTo((0.1 - 0.05) * 1000);
    expect(out[0]?.worstDelta).toBeCloseTo(-0.01);
  });

  it('rejects candidates that are worse beyond tolerance, more expensive, unscored or thinly sampled', () => {
    const types = [
      { componentType: 'a', models: [m('big', 0.9, 100, 1000), m('worse', 0.85, 10, 200)] },
      { componentType: 'b', models: [m('big', 0.9, 100, 1000), m('pricier', 0.95, 200, 500)] },
      { componentType: 'c', models: [m('big', 0.9, 100, 1000), m('unscored', null, 10, 200)] },
      { componentType: 'd', models: [m('big', 0.9, 100, 1000), m('few', 0.95, 1, 200, 3)] },
    ];
    expect(findOpportunities(types, { tolerance: 0.02, minSamples: 20 })).toEqual([]);
  });

  it('sorts by savings, largest first', () => {
    const out = findOpportunities(
      [
        { componentType: 'x', models: [m('big', 0.9, 10, 100), m('small', 0.9, 5, 100)] },
        { componentType: 'y', models: [m('big', 0.9, 1000, 100), m('small', 0.9, 5, 100)] },
      ],
      { tolerance: 0.02, minSamples: 20 },
    );
    expect(out.map((o) => o.componentType)).toEqual(['y', 'x']);
  });
});
