/**
 * Migration 195 (the run and model-call time indexes cover the cost-per-component edge reads) on
 * a real file at the schema before it: the indexes gain their columns, the edge reads use them
 * alone, and cost per component answers exactly as before over windows whose edges are raw.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { CostComponentsQuery } from '../../schema/api';
import { componentRunRecords } from '../../test/reliability/helpers';

const HOUR_MS = 3_600_000;
// Midnight UTC, so the runs fall on whole days and on both ragged edges of the windows.
const T0_MS = 1_780_012_800_000;
const ctx = { nowMs: T0_MS + 4 * 24 * HOUR_MS + 5 * HOUR_MS, monthlyBudgetUsd: null };

const indexColumns = (db: Db, index: string) => db.prepare(`SELECT name FROM pragma_index_info('${index}') ORDER BY seqno`).pluck().all();

const windows = [
  {},
  { range: '24h' },
  { range: '7d', sort: 'runs' },
  { range: '30d', componentType: 'card' },
  { from: String(T0_MS + 7 * HOUR_MS + 1234), to: String(T0_MS + 3 * 24 * HOUR_MS + 9 * HOUR_MS + 17) },
  { from: String(T0_MS + 13 * HOUR_MS), to: String(T0_MS + 4 * 24 * HOUR_MS + 2 * HOUR_MS), model: 'gpt-4o-mini', limit: '3' },
];

async function answers(db: Db): Promise<string> {
  const store = new SqliteStore(db, { ownsDb: false });
  const out: unknown[] = [];
  for (const w of windows) out.push(await store.panel('cost-components', CostComponentsQuery.parse(w) as never, ctx));
  return JSON.stringify(out);
}

describe('migration 195 (covering indexes for the cost-per-component edges)', () => {
  it('widens spans_runs_latency and model_calls_time, reads the edges from them alone, and answers as before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-cost-edges-'));
    const db = openDatabase(path.join(dir, 'old.db'), { migrate: false });
    migrate(db, loadMigrations().filter((m) => m.version < 195));
    // A run every 100 minutes for four days and five hours: whole days and raw edges in every window.
    const runs = Array.from({ length: 61 }, (_, i) => componentRunRecords(T0_MS + i * 100 * 60_000, i, i % 4 === 0 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
    new StoreWriter(db).writeSpans(runs);
    expect(indexColumns(db, 'spans_runs_latency')).toEqual(['start_ns', 'duration_ns', 'status_code', 'component_type', 'model']);
    const before = await answers(db);

    // Up to 207: 208 stores the spans' component type and model as ids (span-dimension-migration.test.ts).
    migrate(db, loadMigrations().filter((m) => m.version < 208));
    expect(indexColumns(db, 'spans_runs_latency')).toEqual(['start_ns', 'duration_ns', 'status_code', 'component_type', 'model', 'component_id_ref', 'cost_usd']);
    expect(indexColumns(db, 'model_calls_time')).toEqual(['time_ns', 'component_id_ref', 'stage', 'operation', 'cost_usd']);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 1) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(
      plan(`SELECT component_id_ref, COALESCE(component_type, ''), count(*), SUM(status_code = 2), SUM(COALESCE(cost_usd, 0)), SUM(duration_ns)
        FROM spans WHERE role = 'run' AND start_ns >= ? AND start_ns < ? AND component_id_ref IS NOT NULL GROUP BY 1, 2`),
    ).toContain('COVERING INDEX spans_runs_latency');
    expect(
      plan(`SELECT component_id_ref, COALESCE(stage, ''), COALESCE(operation, ''), count(*), SUM(COALESCE(cost_usd, 0))
        FROM model_calls WHERE time_ns >= ? AND time_ns < ? AND component_id_ref IS NOT NULL GROUP BY 1, 2, 3`),
    ).toContain('COVERING INDEX model_calls_time');
    const after = await answers(db);
    expect(JSON.parse(after).every((a: { runs: number[] }) => a.runs.length > 0)).toBe(true);
    expect(after).toBe(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
