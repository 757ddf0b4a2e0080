/** What the routes need from createApp: the store, the clock and the resolved settings. */
import type { ReadContext, TelemetryStore } from '../store';

export interface RouteDeps {
  store: TelemetryStore;
  clock: () => number;
  monthlyBudgetUsd: number | null;
}

export function readContext(d: RouteDeps): ReadContext {
  return { nowMs: d.clock(), monthlyBudgetUsd: d.monthlyBudgetUsd };
}
