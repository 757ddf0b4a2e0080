import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quantileSorted } from '../../../analysis/descriptive';
import { ModelCallsQuery } from '../../../schema/api';
import { runRecords, seededRandom, writeRecords } from '../../../alerts/test-fixtures';
import { openDatabase } from '../db';
import type { Db } from '../db';
import { pruneOnce } from '../retention';
import { kthOfSorted, quantileOfSorted } from './model-call-slices';
import { modelCalls } from './model-calls';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1);

describe('percentiles over sorted slices', () => {
  it('equal the type-7 percentiles of all the values, for any split and with ties', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 400);
      // Few distinct values on some trials, so ties cross the slices.
      const distinct = trial % 3 === 0 ? 5 : 1e6;
      const all = Array.from({ length: n }, () => Math.floor(random() * distinct) / 7);
      const slices: Float64Array[] = [];
      for (let i = 0; i < all.length; ) {
        const len = Math.floor(random() * 60);
        slices.push(Float64Array.from(all.slice(i, i + len)).sort());
        i += len;
      }
      const sorted = Float64Array.from(all).sort();
      for (const q of [0, 0.01, 0.5, 0.95, 0.99, 1]) expect(quantileOfSorted(slices, q)).toBe(quantileSorted(sorted, q));
      const k = Math.floor(random() * n);
      expect(kthOfSorted(slices, k)).toBe(sorted[k]);
    }
    expect(quantileOfSorted([new Float64Array(0)], 0.5)).toBeNull();
  });
});

describe('GET /performance/models with kept day and hour slices', () => {
  let dir: string;
  let file: string;
  let served: Db;
  let other: Db;
  const random = seededRandom(3);
  const calls = (startMs: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      runRecords({
        startMs: startMs + i * 60_000,
        durationMs: 50 + Math.floor(random() * 5000),
        componentId: `c${i}`,
        componentType: 'button',
        model: i % 3 === 0 ? 'model-b' : 'model-a',
        calls: [{ costUsd: 0.001 * (1 + (i % 7)) }],
      }),
    ).flat();
  const q = ModelCallsQuery.parse({ from: String(T0 - 5 * HOUR + 123), to: String(T0 + 3 * DAY + 5 * HOUR + 456) });
  const ctxOf = (db: Db) => ({ db, nowMs: T0 + 4 * DAY, monthlyBudgetUsd: null, exactPercentileMaxRows: 20_000, minuteRollupRetentionDays: 7 });
  // A connection opened for the check has no slices kept: it reads every row.
  const fresh = () => {
    const db = openDatabase(file, { readonly: true });
    try {
      return modelCalls(ctxOf(db), q);
    } finally {
      db.close();
    }
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-slices-'));
    file = path.join(dir, 'calls.db');
    served = openDatabase(file);
    other = openDatabase(file);
    for (const start of [T0 - 6 * HOUR, T0 + 2 * HOUR, T0 + DAY + 3 * HOUR, T0 + 2 * DAY + 20 * HOUR, T0 + 3 * DAY + 4 * HOUR]) writeRecords(served, calls(start, 40));
  });
  afterAll(() => {
    served.close();
    other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers what a cold read answers, after writes from either connection and a prune', () => {
    const first = modelCalls(ctxOf(served), q);
    expect(first.groups.map((g) => g.model)).toEqual(['model-a', 'model-b']);
    expect(first).toEqual(fresh());
    expect(modelCalls(ctxOf(served), q)).toEqual(first);

    // Into a kept whole day, from another connection: that day is read again.
    writeRecords(other, calls(T0 + DAY + 9 * HOUR, 5));
    const afterOther = modelCalls(ctxOf(served), q);
    expect(afterOther.groups.reduce((n, g) => n + g.calls, 0)).toBe(first.groups.reduce((n, g) => n + g.calls, 0) + 5);
    expect(afterOther).toEqual(fresh());

    // Into a kept edge hour, from this connection.
    writeRecords(served, calls(T0 + 3 * DAY + 4 * HOUR + 30 * 60_000, 3));
    const afterServed = modelCalls(ctxOf(served), q);
    expect(afterServed.groups.reduce((n, g) => n + g.calls, 0)).toBe(afterOther.groups.reduce((n, g) => n + g.calls, 0) + 3);
    expect(afterServed).toEqual(fresh());

    // Retention reaches into the first whole day: its slice goes.
    pruneOnce(other, { retentionDays: 4, nowMillis: T0 + 4 * DAY + 3 * HOUR });
    const afterPrune = modelCalls(ctxOf(served), q);
    expect(afterPrune.groups.reduce((n, g) => n + g.calls, 0)).toBeLessThan(afterServed.groups.reduce((n, g) => n + g.calls, 0));
    expect(afterPrune).toEqual(fresh());
  });
});
