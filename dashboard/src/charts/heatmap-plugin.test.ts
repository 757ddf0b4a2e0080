import { heatmapCellAt, heatmapColor, heatmapHasData, heatmapLatencyRange } from './heatmap-plugin';
import type { HeatmapGrid } from './heatmap-plugin';

const grid: HeatmapGrid = {
  t: [0, 60_000, 120_000],
  bucketMs: 60_000,
  edgesMs: [0, 1, 2, 4, 8],
  counts: [
    [0, 3, 0, 0],
    [0, 0, 5, 1],
    [0, 0, 0, 0],
  ],
  maxCount: 5,
};

describe('latency heatmap geometry', () => {
  it('ranges the log axis over the populated latency buckets only', () => {
    expect(heatmapLatencyRange(grid)).toEqual([1, 8]);
    expect(heatmapLatencyRange({ ...grid, counts: [[0, 0, 0, 0]], maxCount: 0 })).toBeNull();
    expect(heatmapHasData(grid)).toBe(true);
    expect(heatmapHasData(null)).toBe(false);
  });

  it('starts a log axis above zero when the first bucket is used', () => {
    const r = heatmapLatencyRange({ ...grid, counts: [[2, 0, 0, 0]] });
    expect(r?.[0]).toBeGreaterThan(0);
  });

  it('finds the cell under the cursor', () => {
    expect(heatmapCellAt(grid, 70_000, 3)).toEqual({ i: 1, j: 2, count: 5 });
    expect(heatmapCellAt(grid, 10_000, 1.5)).toEqual({ i: 0, j: 1, count: 3 });
    expect(heatmapCellAt(grid, 200_000, 3)).toBeNull();
    expect(heatmapCellAt(grid, 10_000, 100)).toBeNull();
  });

  it('colours busier cells more strongly', () => {
    const alpha = (c: string): number => Number(/,\s*([\d.]+)\)$/.exec(c)?.[1]);
    expect(alpha(heatmapColor(1, 100))).toBeLessThan(alpha(heatmapColor(100, 100)));
    expect(heatmapColor(100, 100)).not.toBe(heatmapColor(1, 100));
  });
});
