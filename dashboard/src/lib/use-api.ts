/**
 * useApi / useFetcher: a panel's data, fetched for the current filters and refetched on every
 * live tick. The previous data stays on screen while a refetch runs (no flicker); a new `key`
 * (filters changed) marks the panel pending for the readiness signal, a live tick does not.
 * Out-of-date requests are aborted, so a slow answer never overwrites a newer one.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isAbortError, ApiError } from './api-client';
import type { ApiClient, QueryParams } from './api-client';
import { setViewStatus } from './ready';

export interface ApiState<T> {
  /** 'loading' only until the first answer for the current key; later refetches keep the state. */
  status: 'loading' | 'ok' | 'error';
  data: T | null;
  error: ApiError | null;
  /** A request is in flight (first load or refresh). */
  fetching: boolean;
  /** The data shown belongs to an older key (filters changed, new answer pending). */
  stale: boolean;
  retry(): void;
}

export interface UseApiOptions {
  /** Readiness id of the panel; when given, a new key marks it pending. */
  readyId?: string;
  /** Changes on every live tick: refetch without going back to 'loading'. */
  tick?: number;
  enabled?: boolean;
  /** See RequestOptions.priority. */
  priority?: 'normal' | 'low';
}

interface InnerState<T> {
  status: ApiState<T>['status'];
  data: T | null;
  error: ApiError | null;
  fetching: boolean;
  dataKey: string | null;
}

/** Runs `fetcher` whenever `key` or the tick changes; see the file header. */
export function useFetcher<T>(key: string, fetcher: (signal: AbortSignal) => Promise<T>, opts: UseApiOptions = {}): ApiState<T> {
  const [state, setState] = useState<InnerState<T>>({ status: 'loading', data: null, error: null, fetching: true, dataKey: null });
  const [attempt, setAttempt] = useState(0);
  const lastKey = useRef<string | null>(null);
  const hasData = useRef(false);
  hasData.current = state.data != null;
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const enabled = opts.enabled ?? true;
  const readyId = opts.readyId;

  // A layout effect: the request starts right after the render that needs it, not after the
  // next paint (a frame or more later at navigation, when the first paint lays out every panel).
  useLayoutEffect(() => {
    if (!enabled) return undefined;
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;
    if (keyChanged && readyId) setViewStatus(readyId, 'pending');
    const ctrl = new AbortController();
    setState((s) => ({ ...s, status: keyChanged && s.status === 'error' ? 'loading' : s.status, fetching: true }));
    fetcherRef.current(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ status: 'ok', data, error: null, fetching: false, dataKey: key });
      },
      (err: unknown) => {
        if (ctrl.signal.aborted || isAbortError(err)) return;
        const e = err instanceof ApiError ? err : new ApiError(0, 'client', err instanceof Error ? err.message : String(err));
        // A failed live refresh keeps the data already shown.
        setState((s) => ({ status: keyChanged || !s.data ? 'error' : s.status, data: keyChanged ? null : s.data, error: e, fetching: false, dataKey: key }));
        if (readyId && (keyChanged || !hasData.current)) setViewStatus(readyId, 'error');
      },
    );
    return () => ctrl.abort();
    // fetcher reaches the effect through fetcherRef; `key` is its identity.
  }, [key, opts.tick, attempt, enabled]);

  const { dataKey, ...rest } = state;
  return { ...rest, stale: dataKey !== key, retry: () => setAttempt((a) => a + 1) };
}

export function useApi<T>(client: ApiClient, path: string, params: QueryParams, opts: UseApiOptions = {}): ApiState<T> {
  const key = path + JSON.stringify(params, Object.keys(params).sort());
  return useFetcher<T>(key, (signal) => client.get<T>(path, params, signal, { priority: opts.priority ?? 'normal' }), opts);
}
