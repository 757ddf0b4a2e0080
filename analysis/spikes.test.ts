import { detectSpike, iqrFences, robustZScore } from './spikes';

describe('robustZScore', () => {
  it('measures distance from the median in scaled MADs', () => {
    // median 3, MAD 1 -> scale 1.4826, z = 7 / 1.4826
    const r = robustZScore(10, [1, 2, 3, 4, 5]);
    expect(r.median).toBe(3);
    expect(r.mad).toBe(1);
    expect(r.z).toBeCloseTo(7 / 1.4826, 10);
  });

  it('floors the scale on a flat baseline', () => {
    // MAD 0, floor 5 % of 10 = 0.5 -> z = 1 / 0.5
    expect(robustZScore(11, [10, 10, 10, 10, 10]).z).toBe(2);
  });
});

describe('detectSpike', () => {
  it('needs both the ratio and the robust z', () => {
    expect(detectSpike(10, [1, 2, 3, 4, 5])).toMatchObject({ isSpike: true });
    // ratio 1.83 < 2 although z = 3.03
    expect(detectSpike(5.5, [1, 2, 3, 4, 5])).toMatchObject({ isSpike: false, reason: 'below thresholds' });
    // ratio 2.2 but z = 1.7 on a noisy baseline
    expect(detectSpike(22, [2, 10, 20, 5, 15, 1, 30]).isSpike).toBe(false);
    expect(detectSpike(30, [10, 10, 10, 10, 10])).toMatchObject({ isSpike: true, ratio: 3, z: 40 });
  });

  it('gives no verdict on a short baseline', () => {
    expect(detectSpike(100, [1, 1, 1])).toMatchObject({ isSpike: false, reason: 'insufficient baseline' });
  });

  it('detects drops when asked', () => {
    expect(detectSpike(2, [10, 11, 9, 10, 10], { direction: 'down' }).isSpike).toBe(true);
    expect(detectSpike(2, [10, 11, 9, 10, 10]).isSpike).toBe(false);
  });
});

describe('iqrFences', () => {
  it('puts the fences 1.5 IQR beyond the quartiles', () => {
    // q1 at h = 1.75 -> 2.75, q3 at h = 5.25 -> 6.25
    expect(iqrFences([1, 2, 3, 4, 5, 6, 7, 8])).toEqual({ q1: 2.75, q3: 6.25, iqr: 3.5, lower: -2.5, upper: 11.5 });
  });
});
