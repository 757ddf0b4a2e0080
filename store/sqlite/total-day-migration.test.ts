/**
 * Migration 200 (the day grain of the total rollups) on a real file at the schema before it (199), as
 * the writer before it left it (no day rows in the totals): the day rows it adds are exactly the ones
 * today's writer keeps, and the panels that read them answer as on a file written from the start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { DistributionQuery, PanelQuery, QualityScoresQuery } from '../../schema/api';
import { componentRunRecords } from '../../test/reliability/helpers';
import type { SpanRecord } from '../../schema/records';

const T0_MS = 1_780_000_000_000;
const HOUR_MS = 3_600_000;
const ctx = { nowMs: T0_MS + 12 * 86_400_000, monthlyBudgetUsd: null };

/** Runs every 7 hours over 11 days, two models: several days, each with several types. */
function history(): SpanRecord[] {
  return Array.from({ length: 38 }, (_, i) => componentRunRecords(T0_MS + i * 7 * HOUR_MS + (i % 5) * 60_000, i, i % 2 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
}

const dayRows = (db: Db, table: string) =>
  JSON.stringify(db.prepare(`SELECT * FROM ${table} WHERE grain_s = 86400 ORDER BY 1, 2, 3`).raw(true).all(), (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? String(v) : v,
  );

async function answers(db: Db): Promise<unknown[]> {
  const store = new SqliteStore(db, { ownsDb: false });
  const out: unknown[] = [];
  for (const range of ['30d', '7d']) {
    out.push(await store.panel('summary', PanelQuery.parse({ range }), ctx));
    out.push(await store.panel('performance-latency', PanelQuery.parse({ range }), ctx));
    out.push(await store.panel('quality-distribution', DistributionQuery.parse({ range, score: 'classification.accuracy' }), ctx));
    out.push(await store.panel('quality-scores', QualityScoresQuery.parse({ range, groupBy: 'none', score: ['classification.accuracy'] }), ctx));
  }
  return out;
}

describe('migration 200 (day grain of the total rollups)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-total-day-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds the day rows the writer keeps now, and the panels answer as on a file written with them', async () => {
    const spans = history();
    // The reference: today's schema and writer from the start.
    const fresh = openDatabase(path.join(dir, 'fresh.db'));
    new StoreWriter(fresh).writeSpans(spans);
    // The upgrade: schema 199, the same spans, and the day rows of the totals as the writer before 200 left them (none).
    const old = openDatabase(path.join(dir, 'old.db'), { migrate: false });
    migrate(old, loadMigrations().filter((m) => m.version <= 199));
    new StoreWriter(old).writeSpans(spans);
    old.exec('DELETE FROM rollup_spans_total_rows WHERE grain_s = 86400; DELETE FROM rollup_scores_total_rows WHERE grain_s = 86400');
    const hourRows = JSON.stringify(old.prepare('SELECT * FROM rollup_spans_total ORDER BY 1, 2, 3').raw(true).all(), (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    );
    // Without them, a month read from the totals misses its whole days (what the migration repairs).
    expect(await answers(old)).not.toEqual(await answers(fresh));
    expect(migrate(old, loadMigrations().filter((m) => m.version <= 200))).toEqual([200]);

    for (const table of ['rollup_spans_total', 'rollup_scores_total']) {
      const rows = dayRows(old, table);
      expect(JSON.parse(rows).length).toBeGreaterThanOrEqual(11);
      expect(rows).toBe(dayRows(fresh, table));
    }
    // Each day row is the sum of the full table's rows of that day.
    const sums = old
      .prepare(
        `SELECT t.stage, t.bucket_ns, t.count AS total, (SELECT SUM(count) FROM rollup_spans s WHERE s.grain_s = 86400 AND s.stage = t.stage AND s.bucket_ns = t.bucket_ns) AS full
         FROM rollup_spans_total t WHERE t.grain_s = 86400`,
      )
      .all() as { total: number; full: number }[];
    expect(sums.every((r) => r.total === r.full)).toBe(true);
    // The hour rows are left as they were.
    expect(
      JSON.stringify(old.prepare('SELECT * FROM rollup_spans_total WHERE grain_s = 3600 ORDER BY 1, 2, 3').raw(true).all(), (_k, v: unknown) =>
        typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
      ),
    ).toBe(JSON.stringify(JSON.parse(hourRows).filter((r: unknown[]) => r[0] === 3600)));

    expect(await answers(old)).toEqual(await answers(fresh));
    const summary = (await answers(fresh))[0] as { kpis: { runs: { value: number } } };
    expect(summary.kpis.runs.value).toBe(38);
    old.close();
    fresh.close();
  });
});
