/**
 * Loads span latencies for the performance panels, per time bucket and overall: exact (raw
 * durations) when the raw scan is small enough or a benchmark run is selected, otherwise merged
 * rollup histograms. The row-count check is itself bounded (a LIMIT on an index range).
 */
import { END_TO_END_STAGE } from '../../../schema/api';
import { sketchIndex } from '../../histogram';
import type { BucketedWindow, Window } from '../../window';
import type { Db } from '../db';
import { HOUR_GRAIN_S } from '../../window';
import { ROLLUPS } from '../../layout';
import { rawKept } from './context';
import type { QueryContext } from './context';
import { emptyHistogram } from './histograms';
import type { DenseHistogram } from './histograms';
import { serviceOf, spanSource, runsOnly } from './sources';
import { all, bucketMsExpr, coveredWindow, filterConditions, get, joinAnd, spanFilterColumns } from './sql';
import type { Filters, Fragment } from './sql';

export interface LatencyData {
  exact: boolean;
  source: 'rollup' | 'raw';
  ignored: string[];
  /** Per time bucket (aligned with bw.t) and per stage: histogram, and raw durations (ms) when exact. */
  buckets: Map<string, { hist: DenseHistogram; values: number[] | null; count: number; errors: number; sumMs: number }>[];
  /** Per stage over the whole window. */
  overall: Map<string, { hist: DenseHistogram; values: number[] | null; count: number; errors: number; sumMs: number }>;
}

/**
 * Whether a raw scan for these filters touches few enough rows for exact percentiles. End-to-end
 * durations come from the covering index spans_runs_latency (cheap per row), so they get the whole
 * budget; stage spans need a table row each among all spans of the window, so they get a fifth.
 * The hour totals bound the count first (a month is a few hundred rows, where counting the index
 * range up to the budget read 20,000 entries per request at 1M spans): the runs of the hours wholly
 * inside the window are at most the raw count, those of the hours it touches at least (runs only:
 * the raw scan of the stage case also visits spans no rollup counts). Only a count between the
 * bounds is taken from the raw rows, so the choice is the one the raw count alone would make.
 */
export function canUseRaw(ctx: QueryContext, w: Window, f: Filters): boolean {
  if (f.benchmarkRun !== undefined) return true;
  // Retention has pruned the start of the window: its raw rows are a part, the rollups the whole.
  if (!rawKept(ctx, w)) return false;
  const runs = runsOnly(f);
  const max = runs ? ctx.exactPercentileMaxRows : Math.floor(ctx.exactPercentileMaxRows / 5);
  const hourNs = BigInt(HOUR_GRAIN_S) * 1_000_000_000n;
  const firstHour = (w.fromNs / hourNs) * hourNs;
  const firstWhole = firstHour === w.fromNs ? firstHour : firstHour + hourNs;
  // The stored rows (migration 180), by the stage's string id: a primary-key seek.
  const bounds = get<{ lower: number | null; upper: number | null }>(ctx.db, {
    sql: `SELECT SUM(CASE WHEN bucket_ns >= ? AND bucket_ns + ? <= ? THEN count ELSE 0 END) AS lower, SUM(count) AS upper
      FROM ${ROLLUPS.rollup_spans_total.stored} WHERE grain_s = ? AND bucket_ns >= ? AND bucket_ns < ?${runs ? ' AND stage_ref = (SELECT id FROM strings WHERE value = ?)' : ''}`,
    params: [firstWhole, hourNs, w.toNs, HOUR_GRAIN_S, firstHour, w.toNs, ...(runs ? [END_TO_END_STAGE] : [])],
  });
  if ((bounds?.lower ?? 0) > max) return false;
  if (runs && (bounds?.upper ?? 0) <= max) return true;
  const sql = runs
    ? "SELECT count(*) AS n FROM (SELECT 1 FROM spans WHERE role = 'run' AND start_ns >= ? AND start_ns < ? LIMIT ?)"
    : 'SELECT count(*) AS n FROM (SELECT 1 FROM spans WHERE start_ns >= ? AND start_ns < ? LIMIT ?)';
  const row = get<{ n: number }>(ctx.db, { sql, params: [w.fromNs, w.toNs, max + 1] });
  return (row?.n ?? 0) <= max;
}

/** End-to-end rows from the covering index: only columns spans_runs_latency holds. */
function runsIndexSource(w: Window, f: Filters, db: Db): { from: Fragment; ignored: string[] } {
  const cols = spanFilterColumns(db);
  const { conds, ignored } = filterConditions(
    { ...f, stage: [] },
    { componentType: cols.componentType, model: cols.model, service: serviceOf('spans.resource_id') },
  );
  const where = joinAnd([{ sql: "role = 'run' AND start_ns >= ? AND start_ns < ?", params: [w.fromNs, w.toNs] }, ...conds]);
  return {
    from: {
      sql: `SELECT start_ns AS bucket_ns, ? AS stage, (status_code = 2) AS errors, duration_ns FROM spans WHERE ${where.sql}`,
      params: [END_TO_END_STAGE, ...where.params],
    },
    ignored,
  };
}

function slot() {
  return { hist: emptyHistogram(), values: null as number[] | null, count: 0, errors: 0, sumMs: 0 };
}

/**
 * Latencies of the stages in `f.stage` (end-to-end when empty, or every stage but the end-to-end
 * one with `allStages`), per stage and time bucket of `bw` (or only overall when bw is null).
 */
export function loadLatency(
  ctx: QueryContext,
  w: Window,
  bw: BucketedWindow | null,
  f: Filters,
  opts: { allowExact: boolean; allStages?: boolean },
): LatencyData {
  const allStages = opts.allStages === true && f.stage.length === 0;
  const filters: Filters = { ...f, stage: f.stage.length > 0 || allStages ? f.stage : [END_TO_END_STAGE] };
  const raw = f.benchmarkRun !== undefined || (opts.allowExact && canUseRaw(ctx, w, filters));
  const step = bw ? bw.bucketSeconds : null;
  const indexOnly = raw && runsOnly(filters) && f.benchmarkRun === undefined;
  // Raw rows over the span time the rollups would cover, so a count never depends on which is read.
  const rw = raw && f.benchmarkRun === undefined ? coveredWindow(w, bw?.grainS) : w;
  const src = indexOnly
    ? { ...runsIndexSource(rw, filters, ctx.db), source: 'raw' as const }
    : spanSource(rw, filters, { stagesOnly: allStages, dims: false, ...(raw ? { raw: true } : bw ? { grainS: bw.grainS } : {}) });
  const tExpr = step !== null ? bucketMsExpr('bucket_ns', step) : '0';
  const n = bw ? bw.t.length : 0;
  const buckets: LatencyData['buckets'] = Array.from({ length: n }, () => new Map());
  const overall: LatencyData['overall'] = new Map();
  const first = bw?.t[0] ?? 0;
  const stepMs = (step ?? 1) * 1000;
  const at = (m: Map<string, ReturnType<typeof slot>>, stage: string) => {
    let s = m.get(stage);
    if (!s) {
      s = slot();
      if (raw) s.values = [];
      m.set(stage, s);
    }
    return s;
  };
  if (raw) {
    const rows = all<{ t: number; stage: string; dur_ms: number; errors: number }>(ctx.db, {
      sql: `SELECT ${tExpr} AS t, stage, duration_ns / 1e6 AS dur_ms, errors FROM (${src.from.sql})`,
      params: src.from.params,
    });
    for (const r of rows) {
      const bi = sketchIndex(r.dur_ms * 1e6);
      const targets = [at(overall, r.stage)];
      if (bw) {
        const i = Math.floor((r.t - first) / stepMs);
        const b = buckets[i];
        if (b) targets.push(at(b, r.stage));
      }
      for (const s of targets) {
        s.hist.add(bi);
        s.values?.push(r.dur_ms);
        s.count++;
        s.errors += r.errors;
        s.sumMs += r.dur_ms;
      }
    }
  } else {
    const rows = all<{ t: number; stage: string; latency_hist: Uint8Array | null; count: number; errors: number; sum_ms: number }>(ctx.db, {
      sql: `SELECT ${tExpr} AS t, stage, latency_hist, count, errors, duration_sum_ns / 1e6 AS sum_ms FROM (${src.from.sql})`,
      params: src.from.params,
    });
    for (const r of rows) {
      const targets = [at(overall, r.stage)];
      if (bw) {
        const b = buckets[Math.floor((r.t - first) / stepMs)];
        if (b) targets.push(at(b, r.stage));
      }
      // Straight into each target (no decoded copy per row: a month of rows is GC churn otherwise).
      for (const s of targets) {
        s.hist.addEncoded(r.latency_hist);
        s.count += r.count;
        s.errors += r.errors;
        s.sumMs += r.sum_ms;
      }
    }
  }
  return { exact: raw, source: src.source, ignored: src.ignored, buckets, overall };
}
