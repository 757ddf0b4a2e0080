/** What the routes need from createApp: the store, the clock and the resolved settings. */
import { readBudget } from '../store';
import type { ReadContext, StoredBudget, TelemetryStore } from '../store';

export interface RouteDeps {
  store: TelemetryStore;
  clock: () => number;
}

/** The monthly budget stored in the store's state database (settings table), or null. */
export function storedBudget(d: RouteDeps): StoredBudget | null {
  return readBudget(d.store.alertStateDb);
}

export function readContext(d: RouteDeps): ReadContext {
  const b = storedBudget(d);
  return b
    ? { nowMs: d.clock(), monthlyBudgetUsd: b.monthlyUsd, budgetSource: b.source, budgetUpdatedAtMs: b.updatedAtMs }
    : { nowMs: d.clock(), monthlyBudgetUsd: null };
}
