/**
 * The size migrations (175-179) on real files at the schema before them (migration 170), filled
 * by today's writer where its rows are unchanged and by hand where the layout changed: every row
 * is kept and every answer that reads them stays the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { FilterOptionsQuery } from '../../schema/api';
import { componentRunRecords } from '../../test/reliability/helpers';

const T0_MS = 1_780_000_000_000;
const ctx = { nowMs: T0_MS + 3_600_000, monthlyBudgetUsd: null };

function fileAt170(): { db: Db; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-size-mig-'));
  const db = openDatabase(path.join(dir, 'old.db'), { migrate: false });
  migrate(db, loadMigrations().filter((m) => m.version <= 170));
  return { db, dir };
}

const dump = (db: Db, table: string) => JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4, 5, 6, 7`).raw(true).all());

describe('migration 175 (no score-name index on rollup_scores)', () => {
  it('drops the index, keeps the rollup rows, and the filter options list the same score names', async () => {
    const { db, dir } = fileAt170();
    new StoreWriter(db).writeSpans(Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat());
    // A second score name, only in the last half hour.
    const late = componentRunRecords(T0_MS + 40 * 60_000, 3);
    const stage = late[1];
    if (!stage) throw new Error('no stage span');
    const ev = stage.events[0];
    if (!ev) throw new Error('no score event');
    stage.events = [...stage.events, { ...ev, attributes: { ...ev.attributes, 'gen_ai.evaluation.name': 'code.quality' } }];
    new StoreWriter(db).writeSpans(late);
    const store = new SqliteStore(db, { ownsDb: false });
    const windows = [FilterOptionsQuery.parse({ range: '24h' }), FilterOptionsQuery.parse({ from: String(T0_MS), to: String(T0_MS + 30 * 60_000) })];
    const before = [];
    for (const q of windows) before.push((await store.filterOptions(q, ctx)).scores);
    const rows = dump(db, 'rollup_scores');
    migrate(db);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'rollup_scores_name'").pluck().get()).toBe(0);
    expect(dump(db, 'rollup_scores')).toBe(rows);
    const after = [];
    for (const q of windows) after.push((await store.filterOptions(q, ctx)).scores);
    expect(after).toEqual(before);
    expect(after).toEqual([['classification.accuracy', 'code.quality'], ['classification.accuracy']]);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
