/** What every ClickHouse read receives: the client, the database, the request time and settings. */
import type { PercentilePrecision } from '../../schema/api';
import { percentilePrecision } from '../percentiles';
import type { ChClient } from './client';
import { SKETCH_RELATIVE_ACCURACY } from './ddl';

export interface ChContext {
  ch: ChClient;
  db: string;
  /** The app clock's now for this request (epoch ms). */
  nowMs: number;
  /**
   * The grain planner's horizon for fine (minute) buckets: ClickHouse keeps no minute rollups and
   * reads fine buckets from the extracted raw rows, so this is their retention (PlanContext).
   */
  minuteRollupRetentionDays: number;
  monthlyBudgetUsd: number | null;
  budgetSource?: 'api' | 'config' | 'demo';
  budgetUpdatedAtMs?: number;
  /** Exact percentiles from raw spans when the window holds at most this many; else sketches. */
  exactMaxRows: number;
}

/** The precision ClickHouse states for its percentiles: exact, or its DDSketch accuracy. */
export function chPrecision(exact: boolean): PercentilePrecision {
  return percentilePrecision(exact, SKETCH_RELATIVE_ACCURACY);
}

/** Fills a per-bucket series from rows carrying an epoch-ms bucket start `t`. */
export function bucketSlot(t: readonly number[], stepS: number, ms: number): number {
  const first = t[0] ?? 0;
  const i = Math.floor((ms - first) / (stepS * 1000));
  return i >= 0 && i < t.length ? i : -1;
}
