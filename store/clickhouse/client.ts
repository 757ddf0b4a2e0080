/**
 * The one way genscope talks to ClickHouse: the official @clickhouse/client, over HTTP to a
 * server or through chdb's connection adapter to the embedded engine. Every statement goes with
 * bound parameters ({name:Type} query_params) and the configured max_execution_time; nothing
 * builds SQL from values.
 *
 * The embedded engine (chdb 3.4, libchdb 26.7) through chdb/connection, as measured here:
 * - results are materialized in full before the first row is handed over (no streaming);
 * - clickhouse_settings become `SET k = v; <query>` on the session, so they persist for later
 *   queries of that session (harmless here: every query sends the same settings);
 * - one data directory per process (tests share one and isolate by database name);
 * - 64-bit integers come back as JSON numbers (precision lost past 2^53), so nanosecond values are
 *   selected as String; TTL, refreshable and plain materialized views, quantilesDD states and
 *   the JSON type all work; an INSERT body is concatenated into one SQL string by the adapter.
 */
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouseStoreConfig } from './config';

export type QueryParams = Record<string, unknown>;

export interface ChClient {
  readonly database: string;
  readonly embedded: boolean;
  /** Rows of a SELECT as objects (JSONEachRow). */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** DDL or INSERT ... SELECT: no result rows. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows (JSONEachRow) into a table of the store's database. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  close(): Promise<void>;
}

interface ChdbConnectionModule {
  createChdbConnection(opts: { path: string }): unknown;
}

/**
 * Loads chdb only when the embedded engine is asked for: its engine library is ~540 MB and a
 * server deployment never needs it.
 */
function chdbConnection(dir: string): NonNullable<Parameters<typeof createClient>[0]>['connection'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('chdb/connection') as ChdbConnectionModule;
  return mod.createChdbConnection({ path: dir }) as NonNullable<
    Parameters<typeof createClient>[0]
  >['connection'];
}

export function openClickHouse(config: ClickHouseStoreConfig): ChClient {
  const settings: ClickHouseSettings = {
    max_execution_time: config.queryTimeoutSeconds,
    // 64-bit integers as JSON numbers; genscope casts nanosecond values to String in SQL itself,
    // so a server whose default quotes them and chdb (which does not) answer alike.
    output_format_json_quote_64bit_integers: 0,
    date_time_input_format: 'best_effort',
  };
  const embedded = config.kind === 'chdb';
  const client: ClickHouseClient = embedded
    ? createClient({ connection: chdbConnection(config.target), clickhouse_settings: settings })
    : createClient({
        url: config.target,
        username: config.username,
        password: config.password,
        database: config.database,
        clickhouse_settings: settings,
        // The client's own socket timeout must outlast the server-side limit, or it cuts the
        // request before ClickHouse can answer with its clear TIMEOUT_EXCEEDED error.
        request_timeout: (config.queryTimeoutSeconds + 10) * 1000,
      });
  const database = config.database;
  return {
    database,
    embedded,
    async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
      const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async command(sql: string, params: QueryParams = {}): Promise<void> {
      await client.command({ query: sql, query_params: params });
    },
    async insert(table: string, rows: readonly object[]): Promise<void> {
      if (rows.length === 0) return;
      await client.insert({ table: `${database}.${table}`, values: [...rows], format: 'JSONEachRow' });
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
