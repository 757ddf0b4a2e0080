/** What the routes need from createApp: the database, the clock and the resolved settings. */
import type { Db } from '../schema/db';
import type { QueryContext } from './queries/context';

export interface RouteDeps {
  db: Db;
  clock: () => number;
  monthlyBudgetUsd: number | null;
  exactPercentileMaxRows: number;
}

export function queryContext(d: RouteDeps): QueryContext {
  return { db: d.db, nowMs: d.clock(), monthlyBudgetUsd: d.monthlyBudgetUsd, exactPercentileMaxRows: d.exactPercentileMaxRows };
}
