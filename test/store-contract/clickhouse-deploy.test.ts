/**
 * The deploy example's DDL (deploy/clickhouse/schema.sql) is what `genscope clickhouse ddl`
 * prints, applies as it is to the embedded engine, and gives a database the store opens, writes
 * and reads; the CLI's migrate and extract commands run against it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { clickHouseDdl, ClickHouseStore, parseStoreUrl } from '../../store';
import type { ClickHouseStoreConfig } from '../../store';
import { openClickHouse } from '../../store/clickhouse/client';
import { CLICKHOUSE_MIGRATIONS } from '../../store/clickhouse/ddl';
import { embeddedDir } from '../../store/clickhouse/test-engine';
import { writeOtelSpans } from '../../store/clickhouse/otel-writer';
import { fixtureBatches } from '../../api/test-fixtures';
import { RunsQuery } from '../../schema/api';
import { main } from '../../cli/main';

jest.setTimeout(120_000);

const SCHEMA = path.join(__dirname, '..', '..', 'deploy', 'clickhouse', 'schema.sql');
const DEPLOY_URL = 'clickhouse://genscope:secret@clickhouse:8123/otel';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  return { io: { stdout: out, stderr: err, env: {} }, text: () => ({ stdout, stderr }) };
}

describe('deploy/clickhouse', () => {
  const url = `chdb://${embeddedDir()}?database=otel`;
  const config = parseStoreUrl(url) as ClickHouseStoreConfig;

  afterAll(async () => {
    const ch = openClickHouse(config);
    await ch.command('DROP DATABASE IF EXISTS otel');
    await ch.close();
  });

  it('is what `genscope clickhouse ddl --traces map` prints', async () => {
    const t = io();
    expect(await main(['clickhouse', 'ddl', '--store', DEPLOY_URL, '--traces', 'map'], t.io)).toBe(0);
    expect(t.text().stdout).toBe(fs.readFileSync(SCHEMA, 'utf8'));
    expect(clickHouseDdl(parseStoreUrl(DEPLOY_URL) as ClickHouseStoreConfig, 'map').length).toBe(
      fs
        .readFileSync(SCHEMA, 'utf8')
        .split(';\n')
        .filter((s) => s.trim()).length,
    );
  });

  it('applies to the embedded engine as it is, and the store opens, writes and reads on it', async () => {
    const ch = openClickHouse(config);
    for (const sql of fs.readFileSync(SCHEMA, 'utf8').split(';\n')) if (sql.trim()) await ch.command(sql);
    // The Collector's part: spans in otel_traces (here the fixture writer, in the exporter's row shape).
    const now = Date.now();
    const batch = fixtureBatches({ runs: 30, startMs: now - 40 * 60_000, benchmarkEvery: 0 }).next();
    if (batch.done) throw new Error('no fixture');
    await writeOtelSpans(ch, 'otel_traces', batch.value, 'map');
    await ch.close();

    const t = io();
    expect(await main(['clickhouse', 'migrate', '--store', url], t.io)).toBe(0);
    const latest = Math.max(...CLICKHOUSE_MIGRATIONS.map((m) => m.version));
    expect(t.text().stdout).toMatch(new RegExp(`schema version ${latest} on otel; otel_traces is the map variant`));
    const e = io();
    expect(await main(['clickhouse', 'extract', '--store', url], e.io)).toBe(0);
    expect(e.text().stdout).toMatch(new RegExp(`extracted ${batch.value.length} spans`));

    const store = await ClickHouseStore.open({ config, extractIntervalMillis: 0 });
    const runs = await store.runs(RunsQuery.parse({ range: '1h', limit: '100' }), {
      nowMs: now,
      monthlyBudgetUsd: null,
    });
    expect(runs.runs).toHaveLength(30);
    await store.close();
  });

  it('names the fix when the store URL is missing or not ClickHouse', async () => {
    const t = io();
    expect(await main(['clickhouse', 'migrate'], t.io)).toBe(2);
    expect(t.text().stderr).toMatch(/needs --store clickhouse:\/\//);
    const u = io();
    expect(await main(['clickhouse', 'ddl', '--store', 'clickhouse://h/db?timeout=1'], u.io)).toBe(1);
    expect(u.text().stderr).toMatch(/unknown store option "timeout"/);
  });
});
