import { compareSamples, holmSignificant, mannWhitneyU, twoProportionTest, welchTTest } from './two-sample';

describe('welchTTest', () => {
  it('matches the hand-computed statistic, degrees of freedom and p-value', () => {
    // means 3 and 6, variances 2.5 and 10: se² = 0.5 + 2 = 2.5, t = 3 / √2.5,
    // df = 2.5² / (0.5² / 4 + 2² / 4) = 5.882; two-sided p = 0.1075 (scipy ttest_ind equal_var=False).
    const r = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
    expect(r.t).toBeCloseTo(3 / Math.sqrt(2.5), 12);
    expect(r.df).toBeCloseTo(6.25 / 1.0625, 12);
    expect(r.pValue).toBeCloseTo(0.1075, 4);
    expect(r.difference).toBe(3);
  });

  it('halves the p-value one-sided in the observed direction', () => {
    const two = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]).pValue;
    expect(welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], 'greater').pValue).toBeCloseTo(two / 2, 12);
    expect(welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], 'less').pValue).toBeCloseTo(1 - two / 2, 12);
  });

  it('handles constant samples', () => {
    expect(welchTTest([1, 1, 1], [1, 1]).pValue).toBe(1);
    const r = welchTTest([1, 1, 1], [2, 2]);
    expect(r.t).toBe(Number.POSITIVE_INFINITY);
    expect(r.pValue).toBe(0);
    expect(welchTTest([1], [2, 3]).pValue).toBeNaN();
  });
});

describe('mannWhitneyU', () => {
  it('matches the normal approximation with continuity correction', () => {
    // U = 25, mean 12.5, variance 25 * 11 / 12: z = 12 / 4.7871 = 2.5067, p = 0.01219
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(25);
    expect(r.z).toBeCloseTo(2.50672, 4);
    expect(r.pValue).toBeCloseTo(0.01219, 4);
    expect(r.probabilityRecentGreater).toBe(1);
  });

  it('averages tied ranks and corrects the variance for ties', () => {
    // Ranks: 1 -> 1, the three 2s -> 3, the three 3s -> 6, 4 -> 8. R(recent) = 3 + 6 + 6 + 8 = 23,
    // U = 23 - 10 = 13. Tie term 24 + 24 = 48: var = 16/12 * (9 - 48/56) = 10.857, z = 4.5 / 3.2950.
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(r.u).toBe(13);
    expect(r.z).toBeCloseTo(1.3657, 4);
    expect(r.pValue).toBeCloseTo(0.1720, 4);
  });

  it('says p = 1 when every value is tied, and one-sided p follows the direction', () => {
    expect(mannWhitneyU([3, 3], [3, 3, 3]).pValue).toBe(1);
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 'greater').pValue).toBeCloseTo(0.01219 / 2, 4);
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 'less').pValue).toBeGreaterThan(0.99);
  });
});

describe('twoProportionTest', () => {
  it('matches the pooled z-test', () => {
    // 0.9 vs 0.7, pooled 0.8: se = √(0.8 * 0.2 * (1/50 + 1/50)) = 0.08, z = -2.5, p = 0.01242
    const r = twoProportionTest(45, 50, 35, 50);
    expect(r.z).toBeCloseTo(-2.5, 12);
    expect(r.pValue).toBeCloseTo(0.012419, 5);
    expect(twoProportionTest(10, 10, 10, 10).pValue).toBe(1);
  });
});

describe('compareSamples', () => {
  it('refuses a verdict below the minimum sample size', () => {
    const r = compareSamples([1, 2, 3], [10, 11, 12], { minSamples: 5 });
    expect(r).toMatchObject({ significant: false, reason: 'insufficient samples', pValue: null, nBaseline: 3, nRecent: 3 });
  });

  it('reports a significant shift with its direction', () => {
    const baseline = [0.8, 0.82, 0.79, 0.81, 0.8, 0.78, 0.83, 0.8, 0.81, 0.79];
    const recent = baseline.map((v) => v - 0.1);
    const r = compareSamples(baseline, recent, { alpha: 0.01, alternative: 'less' });
    expect(r.significant).toBe(true);
    expect(r.difference).toBeCloseTo(-0.1, 12);
    expect(r.pValue).toBeLessThan(1e-6);
    const mw = compareSamples(baseline, recent, { test: 'mann_whitney', alpha: 0.01, alternative: 'less' });
    expect(mw.significant).toBe(true);
    expect(mw.test).toBe('mann_whitney');
  });

  it('is not significant in the other direction, nor below the minimum effect', () => {
    const baseline = [0.8, 0.82, 0.79, 0.81, 0.8, 0.78, 0.83, 0.8, 0.81, 0.79];
    const recent = baseline.map((v) => v - 0.02);
    expect(compareSamples(baseline, recent, { alternative: 'greater' })).toMatchObject({ significant: false, reason: 'not significant' });
    expect(compareSamples(baseline, recent, { alternative: 'less', minEffect: 0.05 })).toMatchObject({
      significant: false,
      reason: 'effect below minimum',
    });
  });
});

describe('holmSignificant', () => {
  it('steps down until the first p-value above alpha / (m - k)', () => {
    // Sorted: 0.005 <= 0.05/4, 0.01 <= 0.05/3, 0.03 > 0.05/2 -> stop.
    expect(holmSignificant([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true]);
    expect(holmSignificant([null, 0.001], 0.05)).toEqual([false, true]);
  });
});

describe('compareSamples on 0/1 samples', () => {
  it('uses the two-proportion test, where Welch would be overconfident', () => {
    // 73 of 84 vs 12 of 12: Welch's t = 0.131 / √(0.1147/84) = 3.54 (p ≈ 0.0007), but the pooled
    // proportion test gives z = 1.33, p = 0.18.
    const baseline = [...Array<number>(73).fill(1), ...Array<number>(11).fill(0)];
    const recent = Array<number>(12).fill(1);
    const r = compareSamples(baseline, recent, { alpha: 0.001 });
    expect(r).toMatchObject({ test: 'proportion', significant: false, reason: 'not significant' });
    expect(r.pValue).toBeCloseTo(twoProportionTest(73, 84, 12, 12).pValue, 12);
    expect(r.pValue).toBeGreaterThan(0.1);
    expect(compareSamples(baseline, recent, { alpha: 0.001, binaryAsProportions: false }).significant).toBe(true);
  });
});
