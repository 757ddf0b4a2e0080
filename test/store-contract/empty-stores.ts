/**
 * Test support: an empty SQLite store and an empty ClickHouse store (the embedded engine, with
 * the Collector's tables created: genscope as the writer), both on one fixed clock, for contract
 * tests that write the same records through each store's own writer.
 */
import { SqliteStore, openDatabase } from '../../store';
import { ClickHouseStore } from '../../store/clickhouse/store';
import { embeddedConfig } from '../../store/clickhouse/test-engine';

export async function openEmptyStores(nowMs: number): Promise<{ sqlite: SqliteStore; ch: ClickHouseStore }> {
  const sqlite = new SqliteStore(openDatabase(':memory:'), { clock: () => nowMs });
  const ch = await ClickHouseStore.open({
    config: embeddedConfig('retention_days=0&rollup_retention_days=0'),
    createTracesTable: 'map',
    extractIntervalMillis: 0,
    clock: () => nowMs,
  });
  return { sqlite, ch };
}
