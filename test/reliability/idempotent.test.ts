/**
 * Idempotent writes (issue 14, item 1): the same span (trace id, span id) or metric point is
 * stored once however often it arrives, within a batch, across retries and across restarts, and
 * its rollups, cost and scores are counted once. Databases holding copies from before migration
 * 041 lose the copies and get their rollups recomputed.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreWriter, openDatabase } from '../../store';
import type { Db } from '../../store';
import { ROLLUPS, ROLLUP_TABLES } from '../../store/layout';
import { BucketCounts } from '../../store/histogram';
import { componentRunRecords, count, metricPointRecord, removeDir, tempDir } from './helpers';
import { legacySchema, legacyWriteSpans } from './legacy-writer';

function dump(db: Db): string[] {
  const tables = ['spans', 'scores', 'model_calls', 'metric_points', ...ROLLUP_TABLES];
  return tables.map((t) => {
    const order = t.startsWith('rollup_') ? ROLLUPS[t as (typeof ROLLUP_TABLES)[number]].primaryKey.join(', ') : 'id';
    const rows = db.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).raw(true).safeIntegers(true).all() as unknown[][];
    return JSON.stringify(
      // Row ids (and scores.span_row, a span's row id) are left out: AUTOINCREMENT never reuses an id,
      // so a refused copy still moves the sequence on; what the rows say must be the same.
      // A rollup's float sums (cost) to 12 digits: their last bits depend on the order they were
      // added in (migration 200 sums the totals' day rows in another order than the writer).
      rows.map((r) =>
        (t.startsWith('rollup_') ? r : t === 'scores' ? [r[1], ...r.slice(3)] : r.slice(1)).map((v) =>
          v instanceof Uint8Array
            ? BucketCounts.decode(v).total
            : typeof v === 'bigint'
              ? String(v)
              : typeof v === 'number' && t.startsWith('rollup_')
                ? Number(v.toPrecision(12))
                : v,
        ),
      ),
    );
  });
}

const T0 = Date.UTC(2026, 1, 1);
function batch(offset: number): ReturnType<typeof componentRunRecords> {
  const out = [];
  for (let i = 0; i < 40; i++) out.push(...componentRunRecords(T0 + (offset + i) * 30_000, i));
  return out;
}

describe('idempotent writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('genscope-idem-');
  });
  afterEach(() => removeDir(dir));

  it('stores a batch written twice, a span twice in one batch, and a retry after a restart once', () => {
    const a = batch(0);
    const b = batch(100);
    const points = Array.from({ length: 20 }, (_, i) => metricPointRecord(T0 + i * 60_000, i));

    const once = openDatabase(':memory:');
    const ref = new StoreWriter(once);
    ref.writeSpans(a);
    ref.writeSpans(b);
    ref.writeMetricPoints(points);

    const file = path.join(dir, 'g.db');
    const db = openDatabase(file);
    const w = new StoreWriter(db);
    expect(w.writeSpans(a).accepted).toBe(a.length);
    // The exporter timed out and sends the same batch again: acknowledged, stored once.
    expect(w.writeSpans(a).accepted).toBe(a.length);
    expect(w.stats.duplicates).toBe(a.length);
    // A copy inside one batch.
    w.writeSpans([...b, ...b.slice(0, 10)]);
    w.writeMetricPoints(points);
    w.writeMetricPoints(points.slice(0, 5));
    db.close();
    // After a restart, a replay of a committed batch (killed between commit and response).
    const again = openDatabase(file);
    const w2 = new StoreWriter(again);
    w2.writeSpans(b);
    w2.writeMetricPoints(points);
    expect(w2.stats.duplicates).toBe(b.length + points.length);
    expect(w2.stats.spans).toBe(0);

    expect(count(again, 'SELECT count(*) AS n FROM span_view')).toBe(a.length + b.length);
    expect(count(again, 'SELECT count(*) AS n FROM metric_points')).toBe(points.length);
    // Every raw row, cost, score and rollup equals a single write of the same telemetry.
    expect(dump(again)).toEqual(dump(once));
    again.close();
  });

  it('removes copies stored before migration 041 and recomputes their rollups', () => {
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    legacySchema(old);
    const a = batch(0);
    legacyWriteSpans(old, a);
    legacyWriteSpans(old, a.slice(0, 30)); // a retry that the old schema stored again
    expect(count(old, 'SELECT count(*) AS n FROM spans')).toBe(a.length + 30);
    old.close();

    const db = openDatabase(file);
    const fresh = openDatabase(':memory:');
    new StoreWriter(fresh).writeSpans(a);
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(a.length);
    expect(count(db, 'SELECT count(*) AS n FROM score_view')).toBe(count(fresh, 'SELECT count(*) AS n FROM score_view'));
    expect(count(db, 'SELECT count(*) AS n FROM model_call_view')).toBe(count(fresh, 'SELECT count(*) AS n FROM model_call_view'));
    const rollups = (d: Db) => dump(d).slice(4);
    expect(rollups(db)).toEqual(rollups(fresh));
    db.close();
  });
});
