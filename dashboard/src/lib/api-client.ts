/**
 * The dashboard's only door to the REST API: builds query strings, fetches JSON, and turns every
 * failure (network, HTTP status, API error body, bad JSON, timeout) into one ApiError with a
 * message a person can act on. Response shapes are the types of schema/api.ts; the API validates
 * its output, so the client trusts the shape and does not re-validate (zod stays out of the bundle).
 */

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

export class ApiError extends Error {
  /** HTTP status, or 0 when the server could not be reached / the request timed out. */
  readonly status: number;
  /** The API's error code (`{ error: { code } }`), or a client-side one (network, timeout, bad_json). */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Query string from params: arrays repeat the key, null/undefined/empty arrays are left out. */
export function buildQuery(params: QueryParams | undefined): string {
  if (!params) return '';
  const q = new URLSearchParams();
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    if (v == null) continue;
    if (Array.isArray(v)) {
      for (const item of v as readonly string[]) q.append(key, item);
    } else {
      q.append(key, String(v));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function apiUrl(base: string, path: string, params?: QueryParams): string {
  return `${base.replace(/\/$/, '')}${path}${buildQuery(params)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The API's `{ "error": { "code", "message" } }` body, when that is what came back. */
function errorFromBody(body: unknown): { code: string; message: string } | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const { code, message } = body.error;
  return { code: typeof code === 'string' ? code : 'error', message: typeof message === 'string' ? message : 'request failed' };
}

export interface ApiClientOptions {
  /** Prefix of every path; '' for same-origin. */
  baseUrl?: string;
  timeoutMillis?: number;
  fetchImpl?: typeof fetch;
  /** Extra headers per request (the API key: lib/api-key.ts authHeaders); read on each request. */
  headers?: () => Record<string, string>;
  /** Called with the server's message when it answers 401 (no key, or a wrong one). */
  onUnauthorized?: (message: string) => void;
}

export interface RequestOptions {
  /**
   * 'low': sent only once no normal-priority request is waiting or in flight (the browser opens
   * six connections per host and the server answers in turn, so tables below the fold and
   * background lists should not hold up the charts).
   */
  priority?: 'normal' | 'low';
}

export interface ApiClient {
  /** GET path?params and parse JSON as T; rejects with ApiError (or an AbortError when signal aborts). */
  get<T>(path: string, params?: QueryParams, signal?: AbortSignal, options?: RequestOptions): Promise<T>;
  url(path: string, params?: QueryParams): string;
  /**
   * A write (POST, PUT, PATCH, DELETE) with a JSON body, with the same headers as reads (the API
   * key, when one is kept: writes need an admin key on a server with keys). Resolves with the
   * parsed answer (undefined for 204); rejects with ApiError naming what the server refused.
   */
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Requests in flight (live refresh skips a tick while the previous one is still loading). */
  inflight(): number;
}

export function createApiClient(opts: ApiClientOptions = {}): ApiClient {
  const base = opts.baseUrl ?? '';
  const timeoutMillis = opts.timeoutMillis ?? 30_000;
  const doFetch = opts.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  let inflight = 0;
  /** Identical GETs in flight share one request (two panels reading the same endpoint). */
  const shared = new Map<string, { promise: Promise<unknown>; ctrl: AbortController; users: number }>();

  let normalInflight = 0;
  let lowWaiting: (() => void)[] = [];
  let releaseScheduled = false;

  function releaseLow(): void {
    releaseScheduled = false;
    if (normalInflight > 0 || lowWaiting.length === 0) return;
    const go = lowWaiting;
    lowWaiting = [];
    for (const start of go) start();
  }
  function scheduleRelease(): void {
    if (releaseScheduled) return;
    releaseScheduled = true;
    // A macrotask: every panel of the current render has issued its requests by then.
    setTimeout(releaseLow, 0);
  }

  /** Resolves when a request of this priority may start. */
  function slot(priority: 'normal' | 'low', signal: AbortSignal): Promise<void> {
    if (priority === 'normal') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const start = (): void => resolve();
      lowWaiting.push(start);
      signal.addEventListener('abort', () => {
        lowWaiting = lowWaiting.filter((f) => f !== start);
        resolve(); // fetchJson sees the aborted signal and stops at once
      });
      scheduleRelease();
    });
  }

  function get<T>(path: string, params?: QueryParams, signal?: AbortSignal, options?: RequestOptions): Promise<T> {
    const url = apiUrl(base, path, params);
    let entry = shared.get(url);
    if (!entry) {
      const ctrl = new AbortController();
      const priority = options?.priority ?? 'normal';
      if (priority === 'normal') normalInflight++;
      const promise = slot(priority, ctrl.signal).then(() => fetchJson(url, path, ctrl.signal));
      if (priority === 'normal') {
        const done = (): void => {
          normalInflight--;
          scheduleRelease();
        };
        promise.then(done, done);
      }
      const created = { promise, ctrl, users: 0 };
      shared.set(url, created);
      const forget = (): void => {
        if (shared.get(url) === created) shared.delete(url);
      };
      promise.then(forget, forget);
      entry = created;
    }
    const e = entry;
    e.users++;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const onAbort = (): void => {
        if (done) return;
        done = true;
        // The shared request is cancelled only when nobody waits for it any more.
        if (--e.users === 0) {
          e.ctrl.abort();
          if (shared.get(url) === e) shared.delete(url);
        }
        reject(new DOMException('The request was aborted', 'AbortError'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      e.promise.then(
        (v) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(v as T);
        },
        (err: unknown) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  async function fetchJson(url: string, path: string, signal: AbortSignal, write?: { method: string; body?: unknown }): Promise<unknown> {
    if (signal.aborted) throw new DOMException('The request was aborted', 'AbortError');
    inflight++;
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, timeoutMillis);
    const onAbort = (): void => ctrl.abort();
    signal?.addEventListener('abort', onAbort);
    try {
      let res: Response;
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...opts.headers?.() };
        if (write?.body !== undefined) headers['content-type'] = 'application/json';
        res = await doFetch(url, {
          signal: ctrl.signal,
          headers,
          cache: 'no-store',
          ...(write ? { method: write.method, ...(write.body !== undefined ? { body: JSON.stringify(write.body) } : {}) } : {}),
        });
      } catch (err) {
        if (signal?.aborted) throw err; // the caller cancelled: not an error to show
        if (timedOut) throw new ApiError(0, 'timeout', `The API did not answer within ${Math.round(timeoutMillis / 1000)} s (${path}).`);
        throw new ApiError(0, 'network', `Cannot reach the genscope server (${path}). Is \`genscope serve\` running?`);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw err;
        if (timedOut) throw new ApiError(0, 'timeout', `The API did not answer within ${Math.round(timeoutMillis / 1000)} s (${path}).`);
        throw new ApiError(0, 'network', `The connection broke while reading ${path}.`);
      }
      let body: unknown = undefined;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          if (res.ok) throw new ApiError(res.status, 'bad_json', `The API answered ${path} with something that is not JSON.`);
        }
      }
      if (!res.ok) {
        const e = errorFromBody(body);
        if (res.status === 401) opts.onUnauthorized?.(e?.message ?? 'this server needs an API key');
        if (e) throw new ApiError(res.status, e.code, e.message);
        throw new ApiError(res.status, `http_${res.status}`, `${path} failed: HTTP ${res.status} ${res.statusText}`.trim());
      }
      return body;
    } finally {
      inflight--;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    // Never shared or deduplicated: every write is its own request.
    return fetchJson(apiUrl(base, path), path, new AbortController().signal, { method, body }) as Promise<T>;
  }

  return { get, send, url: (path, params) => apiUrl(base, path, params), inflight: () => inflight };
}

/** The caller cancelled (fetch rejects with a DOMException named AbortError, which is not always an Error instance). */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
