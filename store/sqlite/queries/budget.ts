/**
 * Panel "budget": daily model spend of this UTC month (and the trailing days the projection's
 * rate needs) from the hour-grain model-call rollup, for the filtered slice and, under a filter,
 * for all spend; store/budget.ts turns them into the month-to-date, projection and runway.
 */
import type { BudgetQuery, BudgetResponse } from '../../../schema/api';
import { budgetAnswer, budgetMonth } from '../../budget';
import type { DaySpend } from '../../budget';
import { makeWindow, msToNs } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { all, filterConditions, joinAnd } from './sql';
import type { Fragment } from './sql';

const DAY_MS = 86_400_000;
const DAY_NS = BigInt(DAY_MS) * 1_000_000n;

function dailySpend(ctx: QueryContext, fromMs: number, toMs: number, conds: Fragment[]): DaySpend[] {
  const where = joinAnd([{ sql: 'grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?', params: [msToNs(fromMs), msToNs(toMs)] }, ...conds]);
  return all<DaySpend>(ctx.db, {
    sql: `SELECT (bucket_ns / ${DAY_NS}) * ${DAY_MS} AS day, SUM(cost_usd) AS usd FROM rollup_model_calls WHERE ${where.sql} GROUP BY 1 ORDER BY 1`,
    params: where.params,
  });
}

export function budget(ctx: QueryContext, q: BudgetQuery): BudgetResponse {
  const m = budgetMonth(ctx.nowMs);
  const f = filterConditions({ ...q, stage: [] }, { componentType: 'component_type', model: 'model' });
  const slice = dailySpend(ctx, m.readFromMs, ctx.nowMs, f.conds);
  const total = f.conds.length > 0 ? dailySpend(ctx, m.readFromMs, ctx.nowMs, []) : null;
  // The same span of the previous month, for the cards' change (whole hour rows before the cut).
  const prevWhere = joinAnd([
    { sql: 'grain_s = 3600 AND bucket_ns >= ? AND bucket_ns < ?', params: [msToNs(m.prevStartMs), msToNs(m.monthStartMs)] },
    ...f.conds,
  ]);
  const prev = all<{ rows: number; toDate: number | null; total: number | null }>(ctx.db, {
    sql: `SELECT count(*) AS rows, SUM(CASE WHEN bucket_ns < ? THEN cost_usd ELSE 0 END) AS toDate, SUM(cost_usd) AS total
          FROM rollup_model_calls WHERE ${prevWhere.sql}`,
    params: [msToNs(m.prevCutMs), ...prevWhere.params],
  })[0];
  return budgetAnswer({
    ctx,
    meta: meta(makeWindow(m.monthStartMs, ctx.nowMs), 86_400, 'rollup', f.ignored),
    slice,
    total,
    previous: prev && prev.rows > 0 ? { toDateUsd: prev.toDate ?? 0, totalUsd: prev.total ?? 0 } : null,
  });
}
