import type uPlot from 'uplot';
import { hasPoints, isolatedIndexes, sameData, specShapeKey, stackData } from './chart-options';

describe('stackData', () => {
  it('stacks from the last series up, keeping gaps where every series is empty', () => {
    const data: uPlot.AlignedData = [
      [1, 2, 3],
      [1, null, null],
      [2, 5, null],
    ];
    expect(stackData(data)).toEqual([
      [1, 2, 3],
      [3, 5, null],
      [2, 5, null],
    ]);
  });
});

describe('hasPoints', () => {
  it('is false for no x values or only gaps', () => {
    expect(hasPoints(null)).toBe(false);
    expect(hasPoints([[], []])).toBe(false);
    expect(hasPoints([[1, 2], [null, null]])).toBe(false);
    expect(hasPoints([[1, 2], [null, 0]])).toBe(true);
  });
});

describe('specShapeKey', () => {
  it('changes when the series change, not for a new spec object of the same shape', () => {
    const a = specShapeKey({ x: { kind: 'time' }, y: { unit: 'ms', label: 'l' }, series: [{ label: 'p50', color: '#000' }] });
    const b = specShapeKey({ x: { kind: 'time' }, y: { unit: 'ms', label: 'l' }, series: [{ label: 'p50', color: '#000' }] });
    const c = specShapeKey({ x: { kind: 'time' }, y: { unit: 'ms', label: 'l' }, series: [{ label: 'p95', color: '#000' }] });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('isolatedIndexes', () => {
  it('finds values without neighbours', () => {
    expect(isolatedIndexes([1, null, 2, 3, null, 4])).toEqual([0, 5]);
    expect(isolatedIndexes([null, 5, null])).toEqual([1]);
    expect(isolatedIndexes([1, 2, 3])).toBeNull();
  });
});

describe('sameData', () => {
  it('is true for rebuilt columns with the same numbers, false for any other value, length or column count', () => {
    const t = [1, 2, 3];
    const a: uPlot.AlignedData = [t, [1, null, 3]];
    expect(sameData(a, [t, [1, null, 3]])).toBe(true);
    expect(sameData(a, [[1, 2, 3], [1, null, 3]])).toBe(true);
    expect(sameData(a, [t, [1, 2, 3]])).toBe(false);
    expect(sameData(a, [t, [1, null]])).toBe(false);
    expect(sameData(a, [t, [1, null, 3], [1, 1, 1]])).toBe(false);
    expect(sameData(a, [t, [1, NaN, 3]])).toBe(false);
    expect(sameData(null, a)).toBe(false);
  });
});
