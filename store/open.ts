/**
 * openStore: the one way the CLI opens a store. A file path (or `sqlite:PATH`, or ':memory:')
 * opens the SQLite store; a `clickhouse://`, `clickhouses://` or `chdb://` URL (store/clickhouse/
 * config.ts) opens the ClickHouse store, with `stateFile` as its local SQLite file for alert
 * rules, states and self-metrics.
 */
import { ClickHouseStore } from './clickhouse/store';
import type { ClickHouseStoreOptions } from './clickhouse/store';
import { parseStoreUrl } from './clickhouse/config';
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
  /** ClickHouse: create otel_traces when missing (genscope as the writer, no Collector). */
  createTracesTable?: ClickHouseStoreOptions['createTracesTable'];
  /** ClickHouse: how often the extractor runs in the background (default 5 000; 0 = on demand). */
  extractIntervalMillis?: number;
}

export async function openStore(target: string, options: OpenStoreOptions = {}): Promise<TelemetryStore> {
  const selection = parseStoreUrl(target);
  if (selection.kind !== 'sqlite') {
    return ClickHouseStore.open({
      config: selection,
      ...(options.writer?.prices ? { prices: options.writer.prices } : {}),
      ...(options.exactPercentileMaxRows !== undefined ? { exactPercentileMaxRows: options.exactPercentileMaxRows } : {}),
      ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}),
      ...(options.createTracesTable ? { createTracesTable: options.createTracesTable } : {}),
      ...(options.extractIntervalMillis !== undefined ? { extractIntervalMillis: options.extractIntervalMillis } : {}),
    });
  }
  const file = target.startsWith('sqlite:') ? target.slice('sqlite:'.length) : target;
  const dbOptions: OpenDatabaseOptions = {
    ...(options.readonly !== undefined ? { readonly: options.readonly } : {}),
    ...(options.busyTimeoutMillis !== undefined ? { busyTimeoutMillis: options.busyTimeoutMillis } : {}),
  };
  const { readonly: _r, busyTimeoutMillis: _b, stateFile: _s, createTracesTable: _c, extractIntervalMillis: _e, ...storeOptions } = options;
  return new SqliteStore(openDatabase(file, dbOptions), storeOptions);
}
