import { waterfallTicks } from './waterfall';
import { changeTone } from './kpi';
import { budgetChartData } from './budget';
import type { BudgetResponse } from '../../../schema/api';

describe('waterfallTicks', () => {
  it('uses round steps covering the run', () => {
    expect(waterfallTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(waterfallTicks(1234)).toEqual([0, 250, 500, 750, 1000]);
    expect(waterfallTicks(0)).toEqual([0]);
  });
});

describe('changeTone', () => {
  it('colours a change by whether it is an improvement', () => {
    expect(changeTone(0.1, 'up')).toBe('good');
    expect(changeTone(0.1, 'down')).toBe('bad');
    expect(changeTone(-0.1, 'down')).toBe('good');
    expect(changeTone(0.001, 'up')).toBe('flat');
    expect(changeTone(0.5, 'neutral')).toBe('flat');
    expect(changeTone(null, 'up')).toBe('flat');
  });
});

describe('budgetChartData', () => {
  it('adds now and the month end, with the projection starting at the month-to-date total', () => {
    const day = 86_400_000;
    const b: BudgetResponse = {
      meta: { fromMs: 0, toMs: 3 * day, bucketSeconds: 86400, source: 'rollup', ignoredFilters: [] },
      monthStartMs: 0,
      monthEndMs: 30 * day,
      nowMs: 2.5 * day,
      monthToDateUsd: 6,
      projectedMonthEndUsd: 72,
      monthlyBudgetUsd: 100,
      budgetSource: 'api',
      budgetUpdatedAtMs: 0,
      remainingUsd: 94,
      dailyBurnUsd: 2.4,
      runwayDays: 39,
      exhaustionMs: null,
      projectedOverBudget: false,
      filtered: false,
      totalMonthToDateUsd: 6,
      totalProjectedMonthEndUsd: 72,
      shareOfSpend: null,
      previousMonthToDateUsd: null,
      previousMonthUsd: null,
      daily: { t: [0, day, 2 * day], costUsd: [2, 2, 2], cumulativeUsd: [2, 4, 6] },
    };
    const [xs, actual, projection, budget] = budgetChartData(b);
    expect(xs).toEqual([0, day, 2 * day, 2.5 * day, 30 * day]);
    expect(actual).toEqual([2, 4, 6, 6, null]);
    expect(projection).toEqual([null, null, null, 6, 72]);
    expect(budget).toEqual([100, 100, 100, 100, 100]);
  });
});
