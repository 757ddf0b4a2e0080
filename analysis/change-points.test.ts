import { scanLevelShifts, scanSpikes } from './change-points';

/** Deterministic noise (a small LCG) so the tests are reproducible. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function bucketsOf(levels: number[], perBucket: number, spread: number, seed = 1): number[][] {
  const r = noise(seed);
  return levels.map((level) => Array.from({ length: perBucket }, () => level + spread * r()));
}

describe('scanLevelShifts', () => {
  it('finds a lasting drop once, on its first bucket', () => {
    const levels = Array.from({ length: 24 }, (_, i) => (i < 14 ? 0.85 : 0.7));
    const shifts = scanLevelShifts(bucketsOf(levels, 20, 0.1), { alpha: 0.001, minEffect: 0.05 });
    expect(shifts.map((s) => [s.index, s.direction])).toEqual([[14, 'decrease']]);
    expect(shifts[0]?.result.difference).toBeLessThan(-0.1);
  });

  it('raises nothing on a stable series', () => {
    const levels = Array.from({ length: 60 }, () => 0.8);
    expect(scanLevelShifts(bucketsOf(levels, 20, 0.2, 7), { alpha: 0.001, minEffect: 0.05 })).toEqual([]);
  });

  it('re-baselines after a shift the other way without reporting it', () => {
    const levels = Array.from({ length: 30 }, (_, i) => (i < 10 ? 0.6 : i < 20 ? 0.8 : 0.65));
    const shifts = scanLevelShifts(bucketsOf(levels, 20, 0.1, 3), { alpha: 0.001, direction: 'decrease' });
    expect(shifts.map((s) => s.index)).toEqual([20]);
  });

  it('waits for enough baseline buckets', () => {
    const buckets = bucketsOf([0.9, 0.9, 0.5], 20, 0.05);
    expect(scanLevelShifts(buckets, { minBaselineBuckets: 3 })).toEqual([]);
    expect(scanLevelShifts(buckets, { minBaselineBuckets: 2 }).map((s) => s.index)).toEqual([2]);
  });
});

describe('scanSpikes', () => {
  it('flags the spiking bucket only, skipping gaps', () => {
    const values = [10, 11, 9, 10, null, 12, 10, 11, 40, 10, 11, 9];
    const episodes = scanSpikes(values);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ startIndex: 8, endIndex: 8, peakIndex: 8 });
    expect(episodes[0]?.peak.ratio).toBeCloseTo(4, 10);
  });

  it('merges consecutive spiking buckets into one episode', () => {
    const values = [10, 11, 9, 10, 12, 10, 11, 30, 45, 10, 11];
    expect(scanSpikes(values).map((e) => [e.startIndex, e.endIndex, e.peakIndex])).toEqual([[7, 8, 8]]);
  });
});
