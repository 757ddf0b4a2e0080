/**
 * Cost projection from daily spend: month-end projection (month to date plus the trailing daily
 * rate times what is left of the month) and budget runway (days until a budget is spent at the
 * current rate). Days are UTC calendar days written 'YYYY-MM-DD'.
 */
import { mean } from './descriptive';

export const DAY_MILLIS = 86_400_000;

export interface DailySpend {
  /** UTC day, 'YYYY-MM-DD'. */
  day: string;
  usd: number;
}

export interface ProjectMonthEndOptions {
  /** Complete days before `asOf` whose mean is the daily rate (default 7). */
  trailingDays?: number;
}

export interface MonthEndProjection {
  /** 'YYYY-MM' of the month projected. */
  month: string;
  monthToDateUsd: number;
  /** The rate used for the rest of the month. */
  dailyRateUsd: number;
  projectedUsd: number;
  daysInMonth: number;
  /** Fractional days from the month start to asOf. */
  daysElapsed: number;
  /** Fractional days from asOf to the month end. */
  daysRemaining: number;
  /** How many complete days the rate averaged (0: month-to-date over elapsed time was used). */
  rateDays: number;
}

/** 'YYYY-MM-DD' of a UTC timestamp. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day 'YYYY-MM-DD' in ms; throws on a malformed day. */
export function dayStartMillis(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(day)}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function toMillis(asOf: Date | number): number {
  const ms = typeof asOf === 'number' ? asOf : asOf.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('asOf is not a valid time');
  return ms;
}

/**
 * Projects the month's total spend at `asOf`: everything spent this month up to asOf (today's
 * partial day included) plus the mean daily spend of the trailing complete days times the days
 * left. Days missing from `dailySpend` count as zero spend, but only from the first day that has
 * data (a young project is not diluted by days before it existed). With no complete day yet the
 * rate is month-to-date spend over elapsed time.
 */
export function projectMonthEnd(dailySpend: readonly DailySpend[], asOf: Date | number, options: ProjectMonthEndOptions = {}): MonthEndProjection {
  const now = toMillis(asOf);
  const trailingDays = Math.max(1, Math.floor(options.trailingDays ?? 7));
  const d = new Date(now);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const todayStart = Math.floor(now / DAY_MILLIS) * DAY_MILLIS;
  const byDay = new Map<number, number>();
  let firstDay = Number.POSITIVE_INFINITY;
  for (const s of dailySpend) {
    const start = dayStartMillis(s.day);
    if (start > todayStart) continue; // the future is not spent yet
    byDay.set(start, (byDay.get(start) ?? 0) + s.usd);
    if (start < firstDay) firstDay = start;
  }
  let monthToDateUsd = 0;
  for (const [start, usd] of byDay) if (start >= monthStart && start <= todayStart) monthToDateUsd += usd;
  const rateValues: number[] = [];
  for (let start = todayStart - trailingDays * DAY_MILLIS; start < todayStart; start += DAY_MILLIS) {
    if (start >= firstDay) rateValues.push(byDay.get(start) ?? 0);
  }
  const daysElapsed = (now - monthStart) / DAY_MILLIS;
  const daysRemaining = (monthEnd - now) / DAY_MILLIS;
  let dailyRateUsd: number;
  if (rateValues.length > 0) dailyRateUsd = mean(rateValues);
  else {
    const since = Math.max(monthStart, Number.isFinite(firstDay) ? firstDay : monthStart);
    const elapsed = (now - since) / DAY_MILLIS;
    dailyRateUsd = elapsed > 0 ? monthToDateUsd / elapsed : 0;
  }
  return {
    month: utcDay(monthStart).slice(0, 7),
    monthToDateUsd,
    dailyRateUsd,
    projectedUsd: monthToDateUsd + dailyRateUsd * daysRemaining,
    daysInMonth: Math.round((monthEnd - monthStart) / DAY_MILLIS),
    daysElapsed,
    daysRemaining,
    rateDays: rateValues.length,
  };
}

export interface BudgetRunwayOptions {
  /** When given, the runway also comes as the UTC day the budget runs out. */
  asOf?: Date | number;
}

export interface BudgetRunway {
  remainingUsd: number;
  dailyRateUsd: number;
  /** Days until the budget is spent; Infinity at zero spend, 0 when already exhausted. */
  runwayDays: number;
  exhausted: boolean;
  /** 'YYYY-MM-DD' the budget runs out (only with asOf and a finite runway). */
  exhaustionDay?: string;
}

/**
 * Days of budget left at the current spending rate. `dailySpend` is either the daily rate or
 * the recent daily amounts (their mean is the rate).
 */
export function budgetRunway(budgetUsd: number, spentToDateUsd: number, dailySpend: readonly number[] | number, options: BudgetRunwayOptions = {}): BudgetRunway {
  const dailyRateUsd = typeof dailySpend === 'number' ? dailySpend : dailySpend.length === 0 ? 0 : mean(dailySpend);
  const remainingUsd = budgetUsd - spentToDateUsd;
  const exhausted = remainingUsd <= 0;
  const runwayDays = exhausted ? 0 : dailyRateUsd > 0 ? remainingUsd / dailyRateUsd : Number.POSITIVE_INFINITY;
  const result: BudgetRunway = { remainingUsd, dailyRateUsd, runwayDays, exhausted };
  if (options.asOf !== undefined && Number.isFinite(runwayDays)) {
    result.exhaustionDay = utcDay(toMillis(options.asOf) + runwayDays * DAY_MILLIS);
  }
  return result;
}
