/**
 * Latency reads for the ClickHouse panels. Exact percentiles (quantilesExactInclusive, the same
 * type-7 interpolation as analysis/quantileSorted) over raw extracted spans when the window holds
 * at most `exactMaxRows` of them or a benchmark run is selected; otherwise DDSketch percentiles
 * (relative error SKETCH_RELATIVE_ACCURACY) merged from the hour rollups, with the ragged edge
 * hours of the window sketched from raw rows in the same query, so the window is exact to the ns.
 * Buckets finer than an hour (ranges up to two days) are always exact.
 */
import { END_TO_END_STAGE } from '../../schema/api';
import type { Window } from '../window';
import type { ChClient } from './client';
import { SKETCH_LEVELS, SKETCH_MERGE, SKETCH_RELATIVE_ACCURACY } from './ddl';
import { and, bucketMs, filterSql, num, Params, spanSource } from './sql';
import type { ChFilters } from './sql';

export interface LatencyCell {
  /** Epoch-ms bucket start (0 when not bucketed). */
  t: number;
  /** Stage ('' when pooled over the selected stages). */
  stage: string;
  count: number;
  errors: number;
  sumMs: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface LatencyRead {
  exact: boolean;
  ignored: string[];
  cells: LatencyCell[];
}

export interface LatencyRequest {
  w: Window;
  f: ChFilters;
  /** Bucket width in seconds, or null for the whole window. */
  stepS: number | null;
  /** Group by stage (else pooled). */
  byStage: boolean;
  /** All stages but the end-to-end one when no stage filter is given. */
  allStages?: boolean;
  exactMaxRows: number;
  /** Force exact (the caller knows the raw scan is small or asked for a benchmark run). */
  forceExact?: boolean;
}

const HOUR_MS = 3_600_000;
const LEVELS = SKETCH_LEVELS.join(', ');

function stagesOf(r: LatencyRequest): { f: ChFilters; stagesOnly: boolean } {
  const allStages = r.allStages === true && r.f.stage.length === 0;
  return {
    f: { ...r.f, stage: r.f.stage.length > 0 || allStages ? r.f.stage : [END_TO_END_STAGE] },
    stagesOnly: allStages,
  };
}

interface Row {
  t: number | string;
  stage: string;
  n: number | string;
  errors: number | string;
  sum_ms: number;
  q: number[];
}

function cells(rows: Row[]): LatencyCell[] {
  return rows.map((r) => {
    const n = num(r.n);
    return {
      t: num(r.t),
      stage: r.stage,
      count: n,
      errors: num(r.errors),
      sumMs: r.sum_ms,
      p50: n > 0 ? (r.q[0] ?? null) : null,
      p95: n > 0 ? (r.q[1] ?? null) : null,
      p99: n > 0 ? (r.q[2] ?? null) : null,
    };
  });
}

/** Whether the raw spans behind a request are few enough for exact percentiles. */
async function rawCount(ch: ChClient, db: string, r: LatencyRequest): Promise<number> {
  const p = new Params();
  const { f, stagesOnly } = stagesOf(r);
  const src = spanSource(p, db, r.w, f, { stagesOnly });
  const rows = await ch.query<{ n: number | string }>(`SELECT count() AS n FROM (${src.sql})`, p.values);
  return num(rows[0]?.n);
}

export async function readLatency(ch: ChClient, db: string, r: LatencyRequest): Promise<LatencyRead> {
  const { f, stagesOnly } = stagesOf(r);
  // The rollup is hourly: buckets finer than an hour are read exactly (ranges of two days or less).
  const hourly = r.stepS === null || r.stepS % 3600 === 0;
  const exact =
    r.forceExact === true ||
    !hourly ||
    f.benchmarkRun !== undefined ||
    // The hour rollup has no service column: a service filter reads the raw spans.
    (f.service ?? []).length > 0 ||
    (await rawCount(ch, db, r)) <= r.exactMaxRows;
  const p = new Params();
  const t = r.stepS !== null ? bucketMs('time', r.stepS) : '0';
  const stage = r.byStage ? 'stage' : "''";
  if (exact) {
    const src = spanSource(p, db, r.w, f, { stagesOnly });
    const rows = await ch.query<Row>(
      `SELECT ${t} AS t, ${stage} AS stage, count() AS n, sum(err) AS errors, sum(duration_ns) / 1e6 AS sum_ms,
          quantilesExactInclusive(${LEVELS})(duration_ns / 1e6) AS q
        FROM (${src.sql}) GROUP BY t, stage ORDER BY t, stage`,
      p.values,
    );
    return { exact: true, ignored: src.ignored, cells: cells(rows) };
  }
  // Whole hours from the rollup, the edges from raw rows, merged as sketch states.
  const h0 = Math.ceil(r.w.fromMs / HOUR_MS) * HOUR_MS;
  const h1 = Math.max(h0, Math.floor(r.w.toMs / HOUR_MS) * HOUR_MS);
  const ms = (x: number) => BigInt(x) * 1_000_000n;
  const { conds, ignored } = filterSql(p, f, {
    componentType: 'component_type',
    model: 'model',
    stage: 'stage',
  });
  const role = stagesOnly ? "role = 'stage'" : "role IN ('run', 'stage')";
  const rollup = `SELECT toDateTime64(hour, 9) AS time, stage, latency_ms AS st, count AS n, errors AS e, duration_sum_ns AS s
    FROM ${db}.genscope_rollup_spans_hour
    WHERE ${and([role, `hour >= toDateTime(${p.bind(h0 / 1000, 'Int64')})`, `hour < toDateTime(${p.bind(h1 / 1000, 'Int64')})`, ...conds])}`;
  const edge = (from: number, to: number) => {
    const src = spanSource(p, db, { ...r.w, fromMs: from, toMs: to, fromNs: ms(from), toNs: ms(to) }, f, {
      stagesOnly,
    });
    return `SELECT toDateTime64(toStartOfHour(time), 9) AS time, stage, quantilesDDState(${SKETCH_RELATIVE_ACCURACY}, ${LEVELS})(duration_ns / 1e6) AS st,
        count() AS n, sum(err) AS e, sum(duration_ns) AS s
      FROM (${src.sql}) GROUP BY time, stage`;
  };
  const parts = [rollup];
  if (r.w.fromMs < h0) parts.push(edge(r.w.fromMs, Math.min(h0, r.w.toMs)));
  if (h1 < r.w.toMs) parts.push(edge(Math.max(h1, r.w.fromMs), r.w.toMs));
  const rows = await ch.query<Row>(
    `SELECT ${t} AS t, ${stage} AS stage, sum(n) AS n, sum(e) AS errors, sum(s) / 1e6 AS sum_ms, ${SKETCH_MERGE}(st) AS q
      FROM (${parts.join(' UNION ALL ')}) GROUP BY t, stage ORDER BY t, stage`,
    p.values,
  );
  return { exact: false, ignored, cells: cells(rows) };
}
