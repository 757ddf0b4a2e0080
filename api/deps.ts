/** What the routes need from createApp: the database, the clock and the resolved settings. */
import type { Db } from '../store';
import type { QueryContext } from '../store/sqlite/queries/context';

export interface RouteDeps {
  db: Db;
  clock: () => number;
  monthlyBudgetUsd: number | null;
  exactPercentileMaxRows: number;
}

export function queryContext(d: RouteDeps): QueryContext {
  return { db: d.db, nowMs: d.clock(), monthlyBudgetUsd: d.monthlyBudgetUsd, exactPercentileMaxRows: d.exactPercentileMaxRows };
}
