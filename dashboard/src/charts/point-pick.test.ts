import { bucketBounds, pickSeries } from './point-pick';

describe('pickSeries', () => {
  it('picks the nearest line and skips series without a value', () => {
    expect(pickSeries([0.2, 0.8, null], 0.7, false)).toBe(1);
    expect(pickSeries([0.2, 0.8, null], 0.3, false)).toBe(0);
    expect(pickSeries([null, null], 0.3, false)).toBeNull();
  });

  it('picks the stacked band the click fell in (series 0 on top)', () => {
    // Raw values 1 (top), 2, 3 (bottom) stack to 6, 5, 3.
    const stacked = [6, 5, 3];
    expect(pickSeries(stacked, 1, true)).toBe(2);
    expect(pickSeries(stacked, 4, true)).toBe(1);
    expect(pickSeries(stacked, 5.5, true)).toBe(0);
    expect(pickSeries(stacked, 9, true)).toBe(0);
    expect(pickSeries([6, null, 3], 4, true)).toBe(0);
  });
});

describe('bucketBounds', () => {
  it('uses the bucket size, else the distance to the neighbouring bucket', () => {
    expect(bucketBounds([0, 100, 200], 1, 50)).toEqual([100, 150]);
    expect(bucketBounds([0, 100, 300], 1, null)).toEqual([100, 300]);
    expect(bucketBounds([0, 100], 1, null)).toEqual([100, 200]);
    expect(bucketBounds([0], 3, null)).toBeNull();
  });
});
