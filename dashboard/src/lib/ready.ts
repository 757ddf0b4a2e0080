/**
 * Readiness for tests and benchmarks. Each panel registers here with its kind ('chart' for uPlot
 * panels, 'html' for KPI cards, tables, bar lists) and reports when it has settled: drawn with
 * real data points, or showing its empty / error / hidden state. A panel below the fold that has
 * not been scrolled near yet is 'deferred' (components/lazy.tsx): settled, not pending, so the
 * signals below say "everything in view", and fire again once scrolled-to panels have loaded.
 *
 * - Every chart settled: performance mark `genscope:charts-drawn`, `<html data-charts-drawn=N>`.
 * - Everything settled:  performance mark `genscope:ready`, `window.__genscopeReady = true`,
 *   `<html data-ready=N>`.
 * N is the view generation: a filter change starts a new one, and the page is ready again once
 * every refetching panel has redrawn. `window.__genscope.info()` lists every status.
 */

export type ViewStatus = 'pending' | 'drawn' | 'empty' | 'error' | 'hidden' | 'deferred';
export type ViewKind = 'chart' | 'html';

export interface ReadyInfo {
  ready: boolean;
  chartsDrawn: boolean;
  generation: number;
  /** id -> status of every registered panel. */
  statuses: Record<string, ViewStatus>;
  kinds: Record<string, ViewKind>;
  /** ms since navigation start when the first generation's charts / everything had settled. */
  firstChartsDrawnMs: number | null;
  firstReadyMs: number | null;
}

declare global {
  interface Window {
    __genscopeReady?: boolean;
    __genscope?: { info(): ReadyInfo };
  }
}

export const CHARTS_DRAWN_MARK = 'genscope:charts-drawn';
export const READY_MARK = 'genscope:ready';

const statuses = new Map<string, ViewStatus>();
const kinds = new Map<string, ViewKind>();
let generation = 1;
let ready = false;
let chartsDrawn = false;
let firstReadyMs: number | null = null;
let firstChartsDrawnMs: number | null = null;
let scheduled = false;
/** Between a filter change and the first panel reporting 'pending', old statuses must not count. */
let awaitingRefetch = false;

function mark(name: string): number | null {
  if (typeof performance === 'undefined') return null;
  const first = name === CHARTS_DRAWN_MARK ? firstChartsDrawnMs == null : firstReadyMs == null;
  performance.mark(first ? name : `${name}:${generation}`);
  return performance.now();
}

function publish(): void {
  scheduled = false;
  if (statuses.size === 0 || awaitingRefetch) return;
  let chartsPending = false;
  let anyPending = false;
  for (const [id, s] of statuses) {
    if (s !== 'pending') continue;
    anyPending = true;
    if (kinds.get(id) === 'chart') chartsPending = true;
  }
  if (!chartsPending && !chartsDrawn) {
    chartsDrawn = true;
    const t = mark(CHARTS_DRAWN_MARK);
    if (firstChartsDrawnMs == null) firstChartsDrawnMs = t;
    if (typeof document !== 'undefined') document.documentElement.dataset.chartsDrawn = String(generation);
  }
  if (!anyPending && !ready) {
    ready = true;
    const t = mark(READY_MARK);
    if (firstReadyMs == null) firstReadyMs = t;
    if (typeof window !== 'undefined') window.__genscopeReady = true;
    if (typeof document !== 'undefined') document.documentElement.dataset.ready = String(generation);
  }
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // A microtask lets all panels of one render pass report before readiness is judged.
  queueMicrotask(publish);
}

function unready(kind: ViewKind | undefined): void {
  if (ready) {
    ready = false;
    if (typeof window !== 'undefined') window.__genscopeReady = false;
    if (typeof document !== 'undefined') delete document.documentElement.dataset.ready;
  }
  if (chartsDrawn && kind !== 'html') {
    chartsDrawn = false;
    if (typeof document !== 'undefined') delete document.documentElement.dataset.chartsDrawn;
  }
}

export function setViewStatus(id: string, status: ViewStatus, kind?: ViewKind): void {
  if (kind) kinds.set(id, kind);
  if (statuses.get(id) === status) return;
  statuses.set(id, status);
  if (status === 'pending') {
    awaitingRefetch = false;
    unready(kinds.get(id));
  }
  schedule();
}

export function unregisterView(id: string): void {
  statuses.delete(id);
  kinds.delete(id);
  schedule();
}

/**
 * A new view (filters changed). Panels whose query changed report 'pending' themselves when they
 * refetch; panels whose query did not change keep their status.
 */
export function newGeneration(): void {
  generation++;
  ready = true; // force the reset below to clear both signals
  chartsDrawn = true;
  unready(undefined);
  awaitingRefetch = true;
  // If no panel's query depended on what changed, nothing will report 'pending': settle anyway.
  setTimeout(() => {
    awaitingRefetch = false;
    schedule();
  }, 1000);
}

export function readyInfo(): ReadyInfo {
  return {
    ready,
    chartsDrawn,
    generation,
    statuses: Object.fromEntries(statuses),
    kinds: Object.fromEntries(kinds),
    firstChartsDrawnMs,
    firstReadyMs,
  };
}

if (typeof window !== 'undefined') {
  window.__genscopeReady = false;
  window.__genscope = { info: readyInfo };
}
