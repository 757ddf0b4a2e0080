/**
 * Panel "budget": month-to-date model cost (UTC calendar month), the projected month end and
 * the runway against the configured monthly budget. Formulas are analysis/'s projectMonthEnd
 * (month to date + mean daily spend of the 7 complete days before today x days left) and
 * budgetRunway (remaining budget / that daily rate). Reads the hour-grain model-call rollup.
 */
import { budgetRunway, projectMonthEnd, utcDay } from '../../../analysis/index';
import type { BudgetQuery, BudgetResponse } from '../../../schema/api';
import { makeWindow, msToNs } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, joinAnd, round } from './sql';

const DAY_MS = 86_400_000;
const TRAILING_DAYS = 7;

export function budget(ctx: QueryContext, q: BudgetQuery): BudgetResponse {
  const now = ctx.nowMs;
  const d = new Date(now);
  const monthStartMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const readFrom = Math.min(monthStartMs, todayStart - TRAILING_DAYS * DAY_MS);
  const f = filterConditions({ ...q, stage: [] }, { componentType: 'component_type', model: 'model' });
  const where = joinAnd([{ sql: 'grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?', params: [msToNs(readFrom), msToNs(now)] }, ...f.conds]);
  const dayNs = BigInt(DAY_MS) * 1_000_000n;
  const rows = all<{ day: number; usd: number }>(ctx.db, {
    sql: `SELECT (bucket_ns / ${dayNs}) * ${DAY_MS} AS day, SUM(cost_usd) AS usd FROM rollup_model_calls WHERE ${where.sql} GROUP BY 1 ORDER BY 1`,
    params: where.params,
  });
  const spend = rows.map((r) => ({ day: utcDay(r.day), usd: r.usd }));
  const projection = projectMonthEnd(spend, now, { trailingDays: TRAILING_DAYS });
  const monthly = ctx.monthlyBudgetUsd;
  const runway = monthly !== null ? budgetRunway(monthly, projection.monthToDateUsd, projection.dailyRateUsd, { asOf: now }) : null;
  const t: number[] = [];
  const costUsd: number[] = [];
  const cumulativeUsd: number[] = [];
  const byDay = new Map(rows.map((r) => [r.day, r.usd]));
  let cum = 0;
  for (let day = monthStartMs; day <= todayStart; day += DAY_MS) {
    const usd = byDay.get(day) ?? 0;
    cum += usd;
    t.push(day);
    costUsd.push(round(usd, 9) ?? 0);
    cumulativeUsd.push(round(cum, 9) ?? 0);
  }
  // The same span of the previous month, for the cards' change.
  const prevStartMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  const prevCutMs = Math.min(prevStartMs + (now - monthStartMs), monthStartMs);
  const prevWhere = joinAnd([
    { sql: 'grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?', params: [msToNs(prevStartMs), msToNs(monthStartMs)] },
    ...f.conds,
  ]);
  const prev = all<{ rows: number; toDate: number | null; total: number | null }>(ctx.db, {
    sql: `SELECT count(*) AS rows, SUM(CASE WHEN bucket_ns < ? THEN cost_usd ELSE 0 END) AS toDate, SUM(cost_usd) AS total
          FROM rollup_model_calls WHERE ${prevWhere.sql}`,
    params: [msToNs(prevCutMs), ...prevWhere.params],
  })[0];
  const hasPrevious = prev !== undefined && prev.rows > 0;
  const runwayDays = runway && Number.isFinite(runway.runwayDays) ? runway.runwayDays : null;
  const exhaustionMs = runwayDays !== null && now + runwayDays * DAY_MS < monthEndMs ? Math.round(now + runwayDays * DAY_MS) : null;
  return {
    meta: meta(makeWindow(monthStartMs, now), 86_400, 'rollup', f.ignored),
    monthStartMs,
    monthEndMs,
    nowMs: now,
    monthToDateUsd: round(projection.monthToDateUsd, 9) ?? 0,
    projectedMonthEndUsd: spend.length > 0 ? round(projection.projectedUsd, 6) : null,
    monthlyBudgetUsd: monthly,
    remainingUsd: runway ? round(runway.remainingUsd, 6) : null,
    dailyBurnUsd: round(projection.dailyRateUsd, 9) ?? 0,
    runwayDays: runwayDays !== null ? round(runwayDays, 3) : null,
    exhaustionMs,
    projectedOverBudget: monthly !== null ? projection.projectedUsd > monthly : null,
    previousMonthToDateUsd: hasPrevious ? (round(prev.toDate ?? 0, 9) ?? 0) : null,
    previousMonthUsd: hasPrevious ? (round(prev.total ?? 0, 9) ?? 0) : null,
    daily: { t, costUsd, cumulativeUsd },
  };
}
