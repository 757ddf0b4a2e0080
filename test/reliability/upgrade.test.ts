/**
 * Upgrades: a database created by the first migration set and filled with data opens under the
 * current code, migrates, and keeps every row of every table, value for value.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, migrate, openDatabase } from '../../store';
import type { Db } from '../../store';
import { componentRunRecords, count, integrity, metricPointRecord, removeDir, rollupsAgree, tempDir } from './helpers';
import { StoreWriter } from '../../store';

/** Every table of a schema with its columns, as the first migration made them. */
function tablesOf(db: Db): Map<string, string[]> {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name)
    .filter((t) => t !== 'schema_migrations');
  return new Map(tables.map((t) => [t, (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name)]));
}

/**
 * One digest per row over the given columns (a multiset, so a table rebuilt in another physical
 * order still matches, a changed value does not). Integers are read as BigInt so that nanosecond
 * timestamps compare exactly.
 */
function rowDigests(db: Db, table: string, columns: string[]): Map<string, number> {
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const stmt = db.prepare(`SELECT ${cols} FROM "${table}"`).raw(true).safeIntegers(true);
  const out = new Map<string, number>();
  for (const row of stmt.iterate() as Iterable<unknown[]>) {
    const d = crypto
      .createHash('sha1')
      .update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
      .digest('base64');
    out.set(d, (out.get(d) ?? 0) + 1);
  }
  return out;
}

function rowCount(digests: Map<string, number>): number {
  let n = 0;
  for (const c of digests.values()) n += c;
  return n;
}

/** Rows of before that are missing (or changed) in after; a migration may add rows, never lose one. */
function lostRows(before: Map<string, number>, after: Map<string, number>): number {
  let lost = 0;
  for (const [d, c] of before) lost += Math.max(0, c - (after.get(d) ?? 0));
  return lost;
}

describe('upgrade from the first migration set', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('genscope-upgrade-');
  });
  afterEach(() => removeDir(dir));

  it('opens a filled version-1 database under the current code, migrates it and keeps every row', () => {
    const file = path.join(dir, 'v1.db');
    const all = loadMigrations();
    const first = all.filter((m) => m.version === 1);
    expect(first).toHaveLength(1);

    // A database as the first release made it: WAL, version 1 only.
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    expect(migrate(v1, first)).toEqual([1]);
    const writer = new StoreWriter(v1);
    const t0 = Date.UTC(2025, 5, 1);
    for (let b = 0; b < 10; b++) {
      const spans = [];
      for (let i = 0; i < 100; i++) spans.push(...componentRunRecords(t0 + (b * 100 + i) * 60_000, i));
      writer.writeSpans(spans);
      writer.writeMetricPoints(Array.from({ length: 50 }, (_, i) => metricPointRecord(t0 + (b * 50 + i) * 60_000, i)));
    }
    v1.prepare(
      `INSERT INTO benchmark_runs (id, trace_id, pipeline, pipeline_version, model, started_ns, ended_ns, duration_ns,
         components, status_code, simulated, attributes) VALUES ('bench-1', ?, 'p', '1', 'gpt-4o', ?, ?, ?, 48, 1, 0, '{}')`,
    ).run('ab'.repeat(16), 1_748_736_000_123_456_789n, 1_748_736_060_987_654_321n, 60_864_197_532n);
    const tables = tablesOf(v1);
    const before = new Map([...tables].map(([t, cols]) => [t, rowDigests(v1, t, cols)]));
    const spanSample = v1
      .prepare("SELECT trace_id, start_ns, end_ns, cost_usd, attributes FROM spans WHERE role = 'run' ORDER BY start_ns LIMIT 1")
      .safeIntegers(true)
      .get();
    v1.close();

    const rowsBefore = (t: string) => rowCount(before.get(t) ?? new Map<string, number>());
    expect(rowsBefore('spans')).toBe(3000);
    expect(rowsBefore('scores')).toBe(1000);
    expect(rowsBefore('model_calls')).toBe(1000);
    expect(rowsBefore('metric_points')).toBe(500);
    for (const t of ['rollup_spans', 'rollup_scores', 'rollup_model_calls', 'rollup_components', 'rollup_cache', 'resources'])
      expect(rowsBefore(t)).toBeGreaterThan(0);

    // The current code: every migration applied, nothing lost.
    const db = openDatabase(file);
    const versions = db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => r.version);
    expect(versions).toEqual(all.map((m) => m.version));
    expect(integrity(db)).toBe('ok');
    for (const [t, cols] of tables) {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t);
      expect({ table: t, exists: Boolean(exists) }).toEqual({ table: t, exists: true });
      const liveCols = new Set((db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name));
      expect({ table: t, missing: cols.filter((c) => !liveCols.has(c)) }).toEqual({ table: t, missing: [] });
      const now = rowDigests(db, t, cols);
      expect({ table: t, lost: lostRows(before.get(t) ?? new Map<string, number>(), now) }).toEqual({ table: t, lost: 0 });
      // Raw telemetry is never added to by a migration; only derived rollups may be backfilled.
      if (!t.startsWith('rollup_')) expect({ table: t, rows: rowCount(now) }).toEqual({ table: t, rows: rowsBefore(t) });
    }
    expect(
      db
        .prepare("SELECT trace_id, start_ns, end_ns, cost_usd, attributes FROM spans WHERE role = 'run' ORDER BY start_ns LIMIT 1")
        .safeIntegers(true)
        .get(),
    ).toEqual(spanSample);
    const bench = db
      .prepare("SELECT started_ns, ended_ns, duration_ns FROM benchmark_runs WHERE id = 'bench-1'")
      .safeIntegers(true)
      .get();
    expect(bench).toEqual({
      started_ns: 1_748_736_000_123_456_789n,
      ended_ns: 1_748_736_060_987_654_321n,
      duration_ns: 60_864_197_532n,
    });

    // The upgraded file keeps working: new writes land beside the old rows, rollups still agree.
    const after = new StoreWriter(db);
    after.writeSpans(componentRunRecords(Date.UTC(2026, 0, 1), 1));
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(3003);
    const r = rollupsAgree(db);
    expect(r.runRollup).toBe(r.runs);
    expect(r.callRollup).toBe(r.calls);
    db.close();

    // Opening again is a no-op.
    const again = openDatabase(file);
    expect(migrate(again)).toEqual([]);
    expect(count(again, 'SELECT count(*) AS n FROM spans')).toBe(3003);
    again.close();
  });
});
