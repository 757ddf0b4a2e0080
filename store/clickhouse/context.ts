/** What every ClickHouse read receives: the client, the database, the request time and settings. */
import type { ChClient } from './client';

export interface ChContext {
  ch: ChClient;
  db: string;
  /** The app clock's now for this request (epoch ms). */
  nowMs: number;
  monthlyBudgetUsd: number | null;
  /** Exact percentiles from raw spans when the window holds at most this many; else sketches. */
  exactMaxRows: number;
}

/** Fills a per-bucket series from rows carrying an epoch-ms bucket start `t`. */
export function bucketSlot(t: readonly number[], stepS: number, ms: number): number {
  const first = t[0] ?? 0;
  const i = Math.floor((ms - first) / (stepS * 1000));
  return i >= 0 && i < t.length ? i : -1;
}
