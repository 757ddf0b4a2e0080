/**
 * Which store a genscope process uses, from `--store URL` or GENSCOPE_STORE, and the ClickHouse
 * options that ride in that URL's query string. Pure parsing: nothing here connects.
 *
 *   clickhouse://user:pass@host:8123/db     ClickHouse over HTTP
 *   clickhouses://user:pass@host:8443/db    ClickHouse over HTTPS
 *   chdb:///absolute/dir?database=db        the embedded engine (npm `chdb`), for tests and benches
 *
 * Options (query string): query_timeout_s (max_execution_time of every read, default 30),
 * traces_table (default otel_traces), logs_table (default otel_logs), cluster (adds ON CLUSTER to genscope's DDL),
 * replicated=1 (Replicated* engines for genscope's tables), retention_days (TTL of raw rows,
 * default 90; 0 = none), rollup_retention_days (default 400).
 */

export interface ClickHouseStoreConfig {
  kind: 'clickhouse' | 'chdb';
  /** http(s)://host:port for a server; the data directory for chdb. */
  target: string;
  username: string;
  password: string;
  database: string;
  tracesTable: string;
  /** The Collector's log table (default otel_logs). */
  logsTable: string;
  /** max_execution_time sent with every query, in seconds. */
  queryTimeoutSeconds: number;
  /** Cluster name for ON CLUSTER DDL, or null for one server. */
  cluster: string | null;
  /** Use ReplicatedMergeTree-family engines for genscope's own tables. */
  replicated: boolean;
  /** TTL of genscope's extracted raw rows (spans, scores, model calls); null keeps them. */
  retentionDays: number | null;
  /** TTL of the hourly rollups; null keeps them. */
  rollupRetentionDays: number | null;
}

export type StoreSelection = { kind: 'sqlite' } | ClickHouseStoreConfig;

export class StoreUrlError extends Error {
  override readonly name = 'StoreUrlError';
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const KNOWN_OPTIONS = new Set([
  'query_timeout_s',
  'traces_table',
  'logs_table',
  'cluster',
  'replicated',
  'retention_days',
  'rollup_retention_days',
  'database',
]);

/** An identifier genscope puts into DDL (database, table, cluster): checked, never quoted user text. */
export function checkIdentifier(what: string, value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new StoreUrlError(
      `${what} "${value}" must be letters, digits and underscores, not starting with a digit`,
    );
  }
  return value;
}

function numberParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new StoreUrlError(`store option ${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function daysParam(params: URLSearchParams, name: string, fallback: number): number | null {
  const days = numberParam(params, name, fallback, 0, 100_000);
  if (!Number.isInteger(days)) throw new StoreUrlError(`store option ${name} must be a whole number of days`);
  return days === 0 ? null : days;
}

/**
 * Parses a store URL. `undefined` or a plain path means SQLite (the default store, opened from
 * --db as before); a clickhouse://, clickhouses:// or chdb:// URL selects ClickHouse.
 */
export function parseStoreUrl(value: string | undefined): StoreSelection {
  if (value === undefined || value === '' || value === 'sqlite' || !/^[a-z+]+:\/\//i.test(value)) {
    return { kind: 'sqlite' };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StoreUrlError(
      `store URL "${redact(value)}" is not a URL; expected clickhouse://user:pass@host:8123/db`,
    );
  }
  const params = url.searchParams;
  for (const key of params.keys()) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new StoreUrlError(`unknown store option "${key}"; known: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  const scheme = url.protocol.replace(/:$/, '');
  const common = {
    tracesTable: checkIdentifier('traces_table', params.get('traces_table') ?? 'otel_traces'),
    logsTable: checkIdentifier('logs_table', params.get('logs_table') ?? 'otel_logs'),
    queryTimeoutSeconds: numberParam(params, 'query_timeout_s', 30, 1, 86_400),
    cluster: params.has('cluster') ? checkIdentifier('cluster', params.get('cluster') ?? '') : null,
    replicated: params.get('replicated') === '1' || params.get('replicated') === 'true',
    retentionDays: daysParam(params, 'retention_days', 90),
    rollupRetentionDays: daysParam(params, 'rollup_retention_days', 400),
  };
  if (scheme === 'clickhouse' || scheme === 'clickhouses') {
    if (!url.hostname)
      throw new StoreUrlError(
        'clickhouse:// URL needs a host, e.g. clickhouse://default@127.0.0.1:8123/otel',
      );
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'default';
    const port = url.port || (scheme === 'clickhouses' ? '8443' : '8123');
    return {
      kind: 'clickhouse',
      target: `${scheme === 'clickhouses' ? 'https' : 'http'}://${url.hostname}:${port}`,
      username: decodeURIComponent(url.username) || 'default',
      password: decodeURIComponent(url.password),
      database: checkIdentifier('database', database),
      ...common,
    };
  }
  if (scheme === 'chdb' || scheme === 'clickhouse+chdb') {
    const dir = decodeURIComponent(url.pathname);
    if (!dir.startsWith('/') || dir === '/') {
      throw new StoreUrlError('chdb:// URL needs an absolute data directory, e.g. chdb:///tmp/genscope-chdb');
    }
    return {
      kind: 'chdb',
      target: dir,
      username: 'default',
      password: '',
      database: checkIdentifier('database', params.get('database') ?? 'genscope'),
      ...common,
    };
  }
  throw new StoreUrlError(
    `store URL scheme "${scheme}" is not supported; use clickhouse://, clickhouses:// or chdb://`,
  );
}

/** The URL without its password, for logs and errors. */
export function redact(value: string): string {
  return value.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
