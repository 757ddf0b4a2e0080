import { linearTrend, mean, median, medianAbsoluteDeviation, percentile, percentiles, rollingMean, standardDeviation, variance } from './descriptive';

describe('percentile', () => {
  it('interpolates linearly between the closest ranks (numpy default)', () => {
    // h = (5 - 1) * 0.4 = 1.6 -> 20 + 0.6 * (35 - 20) = 29
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 12);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    // h = 3 * 0.95 = 2.85 -> 3 + 0.85 * (4 - 3)
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
  });

  it('handles one value and no value', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('computes several percentiles in the asked order from one sort', () => {
    expect(percentiles([10, 0, 5], [100, 0, 50, 25])).toEqual([10, 0, 5, 2.5]);
  });
});

describe('mean, variance, median, MAD', () => {
  it('match hand-computed values', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    // Sum of squares 32 over n - 1 = 7.
    expect(variance([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(32 / 7, 12);
    expect(standardDeviation([1, 3])).toBeCloseTo(Math.SQRT2, 12);
    expect(median([5, 1, 3])).toBe(3);
    // |x - 3| = 2, 1, 0, 1, 2, 97 -> median of sorted 0, 1, 1, 2, 2, 97 is 1.5
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 5, 100])).toBe(1.5);
  });

  it('gives NaN when there is too little data', () => {
    expect(mean([])).toBeNaN();
    expect(variance([1])).toBeNaN();
    expect(medianAbsoluteDeviation([])).toBeNaN();
  });
});

describe('rollingMean', () => {
  it('is null until the window is full by default', () => {
    expect(rollingMean([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });

  it('honours minPeriods and skips non-finite values', () => {
    expect(rollingMean([1, 2, 3, 4, 5], 3, { minPeriods: 1 })).toEqual([1, 1.5, 2, 3, 4]);
    expect(rollingMean([1, Number.NaN, 3, 5], 2, { minPeriods: 1 })).toEqual([1, 1, 3, 4]);
  });

  it('rejects a window that is not a positive integer', () => {
    expect(() => rollingMean([1], 0)).toThrow(/window/);
  });
});

describe('linearTrend', () => {
  it('fits the textbook example', () => {
    // x 1..5, y 2 4 5 4 5: Sxy = 6, Sxx = 10, Syy = 6 -> slope 0.6, intercept 2.2, r2 0.6
    const t = linearTrend([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(t.slope).toBeCloseTo(0.6, 12);
    expect(t.intercept).toBeCloseTo(2.2, 12);
    expect(t.r2).toBeCloseTo(0.6, 12);
    expect(t.n).toBe(5);
  });

  it('uses indexes as x when given only y, and is exact on a line', () => {
    expect(linearTrend([1, 3, 5, 7])).toEqual({ slope: 2, intercept: 1, r2: 1, n: 4 });
  });

  it('returns NaN with fewer than two points and refuses mismatched lengths', () => {
    expect(linearTrend([3]).slope).toBeNaN();
    expect(() => linearTrend([1, 2], [1])).toThrow(/2 x values but 1 y values/);
  });
});
