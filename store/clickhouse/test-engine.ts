/**
 * Test support: the embedded engine (chdb) for jest. libchdb binds one data directory per
 * process, so every test in a process shares one directory and isolates itself by database name.
 */
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { openClickHouse } from './client';
import type { ChClient } from './client';
import { parseStoreUrl } from './config';
import type { ClickHouseStoreConfig } from './config';

export function embeddedDir(): string {
  return path.join(os.tmpdir(), `genscope-chdb-${process.pid}`);
}

/** A config for a fresh database on the process's embedded engine. */
export function embeddedConfig(options = ''): ClickHouseStoreConfig {
  const database = `t_${crypto.randomBytes(5).toString('hex')}`;
  const sel = parseStoreUrl(`chdb://${embeddedDir()}?database=${database}${options ? `&${options}` : ''}`);
  if (sel.kind !== 'chdb') throw new Error('embeddedConfig: not a chdb config');
  return sel;
}

export function openEmbedded(config: ClickHouseStoreConfig): ChClient {
  return openClickHouse(config);
}
