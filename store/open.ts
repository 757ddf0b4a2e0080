/**
 * openStore: the one way the CLI opens a store. A file path (or `sqlite:PATH`, or ':memory:')
 * opens the SQLite store. Extension point: a `clickhouse://` URL is the ClickHouse store's
 * (helper chx fills `openClickHouse` in store/clickhouse/ and adds the branch below).
 */
import { openDatabase } from './sqlite/db';
import type { OpenDatabaseOptions } from './sqlite/db';
import { SqliteStore } from './sqlite/store';
import type { SqliteStoreOptions } from './sqlite/store';
import type { TelemetryStore } from './types';

export interface OpenStoreOptions extends Omit<SqliteStoreOptions, 'ownsDb' | 'existingWriter'> {
  /** SQLite: open read-only (the gate), wait this long for another writer's lock. */
  readonly?: boolean;
  busyTimeoutMillis?: number;
  /**
   * Engines other than SQLite: the local SQLite file for alert rules, states and events and the
   * server's self-metrics (TelemetryStore.alertStateDb).
   */
  stateFile?: string;
}

export function openStore(target: string, options: OpenStoreOptions = {}): TelemetryStore {
  if (/^clickhouse:\/\//i.test(target)) {
    throw new Error(`cannot open ${target}: the ClickHouse store is not part of this build; use a SQLite file path`);
  }
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length) : target;
  const dbOptions: OpenDatabaseOptions = {
    ...(options.readonly !== undefined ? { readonly: options.readonly } : {}),
    ...(options.busyTimeoutMillis !== undefined ? { busyTimeoutMillis: options.busyTimeoutMillis } : {}),
  };
  const { readonly: _r, busyTimeoutMillis: _b, stateFile: _s, ...storeOptions } = options;
  return new SqliteStore(openDatabase(file, dbOptions), storeOptions);
}
