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
  // The budget is for all spend: under a filter the slice's curve is not drawn against it.
  const budget = xs.map(() => (b.filtered ? null : b.monthlyBudgetUsd));
  // x must be ascending for uPlot; "now" can fall inside the last day bucket.
  const order = xs.map((_, i) => i).sort((a, c) => (xs[a] as number) - (xs[c] as number));
  const pick = <T,>(arr: T[]): T[] => order.map((i) => arr[i] as T);
  return [pick(xs), pick(actual), pick(projection), pick(budget)] as uPlot.AlignedData;
}

/**
 * A budget change made on this page (the budget panel's editor): panels that show the budget
 * (the KPI strip) refetch at once instead of at the next live tick.
 */
const budgetEvents = new EventTarget();

export function announceBudgetChange(): void {
  budgetEvents.dispatchEvent(new Event('change'));
}

export function onBudgetChange(listener: () => void): () => void {
  budgetEvents.addEventListener('change', listener);
  return () => budgetEvents.removeEventListener('change', listener);
}

/** The budget editor's input as a request body value: a number of USD, or null to remove; undefined when invalid. */
export function parseBudgetInput(text: string): number | null | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (t === '') return null;
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n <= 1e12 ? n : undefined;
}
