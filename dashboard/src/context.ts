/**
 * What every panel needs from the app: the API client, the current filters, the live tick (a
 * counter that advances every few seconds while live), alert markers for time charts, and the
 * few actions panels can take (open a run, zoom to a range, drill down to runs, report demo data).
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './lib/api-client';
import type { Filters } from './lib/url-state';
import type { AlertEvent, DetectedChange } from './lib/alerts';
import type { FilterOptionsResponse } from '../../schema/api';
import type { Route, RunsFilter } from './lib/route';

export interface DashboardContext {
  client: ApiClient;
  filters: Filters;
  /** Advances on every live refresh; part of every panel's fetch. */
  tick: number;
  /** Alert events in the window (empty when the alerts API is absent). */
  alerts: readonly AlertEvent[];
  /** Regressions, cost spikes and model switches detected over the window (empty without the alerts API). */
  changes: readonly DetectedChange[];
  /** Filter options (component types, models, stages, scores) or null until loaded. */
  options: FilterOptionsResponse | null;
  /**
   * Colours of models, types and stages are fixed (from the filter options) or will not be: time
   * charts wait for this so they are drawn once, in their final colours.
   */
  colorsReady: boolean;
  runId: string | null;
  openRun(id: string | null): void;
  /** Sets a custom absolute range (drag-select on a time chart). */
  zoomTo(fromMs: number, toMs: number): void;
  /** A panel's answer contained demo / simulated data. */
  reportSimulated(): void;
  /** The page shown (dashboard, runs explorer, component-type page); from the URL hash. */
  route: Route;
  /** Link to the runs the current filters select, narrowed by `extra` (a drill-down). */
  runsHref(extra?: Partial<RunsFilter>): string;
  /** Goes to a route (a new history entry, so the back button returns). */
  navigate(route: Route): void;
}

export const DashboardCtx = createContext<DashboardContext | null>(null);

export function useDashboard(): DashboardContext {
  const ctx = useContext(DashboardCtx);
  if (!ctx) throw new Error('useDashboard outside <DashboardCtx.Provider>');
  return ctx;
}
