/**
 * useApi / useFetcher: a panel's data, fetched for the current filters and refetched on live
 * ticks while the panel is `visible` (on screen: components/lazy.tsx). A panel off screen skips
 * the ticks; when it comes back on screen with data from an older tick it refetches at once, so
 * what is shown is never staler than one tick. A new `key` (filters changed) refetches whether
 * visible or not. The previous data stays on screen while a refetch runs (no flicker); a new key
 * marks the panel pending for the readiness signal, a live tick does not. Out-of-date requests
 * are aborted, so a slow answer never overwrites a newer one.
 *
 * useApi keeps the last answer of each URL with the tick it was fetched in: another panel asking
 * for the same URL in the same tick (the KPI strip and the budget panel both read /cost/budget)
 * takes that answer instead of a second request; retry() always asks the server.
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
  /** On screen (default true): when false, ticks are skipped until it is again. */
  visible?: boolean;
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

/** Passed to a fetcher: `fresh` when the answer must come from the server (retry). */
export interface FetchContext {
  fresh: boolean;
  /** The tick the fetch is for (UseApiOptions.tick). */
  tick: number | undefined;
}

/** Runs `fetcher` whenever `key` changes, or the tick while visible; see the file header. */
export function useFetcher<T>(key: string, fetcher: (signal: AbortSignal, fetch: FetchContext) => Promise<T>, opts: UseApiOptions = {}): ApiState<T> {
  const [state, setState] = useState<InnerState<T>>({ status: 'loading', data: null, error: null, fetching: true, dataKey: null });
  const [attempt, setAttempt] = useState(0);
  const lastKey = useRef<string | null>(null);
  const hasData = useRef(false);
  hasData.current = state.data != null;
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const enabled = opts.enabled ?? true;
  const readyId = opts.readyId;
  // The tick the data should be from: the current one while visible; off screen it stays at the
  // one last seen, so ticks do not refetch, and coming back on screen catches up at once.
  // A new key fetches now, so its data is from the current tick too.
  const seenTick = useRef(opts.tick);
  if ((opts.visible ?? true) || lastKey.current !== key) seenTick.current = opts.tick;
  const tick = seenTick.current;
  const lastAttempt = useRef(attempt);

  // A layout effect: the request starts right after the render that needs it, not after the
  // next paint (a frame or more later at navigation, when the first paint lays out every panel).
  useLayoutEffect(() => {
    if (!enabled) return undefined;
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;
    if (keyChanged && readyId) setViewStatus(readyId, 'pending');
    const fresh = lastAttempt.current !== attempt;
    lastAttempt.current = attempt;
    const ctrl = new AbortController();
    setState((s) => ({ ...s, status: keyChanged && s.status === 'error' ? 'loading' : s.status, fetching: true }));
    fetcherRef.current(ctrl.signal, { fresh, tick }).then(
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
  }, [key, tick, attempt, enabled]);

  const { dataKey, ...rest } = state;
  return { ...rest, stale: dataKey !== key, retry: () => setAttempt((a) => a + 1) };
}

/** Per client: URL key -> the last answer and the tick it was fetched in (see the file header). */
const answers = new WeakMap<ApiClient, Map<string, { tick: number; data: unknown }>>();
/** Enough for every panel of a page under a few filter sets; the oldest answer goes first. */
const MAX_ANSWERS = 200;

export function useApi<T>(client: ApiClient, path: string, params: QueryParams, opts: UseApiOptions = {}): ApiState<T> {
  const key = path + JSON.stringify(params, Object.keys(params).sort());
  return useFetcher<T>(
    key,
    async (signal, { fresh, tick }) => {
      // Only live data is shared (a tick tells how fresh it is); without one every mount asks.
      if (tick === undefined) return client.get<T>(path, params, signal, { priority: opts.priority ?? 'normal' });
      let cache = answers.get(client);
      if (!cache) answers.set(client, (cache = new Map()));
      const hit = cache.get(key);
      if (!fresh && hit && hit.tick === tick) return hit.data as T;
      const data = await client.get<T>(path, params, signal, { priority: opts.priority ?? 'normal' });
      cache.delete(key);
      cache.set(key, { tick, data });
      if (cache.size > MAX_ANSWERS) cache.delete(cache.keys().next().value as string);
      return data;
    },
    opts,
  );
}
