/** What every panel query receives: the database, the request time, the server's settings and the retention. */
import type { Db } from '../db';
import { ATTR } from '../../../schema/names';
import type { ResponseMeta } from '../../../schema/api';
import type { Window } from '../../window';

export interface QueryContext {
  db: Db;
  /** The app clock's "now" for this request (epoch ms). */
  nowMs: number;
  /** Monthly budget for the runway, when configured. */
  monthlyBudgetUsd: number | null;
  budgetSource?: 'api' | 'config' | 'demo';
  budgetUpdatedAtMs?: number;
  /** Exact percentiles from raw rows when the scan touches at most this many rows. */
  exactPercentileMaxRows: number;
  /** The store's minute-rollup retention, for the grain planner (store/window.ts). */
  minuteRollupRetentionDays: number;
  /** Raw rows are pruned after this many days: a window starting earlier cannot be read exactly. */
  retentionDays?: number;
}

/** Whether every raw row of the window is still kept (retention has pruned nothing inside it). */
export function rawKept(ctx: QueryContext, w: Window): boolean {
  return ctx.retentionDays === undefined || w.fromMs >= ctx.nowMs - ctx.retentionDays * 86_400_000;
}

export function meta(w: Window, bucketSeconds: number | null, source: 'rollup' | 'raw', ignored: string[]): ResponseMeta {
  return { fromMs: w.fromMs, toMs: w.toMs, bucketSeconds, source, ignoredFilters: [...new Set(ignored)] };
}

/**
 * Whether the store holds simulated data (demo generator, simulated model client): a resource or a
 * benchmark run marked genscope.simulated. Both tables are small.
 */
export function simulatedPresent(db: Db): boolean {
  const row = db
    .prepare<[string], { s: number }>(
      `SELECT EXISTS (SELECT 1 FROM benchmark_runs WHERE simulated = 1)
         OR EXISTS (SELECT 1 FROM resources WHERE json_extract(attributes, ?) = 1) AS s`,
    )
    .get(`$."${ATTR.simulated}"`);
  return row?.s === 1;
}
