import fc from 'fast-check';
import { quantileSorted } from '../analysis/index';
import {
  BucketCounts,
  SCORE_BINS,
  SKETCH_RELATIVE_ERROR,
  mergeEncoded,
  scoreBin,
  scoreBinsOf,
  sketchBoundsNs,
  sketchIndex,
  sketchQuantileNs,
  sketchValueNs,
  toDisplayBuckets,
} from './histogram';

/** Durations from 1 µs to 10 min, log-uniform like real stage latencies, plus some exact ties. */
const durationNs = fc.oneof(
  fc.double({ min: 3, max: 11.8, noNaN: true }).map((e) => Math.round(10 ** e)),
  fc.constantFrom(1_000_000, 250_000_000, 8_000_000_000),
);

function sketchOf(values: readonly number[]): BucketCounts {
  const h = new BucketCounts();
  for (const v of values) h.add(sketchIndex(v));
  return h;
}

describe('latency sketch', () => {
  it('reads every bucket back within the stated relative error of what it holds', () => {
    expect(SKETCH_RELATIVE_ERROR).toBeLessThanOrEqual(0.01);
    fc.assert(
      fc.property(durationNs, (ns) => {
        const i = sketchIndex(ns);
        const [lo, hi] = sketchBoundsNs(i);
        expect(ns).toBeGreaterThan(lo * (1 - 1e-12));
        expect(ns).toBeLessThanOrEqual(hi * (1 + 1e-12));
        expect(Math.abs(sketchValueNs(i) - ns) / ns).toBeLessThanOrEqual(SKETCH_RELATIVE_ERROR + 1e-12);
      }),
    );
  });

  it('gives p50/p95/p99 of merged sketches within 1% of the exact percentiles of all the values', () => {
    fc.assert(
      fc.property(fc.array(fc.array(durationNs, { minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 8 }), (parts) => {
        // Each part goes through the stored form, as rollup rows do, then the parts merge.
        const merged = new BucketCounts();
        for (const p of parts) merged.addEncoded(sketchOf(p).encode());
        const sorted = Float64Array.from(parts.flat()).sort();
        for (const q of [0.5, 0.95, 0.99]) {
          const exact = quantileSorted(sorted, q);
          const got = sketchQuantileNs(merged, q) ?? Number.NaN;
          expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(SKETCH_RELATIVE_ERROR + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through the stored form and merges stored forms by adding counts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2047), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 60 }), (pairs) => {
        const h = new BucketCounts();
        for (const [i, c] of pairs) h.add(i, c);
        const back = BucketCounts.decode(h.encode());
        const a: [number, number][] = [];
        const b: [number, number][] = [];
        h.forEach((i, c) => a.push([i, c]));
        back.forEach((i, c) => b.push([i, c]));
        expect(b).toEqual(a);
        const twice = BucketCounts.decode(mergeEncoded(h.encode(), h.encode()));
        expect(twice.total).toBe(2 * h.total);
      }),
    );
  });

  it('is null when empty and ignores a NULL stored value', () => {
    const h = new BucketCounts();
    h.addEncoded(null);
    expect(sketchQuantileNs(h, 0.5)).toBeNull();
    expect(h.range()).toBeNull();
  });

  it('re-buckets into display buckets without losing counts', () => {
    const h = sketchOf([1e5, 2e6, 2.1e6, 3e9]);
    const d = toDisplayBuckets(h);
    expect(d.total).toBe(4);
    expect(d.range()).not.toBeNull();
  });
});

describe('score histogram', () => {
  it('bins [0, 1] into SCORE_BINS equal bins through the same codec', () => {
    const h = new BucketCounts();
    for (const v of [0, 0.04, 0.5, 0.99, 1, 1.2, -0.1]) h.add(scoreBin(v));
    const bins = scoreBinsOf(h.encode());
    expect(bins).toHaveLength(SCORE_BINS);
    expect(bins[0]).toBe(3);
    expect(bins[10]).toBe(1);
    expect(bins[SCORE_BINS - 1]).toBe(3);
  });
});
