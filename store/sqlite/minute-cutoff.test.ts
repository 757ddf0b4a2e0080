/**
 * The writer's minuteRollupsFromNs (used by the bulk demo builder): a history written with it
 * holds exactly the rows of the same history written without it and then pruned by retention
 * (minute rollups kept 7 days) as of the same time.
 */
import { openDatabase } from './db';
import { StoreWriter } from './writer';
import { pruneOnce } from './retention';
import { ROLLUPS, ROLLUP_TABLES } from '../layout';
import { fixtureBatches } from '../../api/test-fixtures';
import type { Db } from './db';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 1);
// 10 days of runs, every 20 minutes; the history ends mid-day, so the cutoff is inside a day.
const RUNS = 10 * 72;
const END_MS = START_MS + RUNS * 1_200_000 - 3 * 3_600_000 - 17 * 60_000;

function write(db: Db, options: ConstructorParameters<typeof StoreWriter>[1]): void {
  const writer = new StoreWriter(db, options);
  const batches = fixtureBatches({ runs: RUNS, startMs: START_MS, intervalMs: 1_200_000, batchSpans: 500 });
  for (let next = batches.next(); !next.done; next = batches.next()) writer.writeSpans(next.value);
}

function rows(db: Db, table: string): unknown[] {
  return db.prepare(`SELECT * FROM ${table}`).raw(true).all();
}

test('minute rollups before minuteRollupsFromNs are not written; everything else is as written then pruned', () => {
  const pruned = openDatabase(':memory:');
  write(pruned, {});
  const minutesBefore = (pruned.prepare('SELECT count(*) AS n FROM rollup_spans_rows WHERE grain_s = 60').get() as { n: number }).n;
  pruneOnce(pruned, { nowMillis: END_MS, retentionDays: 90, minuteRollupRetentionDays: 7 });
  const kept = (pruned.prepare('SELECT count(*) AS n FROM rollup_spans_rows WHERE grain_s = 60').get() as { n: number }).n;
  // The case is not trivial: some minute rows went, some stayed.
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(minutesBefore);

  const cut = openDatabase(':memory:');
  write(cut, { minuteRollupsFromNs: BigInt(END_MS - 7 * DAY_MS) * 1_000_000n });
  for (const t of ['spans', 'scores_rows', 'model_calls', 'strings', 'rollup_dimension_values', ...ROLLUP_TABLES.map((r) => ROLLUPS[r].stored)])
    expect({ t, rows: rows(cut, t) }).toEqual({ t, rows: rows(pruned, t) });
});
