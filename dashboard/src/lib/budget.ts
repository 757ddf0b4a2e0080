/** The month chart of the budget panel as columnar data (pure, unit-tested). */
import type uPlot from 'uplot';
import type { BudgetResponse } from '../../../schema/api';

/**
 * Month chart data: x = day starts of the month so far plus the month end; actual cumulative
 * spend, a straight projection from the last actual point to the projected month-end total, and
 * the budget as a flat line.
 */
export function budgetChartData(b: BudgetResponse): uPlot.AlignedData {
  const days = b.daily.t;
  const cum = b.daily.cumulativeUsd;
  const xs = [...days];
  const actual: (number | null)[] = [...cum];
  const projection: (number | null)[] = days.map(() => null);
  const lastIdx = days.length - 1;
  // The projection starts at "now" with the month-to-date total.
  if (b.projectedMonthEndUsd != null && b.nowMs < b.monthEndMs) {
    xs.push(b.nowMs);
    actual.push(b.monthToDateUsd);
    projection.push(b.monthToDateUsd);
    xs.push(b.monthEndMs);
    actual.push(null);
    projection.push(b.projectedMonthEndUsd);
  } else if (lastIdx >= 0) {
    projection[lastIdx] = cum[lastIdx] ?? null;
  }
  const budget = xs.map(() => b.monthlyBudgetUsd);
  // x must be ascending for uPlot; "now" can fall inside the last day bucket.
  const order = xs.map((_, i) => i).sort((a, c) => (xs[a] as number) - (xs[c] as number));
  const pick = <T,>(arr: T[]): T[] => order.map((i) => arr[i] as T);
  return [pick(xs), pick(actual), pick(projection), pick(budget)] as uPlot.AlignedData;
}
