/**
 * The fetch hook panels use: the app's client, the live tick and the panel's readiness id in one
 * call, and a `panelState` helper that turns an answer into loading / empty / error / ok.
 */
import { useEffect } from 'preact/hooks';
import { useApi } from '../lib/use-api';
import type { ApiState } from '../lib/use-api';
import type { QueryParams } from '../lib/api-client';
import { API_BASE } from '../lib/api-params';
import { useDashboard } from '../context';
import { useLazy } from '../components/lazy';
import type { PanelMetaInfo, PanelState } from '../components/panel';
import type { ApiError } from '../lib/api-client';

export function usePanelData<T>(readyId: string, path: string, params: QueryParams, opts: { enabled?: boolean; priority?: 'normal' | 'low' } = {}): ApiState<T> {
  const ctx = useDashboard();
  // Below the fold: nothing is fetched until the panel is scrolled near, and live ticks refresh it
  // only while it is on screen (components/lazy.tsx).
  const { near, visible } = useLazy();
  return useApi<T>(ctx.client, `${API_BASE}${path}`, params, { readyId, tick: ctx.tick, visible, enabled: (opts.enabled ?? true) && near, priority: opts.priority ?? 'normal' });
}

/** Panel state from a fetch and a "has something to show" test of its data. */
export function panelState<T>(r: ApiState<T>, hasData: (d: T) => boolean): PanelState {
  if (r.status === 'loading') return 'loading';
  if (r.status === 'error' && !r.data) return 'error';
  if (!r.data) return 'loading';
  return hasData(r.data) ? 'ok' : 'empty';
}

/** The Panel props that follow a fetch: state, error with retry, meta, and refresh flags. */
export function panelStatus<T extends { meta?: PanelMetaInfo | null }>(
  r: ApiState<T>,
  hasData: (d: T) => boolean,
): { state: PanelState; error: ApiError | null; onRetry: () => void; meta: PanelMetaInfo | null; fetching: boolean; stale: boolean } {
  return {
    state: panelState(r, hasData),
    error: r.error,
    onRetry: r.retry,
    meta: r.data?.meta ?? null,
    fetching: r.fetching,
    stale: r.stale,
  };
}

/** Reports demo data to the app once per answer that carries `meta.simulated`. */
export function useSimulatedFlag(meta: { simulated?: boolean | undefined } | null | undefined): void {
  const ctx = useDashboard();
  const simulated = meta?.simulated === true;
  useEffect(() => {
    if (simulated) ctx.reportSimulated();
  }, [simulated]);
}
