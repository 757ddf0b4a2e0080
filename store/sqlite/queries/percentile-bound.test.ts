/**
 * Percentiles from rollup sketches, as the panels answer them over long ranges: within the
 * sketch's stated relative error of the exact percentiles of the raw rows, and so a stage (a
 * child span, never longer than its run) never shows a p95 above its run's beyond that bound.
 */
import { PanelQuery } from '../../../schema/api';
import { END_TO_END_STAGE } from '../../../schema/api';
import { exactPercentiles } from './histograms';
import { openDatabase } from '../db';
import { writeFixture } from '../../../api/test-fixtures';
import { SKETCH_RELATIVE_ERROR } from '../../histogram';
import { stageBreakdown } from './stage-breakdown';
import { latencyPercentiles } from './latency-percentiles';
import type { QueryContext } from './context';

const NOW = Date.UTC(2026, 5, 1);
const db = openDatabase(':memory:');
writeFixture(db, { runs: 4000, startMs: NOW - 4000 * 600_000, intervalMs: 600_000, batchSpans: 700 });
// exactPercentileMaxRows 0: always the rollups, never the raw rows.
const ctx: QueryContext = { db, nowMs: NOW, monthlyBudgetUsd: null, exactPercentileMaxRows: 0, minuteRollupRetentionDays: 7 };

function exact(stage: string, fromMs: number): { p50: number; p95: number; p99: number } {
  const sql =
    stage === END_TO_END_STAGE
      ? "SELECT duration_ns / 1e6 AS ms FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ?"
      : "SELECT duration_ns / 1e6 AS ms FROM span_view WHERE role = 'stage' AND stage = ? AND start_ns >= ? AND start_ns < ?";
  const params = stage === END_TO_END_STAGE ? [] : [stage];
  const ms = (db.prepare(sql).pluck().all(...params, BigInt(fromMs) * 1_000_000n, BigInt(NOW) * 1_000_000n) as number[]);
  const p = exactPercentiles(ms);
  return { p50: p.p50 ?? NaN, p95: p.p95 ?? NaN, p99: p.p99 ?? NaN };
}

function within(got: number | null, want: number): void {
  expect(got).not.toBeNull();
  // Rounded to 3 decimals (µs) by the panel.
  expect(Math.abs((got ?? NaN) - want)).toBeLessThanOrEqual(want * SKETCH_RELATIVE_ERROR + 0.0005);
}

describe('percentiles from rollups', () => {
  for (const range of ['7d', '30d'] as const) {
    it(`are within ${(SKETCH_RELATIVE_ERROR * 100).toFixed(2)}% of exact for every stage over ${range}`, () => {
      const q = PanelQuery.parse({ range });
      const r = stageBreakdown(ctx, q);
      expect(r.stages.length).toBeGreaterThan(1);
      const fromMs = NOW - (range === '7d' ? 7 : 30) * 86_400_000;
      r.stages.forEach((stage, i) => {
        const e = exact(stage, fromMs);
        within(r.p50Ms[i] ?? null, e.p50);
        within(r.p95Ms[i] ?? null, e.p95);
        within(r.p99Ms[i] ?? null, e.p99);
      });
      const run = latencyPercentiles(ctx, q).overall;
      const e = exact(END_TO_END_STAGE, fromMs);
      within(run.p95, e.p95);
    });
  }

  it("never puts a stage's p95 above its run's beyond the bound", () => {
    const q = PanelQuery.parse({ range: '30d' });
    const run = latencyPercentiles(ctx, q).overall.p95 ?? 0;
    const r = stageBreakdown(ctx, q);
    for (const p95 of r.p95Ms) expect(p95 ?? 0).toBeLessThanOrEqual(run * ((1 + SKETCH_RELATIVE_ERROR) / (1 - SKETCH_RELATIVE_ERROR)));
  });
});
