import { MAX_POINTS } from '../schema/api';
import { QueryError } from './errors';
import { segmentsFor } from './sqlite/queries/sql';
import { bucketWindow, grainFor, makeWindow, previousWindow, resolveWindow } from './window';

const NOW = Date.UTC(2026, 5, 15, 12, 34, 56, 789);
const H = 3_600_000;
const D = 86_400_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const at = (nowMs: number, minuteRollupRetentionDays = 7) => ({ nowMs, minuteRollupRetentionDays });

describe('resolveWindow', () => {
  it('ends a preset at now, or at to', () => {
    expect(resolveWindow({}, at(NOW), '24h')).toMatchObject({ fromMs: NOW - D, toMs: NOW });
    expect(resolveWindow({ range: '7d', to: NOW - H }, at(NOW), '24h')).toMatchObject({ fromMs: NOW - H - 7 * D, toMs: NOW - H });
    expect(resolveWindow({ from: NOW - 5 * H }, at(NOW), '24h')).toMatchObject({ fromMs: NOW - 5 * H, toMs: NOW });
  });

  it('gives nanosecond bounds as BigInt', () => {
    const w = resolveWindow({ from: 1_700_000_000_123, to: 1_700_000_100_000 }, at(NOW), '24h');
    expect(w.fromNs).toBe(1_700_000_000_123_000_000n);
  });

  it('refuses an empty window', () => {
    expect(() => resolveWindow({ from: NOW + H }, at(NOW), '24h')).toThrow(QueryError);
    expect(() => resolveWindow({ to: 0 }, at(NOW), '24h')).toThrow(QueryError);
  });

  it('gives the previous window of equal length', () => {
    expect(previousWindow(makeWindow(10 * H, 12 * H))).toMatchObject({ fromMs: 8 * H, toMs: 10 * H });
  });
});

describe('bucketWindow', () => {
  it('follows the range when auto', () => {
    expect(bucketWindow(makeWindow(NOW - H, NOW), 'auto')).toMatchObject({ bucketSeconds: 60, grainS: 60 });
    expect(bucketWindow(makeWindow(NOW - D, NOW), 'auto')).toMatchObject({ bucketSeconds: 300, grainS: 60 });
    expect(bucketWindow(makeWindow(NOW - 7 * D, NOW), 'auto')).toMatchObject({ bucketSeconds: 3600, grainS: 3600 });
    expect(bucketWindow(makeWindow(NOW - 30 * D, NOW), 'auto')).toMatchObject({ bucketSeconds: 10800, grainS: 3600 });
    const w90 = bucketWindow(makeWindow(NOW - 90 * D, NOW), 'auto');
    expect(w90.t.length).toBeLessThanOrEqual(300);
  });

  it('rounds an explicit size up to the grain and aligns buckets to it', () => {
    const b = bucketWindow(makeWindow(NOW - 7 * D, NOW), 5400);
    expect(b.bucketSeconds).toBe(7200);
    expect((b.t[0] ?? 1) % (7200 * 1000)).toBe(0);
    expect(b.t[0]).toBeLessThanOrEqual(NOW - 7 * D);
    expect(b.t[b.t.length - 1]).toBeLessThan(NOW);
  });

  it('refuses more points than a chart can show', () => {
    expect(() => bucketWindow(makeWindow(NOW - 2 * D, NOW), 60)).not.toThrow();
    expect(() => bucketWindow(makeWindow(NOW - 365 * D, NOW), 3600)).toThrow(/bucket/);
    expect(bucketWindow(makeWindow(NOW - 2 * D, NOW), 60).t.length).toBeLessThanOrEqual(MAX_POINTS + 1);
  });
});

describe('segmentsFor', () => {
  it('covers a short window with minute edges around whole hours', () => {
    const w = makeWindow(NOW - 5 * H, NOW);
    const s = segmentsFor(w);
    expect(s.map((x) => x.grainS)).toEqual([60, 3600, 60]);
    expect(s[0]?.fromNs).toBe(ns(Math.ceil((NOW - 5 * H) / 60_000) * 60_000));
    expect(s[1]?.fromNs).toBe(s[0]?.toNs);
    expect(s[2]?.fromNs).toBe(s[1]?.toNs);
    expect(s[2]?.toNs).toBe(w.toNs);
  });

  it('covers a long window with whole days between hour edges when a day grain exists', () => {
    const w = makeWindow(NOW - 30 * D, NOW);
    expect(segmentsFor(w, undefined, { dayGrain: true }).map((x) => x.grainS)).toEqual([3600, 86400, 3600]);
    expect(segmentsFor(w).map((x) => x.grainS)).toEqual([3600, 3600]);
    expect(segmentsFor(w, 60)).toEqual([{ grainS: 60, fromNs: ns(Math.ceil((NOW - 30 * D) / 60_000) * 60_000), toNs: w.toNs }]);
  });

  it('leaves no gap and no overlap', () => {
    for (const len of [59_000, 61_000, H, 5 * H + 17, 2 * D, 3 * D, 45 * D]) {
      const w = makeWindow(NOW - len, NOW);
      for (const segs of [segmentsFor(w), segmentsFor(w, undefined, { dayGrain: true })]) {
        for (let i = 1; i < segs.length; i++) expect(segs[i]?.fromNs).toBe(segs[i - 1]?.toNs);
        expect(segs[segs.length - 1]?.toNs).toBe(w.toNs);
      }
    }
  });
});

describe('grainFor after retention', () => {
  it('reads hours for a short window older than the minute-rollup retention', () => {
    const now = Date.UTC(2026, 10, 27);
    const recent = resolveWindow({ from: now - 3_600_000, to: now }, at(now), '24h');
    const old = resolveWindow({ from: now - 20 * 86_400_000, to: now - 20 * 86_400_000 + 3_600_000 }, at(now), '24h');
    expect(grainFor(recent)).toBe(60);
    expect(grainFor(old)).toBe(3600);
  });
});

describe('the planner reads the configured retention', () => {
  const now = Date.UTC(2026, 10, 27);
  it('reads hours for a window older than a 3-day minute retention, minutes inside it', () => {
    const fourDaysAgo = resolveWindow({ from: now - 4 * D, to: now - 4 * D + H }, at(now, 3), '24h');
    const twoDaysAgo = resolveWindow({ from: now - 2 * D, to: now - 2 * D + H }, at(now, 3), '24h');
    expect(grainFor(fourDaysAgo)).toBe(3600);
    expect(segmentsFor(fourDaysAgo).map((s) => s.grainS)).toEqual([3600]);
    expect(grainFor(twoDaysAgo)).toBe(60);
    // With the default 7 days both would read minutes: the latent bug this guards against.
    expect(grainFor(resolveWindow({ from: now - 4 * D, to: now - 4 * D + H }, at(now, 7), '24h'))).toBe(60);
  });

  it('keeps no minute segment in a short window that straddles the minute retention', () => {
    const w = resolveWindow({ from: now - 3 * D - 30 * 60_000, to: now - 2 * D }, at(now, 3), '24h');
    expect(segmentsFor(w).every((s) => s.grainS !== 60)).toBe(true);
  });
});
