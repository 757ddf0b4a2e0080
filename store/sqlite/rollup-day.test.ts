/**
 * Rollups kept in code (migration 040): the day grain of every rollup table and the hour totals
 * always equal the hour rows, and a rebuild from raw rows gives exactly what the writer wrote.
 */
import { openDatabase } from './db';
import { BucketCounts } from '../histogram';
import { ROLLUPS, ROLLUP_TABLES } from '../layout';
import { rebuildRollups } from './rebuild';
import type { Db } from './db';
import { writeFixture } from '../../api/test-fixtures';

interface Row {
  d: number;
  stage: string;
  component_type: string;
  model: string;
  count: number;
  errors: number;
  dur: number;
  max: number;
  cost: number;
  hits: number;
  misses: number;
  hist: Record<string, number>;
}

function byDay(db: Db, grain: number): Map<string, Row> {
  const rows = db
    .prepare(
      `SELECT bucket_ns / 86400000000000 AS d, stage, component_type, model, count, errors, duration_sum_ns AS dur,
         duration_max_ns AS max, cost_usd AS cost, cache_hits AS hits, cache_misses AS misses, latency_hist
       FROM rollup_spans WHERE grain_s = ?`,
    )
    .all(grain) as (Omit<Row, 'hist'> & { latency_hist: Uint8Array })[];
  const out = new Map<string, Row>();
  for (const r of rows) {
    const k = `${r.d}|${r.stage}|${r.component_type}|${r.model}`;
    const a = out.get(k) ?? { ...r, count: 0, errors: 0, dur: 0, max: 0, cost: 0, hits: 0, misses: 0, hist: {} };
    a.count += r.count;
    a.errors += r.errors;
    a.dur += r.dur;
    a.max = Math.max(a.max, r.max);
    a.cost += r.cost;
    a.hits += r.hits;
    a.misses += r.misses;
    BucketCounts.decode(r.latency_hist).forEach((i, c) => (a.hist[i] = (a.hist[i] ?? 0) + c));
    out.set(k, a);
  }
  return out;
}

function expectSame(db: Db): void {
  const hours = byDay(db, 3600);
  const days = byDay(db, 86400);
  expect(days.size).toBe(hours.size);
  for (const [k, h] of hours) {
    const d = days.get(k);
    expect(d).toBeDefined();
    if (!d) continue;
    expect({ k, count: d.count, errors: d.errors, dur: d.dur, max: d.max, hits: d.hits, misses: d.misses, hist: d.hist }).toEqual({
      k,
      count: h.count,
      errors: h.errors,
      dur: h.dur,
      max: h.max,
      hits: h.hits,
      misses: h.misses,
      hist: h.hist,
    });
    expect(d.cost).toBeCloseTo(h.cost, 9);
  }
}

/** Sums of every numeric column per (day, key) for a grain of a rollup table without histograms. */
function plainByDay(db: Db, table: string, keys: string, sums: string, grain: number): string {
  return JSON.stringify(
    db
      .prepare(`SELECT bucket_ns / 86400000000000 AS d, ${keys}, ${sums} FROM ${table} WHERE grain_s = ? GROUP BY 1, ${keys} ORDER BY 1, ${keys}`)
      .all(grain),
  );
}

function expectOtherTablesSame(db: Db): void {
  const calls = ['operation, provider, model, component_type', 'SUM(calls), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), ROUND(SUM(cost_usd), 9), SUM(duration_sum_ns)'] as const;
  expect(plainByDay(db, 'rollup_model_calls', calls[0], calls[1], 86400)).toBe(plainByDay(db, 'rollup_model_calls', calls[0], calls[1], 3600));
  const cache = ['cache_name, stage, component_type', 'SUM(hits), SUM(misses)'] as const;
  expect(plainByDay(db, 'rollup_cache', cache[0], cache[1], 86400)).toBe(plainByDay(db, 'rollup_cache', cache[0], cache[1], 3600));
  const scores = ['name, component_type, model, label', 'SUM(count), ROUND(SUM(sum), 9), ROUND(SUM(sum_sq), 9)'] as const;
  expect(plainByDay(db, 'rollup_scores', scores[0], scores[1], 86400)).toBe(plainByDay(db, 'rollup_scores', scores[0], scores[1], 3600));
  // Score histograms: the day's 20 bins are the sums of its hours' bins.
  const hist = (grain: number) => {
    const m = new Map<string, number[]>();
    for (const r of db.prepare('SELECT bucket_ns / 86400000000000 AS d, name, component_type, model, label, hist FROM rollup_scores WHERE grain_s = ?').all(grain) as { d: number; name: string; component_type: string; model: string; label: string; hist: Uint8Array }[]) {
      const k = `${r.d}|${r.name}|${r.component_type}|${r.model}|${r.label}`;
      const a = m.get(k) ?? new Array<number>(20).fill(0);
      BucketCounts.decode(r.hist).forEach((i, v) => (a[i] = (a[i] ?? 0) + v));
      m.set(k, a);
    }
    return JSON.stringify([...m.entries()].sort());
  };
  expect(hist(86400)).toBe(hist(3600));
}

/** Migration 024: the narrow hour totals equal the hour rows summed over type, model (and label). */
function expectTotalsSame(db: Db): void {
  const spans = (table: string, group: string) =>
    JSON.stringify(
      db
        .prepare(
          `SELECT stage, bucket_ns, SUM(count), SUM(errors), SUM(duration_sum_ns), MAX(duration_max_ns), ROUND(SUM(cost_usd), 9), SUM(cache_hits), SUM(cache_misses)
           FROM ${table} WHERE grain_s = 3600 GROUP BY ${group} ORDER BY stage, bucket_ns`,
        )
        .all(),
    );
  expect(spans('rollup_spans_total', 'stage, bucket_ns')).toBe(spans('rollup_spans', 'stage, bucket_ns'));
  const hists = (table: string) => {
    const m = new Map<string, Record<string, number>>();
    for (const r of db.prepare(`SELECT stage, bucket_ns, latency_hist FROM ${table} WHERE grain_s = 3600`).all() as { stage: string; bucket_ns: number; latency_hist: Uint8Array }[]) {
      const k = `${r.stage}|${r.bucket_ns}`;
      const a = m.get(k) ?? {};
      BucketCounts.decode(r.latency_hist).forEach((i, c) => (a[i] = (a[i] ?? 0) + c));
      m.set(k, a);
    }
    return [...m.entries()].sort().map(([k, h]) => [k, Object.entries(h).sort()]);
  };
  expect(hists('rollup_spans_total')).toEqual(hists('rollup_spans'));
  const scores = (table: string) =>
    JSON.stringify(
      db.prepare(`SELECT name, bucket_ns, SUM(count), ROUND(SUM(sum), 9), ROUND(SUM(sum_sq), 9) FROM ${table} WHERE grain_s = 3600 GROUP BY name, bucket_ns ORDER BY name, bucket_ns`).all(),
    );
  expect(scores('rollup_scores_total')).toBe(scores('rollup_scores'));
}

describe('rollup day grain', () => {
  it('equals the sum of the hour rows after many small batches', () => {
    const db = openDatabase(':memory:');
    // Small batches update the same hour rows many times (the UPDATE trigger path).
    writeFixture(db, { runs: 2000, startMs: Date.UTC(2026, 2, 1, 20), intervalMs: 90_000, batchSpans: 50 });
    expectSame(db);
    expectOtherTablesSame(db);
    expectTotalsSame(db);
    expect((db.prepare('SELECT count(*) AS n FROM rollup_spans WHERE grain_s = 86400').get() as { n: number }).n).toBeGreaterThan(0);
  });

  it('is rebuilt from raw rows exactly as the writer wrote it', () => {
    const db = openDatabase(':memory:');
    writeFixture(db, { runs: 500, startMs: Date.UTC(2026, 2, 1), intervalMs: 300_000, batchSpans: 70 });
    const dump = () =>
      ROLLUP_TABLES.map((t) =>
        JSON.stringify(
          db
            .prepare(`SELECT * FROM ${t} ORDER BY ${ROLLUPS[t].primaryKey.join(', ')}`)
            .raw(true)
            .all()
            .map((r) => (r as unknown[]).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))),
        ),
      );
    const written = dump();
    for (const t of ROLLUP_TABLES) db.exec(`DELETE FROM ${ROLLUPS[t].stored}`);
    rebuildRollups(db);
    expect(dump()).toEqual(written);
    expect(written.every((t) => t.length > 2)).toBe(true);
  });
});
