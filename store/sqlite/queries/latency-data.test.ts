/**
 * canUseRaw bounds the raw count by the hour totals before it counts raw rows: its choice must be
 * the one the raw count alone gives, for every budget and window, aligned to hours or not.
 */
import { openDatabase } from '../db';
import { StoreWriter } from '../writer';
import { makeWindow } from '../../window';
import { componentRunRecords } from '../../../test/reliability/helpers';
import { END_TO_END_STAGE } from '../../../schema/api';
import { canUseRaw } from './latency-data';
import type { QueryContext } from './context';

const T0_MS = 1_780_000_000_000 - (1_780_000_000_000 % 3_600_000);

describe('canUseRaw', () => {
  it('chooses as the raw count does, for runs and for stages', () => {
    const db = openDatabase(':memory:');
    // 30 runs, one every 17 minutes: hours with 3 or 4 runs, windows cutting hours in the middle.
    new StoreWriter(db).writeSpans(Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 17 * 60_000, i)).flat());
    const count = (sql: string, w: { fromNs: bigint; toNs: bigint }) => Number(db.prepare(sql).pluck().get(w.fromNs, w.toNs));
    const windows = [
      makeWindow(T0_MS, T0_MS + 9 * 3_600_000),
      makeWindow(T0_MS + 25 * 60_000, T0_MS + 5 * 3_600_000 + 7 * 60_000),
      makeWindow(T0_MS + 3_600_000, T0_MS + 2 * 3_600_000),
      makeWindow(T0_MS + 61 * 60_000, T0_MS + 62 * 60_000),
    ];
    let checked = 0;
    for (const w of windows) {
      const runs = count("SELECT count(*) FROM spans WHERE role = 'run' AND start_ns >= ? AND start_ns < ?", w);
      const all = count('SELECT count(*) FROM spans WHERE start_ns >= ? AND start_ns < ?', w);
      for (let max = 0; max <= 5 * (all + 2); max++) {
        const ctx = { db, nowMs: T0_MS + 86_400_000, exactPercentileMaxRows: max } as QueryContext;
        expect([max, canUseRaw(ctx, w, { componentType: [], model: [], stage: [END_TO_END_STAGE] })]).toEqual([max, runs <= max]);
        expect([max, canUseRaw(ctx, w, { componentType: [], model: [], stage: ['generate'] })]).toEqual([max, all <= Math.floor(max / 5)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    db.close();
  });
});
