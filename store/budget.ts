/**
 * The budget panel's answer, engine-neutral: both stores read daily model spend (UTC days) and
 * hand it here. The monthly budget is the whole pipeline's, so the runway, the remaining budget,
 * the exhaustion date and "over budget" always come from all spend; under a component-type or
 * model filter the slice's own spend, projection and share of the month's spend are shown beside
 * them (applying the whole budget to a slice would promise a runway nobody has).
 */
import { budgetRunway, projectMonthEnd, utcDay } from '../analysis/index';
import type { BudgetResponse, ResponseMeta } from '../schema/api';
import type { ReadContext } from './types';

const DAY_MS = 86_400_000;
/** Days of spend the projection's daily rate is the mean of. */
export const BUDGET_TRAILING_DAYS = 7;

/** The month of a moment and the ranges the budget reads (epoch ms, UTC). */
export interface BudgetMonth {
  monthStartMs: number;
  monthEndMs: number;
  todayStartMs: number;
  /** Spend is read from here (the month start, or earlier for the trailing rate) to now. */
  readFromMs: number;
  prevStartMs: number;
  /** The previous month up to the same point of its month. */
  prevCutMs: number;
}

export function budgetMonth(nowMs: number): BudgetMonth {
  const d = new Date(nowMs);
  const monthStartMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const todayStartMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const prevStartMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  return {
    monthStartMs,
    monthEndMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    todayStartMs,
    readFromMs: Math.min(monthStartMs, todayStartMs - BUDGET_TRAILING_DAYS * DAY_MS),
    prevStartMs,
    prevCutMs: Math.min(prevStartMs + (nowMs - monthStartMs), monthStartMs),
  };
}

/** Spend of one UTC day (day = its start, epoch ms). */
export interface DaySpend {
  day: number;
  usd: number;
}

/** The previous month's spend, or null when it has no data. */
export interface PreviousSpend {
  toDateUsd: number;
  totalUsd: number;
}

export interface BudgetInputs {
  ctx: Pick<ReadContext, 'nowMs' | 'monthlyBudgetUsd' | 'budgetSource' | 'budgetUpdatedAtMs'>;
  meta: ResponseMeta;
  /** Daily spend of the filtered slice from readFromMs to now. */
  slice: readonly DaySpend[];
  /** Daily spend of everything over the same days; null when no filter applies (then = slice). */
  total: readonly DaySpend[] | null;
  previous: PreviousSpend | null;
}

const r = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function budgetAnswer(i: BudgetInputs): BudgetResponse {
  const now = i.ctx.nowMs;
  const m = budgetMonth(now);
  const asSpend = (rows: readonly DaySpend[]) => rows.map((x) => ({ day: utcDay(x.day), usd: x.usd }));
  const slice = projectMonthEnd(asSpend(i.slice), now, { trailingDays: BUDGET_TRAILING_DAYS });
  const all = i.total ? projectMonthEnd(asSpend(i.total), now, { trailingDays: BUDGET_TRAILING_DAYS }) : slice;
  const allHasSpend = (i.total ?? i.slice).length > 0;
  const monthly = i.ctx.monthlyBudgetUsd;
  const runway = monthly !== null ? budgetRunway(monthly, all.monthToDateUsd, all.dailyRateUsd, { asOf: now }) : null;
  const runwayDays = runway && Number.isFinite(runway.runwayDays) ? runway.runwayDays : null;
  const exhaustionMs = runwayDays !== null && now + runwayDays * DAY_MS < m.monthEndMs ? Math.round(now + runwayDays * DAY_MS) : null;

  const t: number[] = [];
  const costUsd: number[] = [];
  const cumulativeUsd: number[] = [];
  const byDay = new Map<number, number>();
  for (const x of i.slice) byDay.set(x.day, (byDay.get(x.day) ?? 0) + x.usd);
  let cum = 0;
  for (let day = m.monthStartMs; day <= m.todayStartMs; day += DAY_MS) {
    const usd = byDay.get(day) ?? 0;
    cum += usd;
    t.push(day);
    costUsd.push(r(usd, 9));
    cumulativeUsd.push(r(cum, 9));
  }
  return {
    meta: i.meta,
    monthStartMs: m.monthStartMs,
    monthEndMs: m.monthEndMs,
    nowMs: now,
    monthToDateUsd: r(slice.monthToDateUsd, 9),
    projectedMonthEndUsd: i.slice.length > 0 ? r(slice.projectedUsd, 6) : null,
    monthlyBudgetUsd: monthly,
    budgetSource: i.ctx.budgetSource ?? (monthly !== null ? 'config' : null),
    budgetUpdatedAtMs: i.ctx.budgetUpdatedAtMs ?? null,
    remainingUsd: runway ? r(runway.remainingUsd, 6) : null,
    dailyBurnUsd: r(all.dailyRateUsd, 9),
    runwayDays: runwayDays !== null ? r(runwayDays, 3) : null,
    exhaustionMs,
    projectedOverBudget: monthly !== null ? all.projectedUsd > monthly : null,
    filtered: i.total !== null,
    totalMonthToDateUsd: r(all.monthToDateUsd, 9),
    totalProjectedMonthEndUsd: allHasSpend ? r(all.projectedUsd, 6) : null,
    shareOfSpend: i.total === null ? null : all.monthToDateUsd > 0 ? r(slice.monthToDateUsd / all.monthToDateUsd, 6) : null,
    previousMonthToDateUsd: i.previous ? r(i.previous.toDateUsd, 9) : null,
    previousMonthUsd: i.previous ? r(i.previous.totalUsd, 9) : null,
    daily: { t, costUsd, cumulativeUsd },
  };
}
