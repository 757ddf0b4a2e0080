/**
 * Quality panels on ClickHouse: classification accuracy, confusion matrix, score distribution,
 * quality over time, quality by type / model, trends. Aggregated in SQL over genscope_scores
 * (and run spans for the success-rate trend); same response shapes as the SQLite store.
 */
import { END_TO_END_STAGE, QUALITY_SCORE_NAMES } from '../../schema/api';
import type {
  AccuracyResponse,
  ConfusionResponse,
  DistributionQuery,
  DistributionResponse,
  PanelQuery,
  QualityBreakdownQuery,
  QualityBreakdownResponse,
  QualityScoresQuery,
  QualityScoresResponse,
  TrendsQuery,
  TrendsResponse,
} from '../../schema/api';
import { SCORE } from '../../schema/names';
import { linearTrend, rollingMean } from '../../analysis/index';
import { bucketWindow, resolveWindow } from '../window';
import { meta } from '../sqlite/queries/context';
import { round } from '../sqlite/queries/sql';
import type { ChContext } from './context';
import { bucketSlot } from './context';
import { bucketMs, num, Params, scoreSource, spanSource } from './sql';

interface SumRow {
  g: string;
  s: number;
  n: number | string;
}

export async function classificationAccuracy(ctx: ChContext, q: PanelQuery): Promise<AccuracyResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const src = scoreSource(p, ctx.db, w, q, [SCORE.classificationAccuracy]);
  const rows = await ctx.ch.query<SumRow>(
    `SELECT component_type AS g, sum(value) AS s, count() AS n FROM (${src.sql}) GROUP BY g ORDER BY g`,
    p.values,
  );
  let correct = 0;
  let total = 0;
  for (const r of rows) {
    correct += r.s;
    total += num(r.n);
  }
  return {
    meta: meta(w, null, 'raw', src.ignored),
    componentTypes: rows.map((r) => r.g),
    accuracy: rows.map((r) => (num(r.n) > 0 ? round(r.s / num(r.n)) : null)),
    correct: rows.map((r) => round(r.s) ?? 0),
    total: rows.map((r) => num(r.n)),
    overall: { accuracy: total > 0 ? round(correct / total) : null, correct: round(correct) ?? 0, total },
  };
}

export async function confusionMatrix(ctx: ChContext, q: PanelQuery): Promise<ConfusionResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const src = scoreSource(p, ctx.db, w, q, [SCORE.classificationAccuracy]);
  const rows = await ctx.ch.query<{ actual: string; predicted: string; n: number | string }>(
    `SELECT component_type AS actual, label AS predicted, count() AS n FROM (${src.sql}) GROUP BY actual, predicted`,
    p.values,
  );
  const labels = [...new Set(rows.flatMap((r) => [r.actual, r.predicted]))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  let total = 0;
  for (const r of rows) {
    const row = counts[index.get(r.actual) ?? -1];
    const j = index.get(r.predicted) ?? -1;
    if (row && j >= 0) row[j] = (row[j] ?? 0) + num(r.n);
    total += num(r.n);
  }
  return { meta: meta(w, null, 'raw', src.ignored), labels, counts, total };
}

const BINS = 20;

export async function scoreDistribution(ctx: ChContext, q: DistributionQuery): Promise<DistributionResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const p = new Params();
  const src = scoreSource(p, ctx.db, w, q, [q.score]);
  const bins = await ctx.ch.query<{ bin: number; n: number | string }>(
    `SELECT toUInt32(least(${BINS - 1}, greatest(0, toInt64(floor(value * ${BINS}))))) AS bin, count() AS n
      FROM (${src.sql}) GROUP BY bin`,
    p.values,
  );
  const byType = await ctx.ch.query<SumRow>(
    `SELECT component_type AS g, sum(value) AS s, count() AS n FROM (${src.sql}) GROUP BY g ORDER BY g`,
    p.values,
  );
  const counts = new Array<number>(BINS).fill(0);
  for (const b of bins) counts[b.bin] = (counts[b.bin] ?? 0) + num(b.n);
  let total = 0;
  let sum = 0;
  for (const r of byType) {
    total += num(r.n);
    sum += r.s;
  }
  return {
    meta: meta(w, null, 'raw', src.ignored),
    score: q.score,
    edges: Array.from({ length: BINS + 1 }, (_, i) => i / BINS),
    counts,
    total,
    mean: total > 0 ? round(sum / total) : null,
    byComponentType: {
      componentTypes: byType.map((r) => r.g),
      mean: byType.map((r) => (num(r.n) > 0 ? round(r.s / num(r.n)) : null)),
      count: byType.map((r) => num(r.n)),
    },
  };
}

/** Sums and counts per (bucket, key), laid out as series aligned with `t`. */
function seriesOf(
  rows: { t: number | string; k: string; s: number; n: number | string }[],
  keys: readonly string[],
  t: readonly number[],
  stepS: number,
) {
  const sums: Record<string, number[]> = {};
  const counts: Record<string, number[]> = {};
  for (const k of keys) {
    sums[k] = t.map(() => 0);
    counts[k] = t.map(() => 0);
  }
  for (const r of rows) {
    const i = bucketSlot(t, stepS, num(r.t));
    const s = sums[r.k];
    const c = counts[r.k];
    if (!s || !c || i < 0) continue;
    s[i] = (s[i] ?? 0) + r.s;
    c[i] = (c[i] ?? 0) + num(r.n);
  }
  return { sums, counts };
}

export async function qualityScores(ctx: ChContext, q: QualityScoresQuery): Promise<QualityScoresResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const bw = bucketWindow(w, q.bucket);
  const names = q.score.length > 0 ? q.score : QUALITY_SCORE_NAMES.slice(0, 3);
  const p = new Params();
  const src = scoreSource(p, ctx.db, w, q, names);
  const keyCol = q.groupBy === 'componentType' ? 'component_type' : q.groupBy === 'model' ? 'model' : 'name';
  const rows = await ctx.ch.query<{ t: number; k: string; s: number; n: number | string }>(
    `SELECT ${bucketMs('time', bw.bucketSeconds)} AS t, ${keyCol} AS k, sum(value) AS s, count() AS n FROM (${src.sql}) GROUP BY t, k`,
    p.values,
  );
  const keys = q.groupBy === 'none' ? [...names] : [...new Set(rows.map((r) => r.k))].sort();
  const { sums, counts } = seriesOf(rows, keys, bw.t, bw.bucketSeconds);
  const series: Record<string, (number | null)[]> = {};
  for (const k of keys) {
    const c = counts[k] ?? [];
    series[k] = (sums[k] ?? []).map((s, i) => ((c[i] ?? 0) > 0 ? round(s / (c[i] ?? 1)) : null));
  }
  return { meta: meta(w, bw.bucketSeconds, 'raw', src.ignored), t: bw.t, keys, series, counts };
}

export async function qualityBreakdown(
  ctx: ChContext,
  q: QualityBreakdownQuery,
): Promise<QualityBreakdownResponse> {
  const w = resolveWindow(q, ctx, '24h');
  const names = q.score.length > 0 ? q.score : [...QUALITY_SCORE_NAMES];
  const p = new Params();
  const src = scoreSource(p, ctx.db, w, q, names);
  const groupCol = q.groupBy === 'model' ? 'model' : 'component_type';
  const rows = await ctx.ch.query<{ g: string; name: string; s: number; n: number | string }>(
    `SELECT ${groupCol} AS g, name, sum(value) AS s, count() AS n FROM (${src.sql}) GROUP BY g, name`,
    p.values,
  );
  const groups = [...new Set(rows.map((r) => r.g))].sort();
  const gi = new Map(groups.map((g, i) => [g, i]));
  const series: Record<string, (number | null)[]> = {};
  const counts: Record<string, number[]> = {};
  for (const name of names) {
    counts[name] = groups.map(() => 0);
    series[name] = groups.map(() => null);
  }
  for (const r of rows) {
    const i = gi.get(r.g) ?? -1;
    const c = counts[r.name];
    const s = series[r.name];
    if (!c || !s || i < 0) continue;
    c[i] = num(r.n);
    s[i] = num(r.n) > 0 ? round(r.s / num(r.n)) : null;
  }
  return { meta: meta(w, null, 'raw', src.ignored), groupBy: q.groupBy, groups, series, counts };
}

export const ALL_TYPES = '(all)';
const DAY_MS = 86_400_000;

export async function trends(ctx: ChContext, q: TrendsQuery): Promise<TrendsResponse> {
  const w = resolveWindow(q, ctx, '30d');
  const bw = bucketWindow(w, q.bucket);
  const p = new Params();
  const t = bucketMs('time', bw.bucketSeconds);
  let sql: string;
  let ignored: string[];
  if (q.metric === 'successRate') {
    const src = spanSource(p, ctx.db, w, { ...q, stage: [END_TO_END_STAGE] });
    sql = `SELECT ${t} AS t, component_type AS k, toFloat64(count() - sum(err)) AS s, count() AS n FROM (${src.sql}) GROUP BY t, k`;
    ignored = q.stage.length > 0 ? [...src.ignored, 'stage'] : src.ignored;
  } else {
    const src = scoreSource(p, ctx.db, w, q, [q.score]);
    sql = `SELECT ${t} AS t, component_type AS k, sum(value) AS s, count() AS n FROM (${src.sql}) GROUP BY t, k`;
    ignored = src.ignored;
  }
  const rows = await ctx.ch.query<{ t: number; k: string; s: number; n: number | string }>(sql, p.values);
  const componentTypes = [...new Set(rows.map((r) => r.k))].sort();
  const keys = [ALL_TYPES, ...componentTypes];
  const { sums: good, counts: count } = seriesOf(
    [...rows, ...rows.map((r) => ({ ...r, k: ALL_TYPES }))],
    keys,
    bw.t,
    bw.bucketSeconds,
  );
  const value: Record<string, (number | null)[]> = {};
  const rolling: Record<string, (number | null)[]> = {};
  const slopePerDay: Record<string, number | null> = {};
  // As the SQLite trends: a per-day slope only over 2+ day windows with a day of data, and the fitted change.
  const fittedChange: Record<string, number | null> = {};
  const longWindow = w.toMs - w.fromMs >= 2 * DAY_MS;
  for (const k of keys) {
    const c = count[k] ?? [];
    const v = (good[k] ?? []).map((g, i) => ((c[i] ?? 0) > 0 ? g / (c[i] ?? 1) : null));
    value[k] = v.map((x) => round(x));
    rolling[k] = rollingMean(
      v.map((x) => (x === null ? Number.NaN : x)),
      q.window,
      { minPeriods: 1 },
    ).map((x) => round(x));
    const xs: number[] = [];
    const ys: number[] = [];
    v.forEach((x, i) => {
      if (x !== null) {
        xs.push((bw.t[i] ?? 0) / DAY_MS);
        ys.push(x);
      }
    });
    const fit = linearTrend(xs, ys);
    const spanDays = xs.length > 1 ? (xs[xs.length - 1] ?? 0) - (xs[0] ?? 0) : 0;
    const ok = Number.isFinite(fit.slope);
    slopePerDay[k] = ok && longWindow && spanDays >= 1 ? round(fit.slope, 9) : null;
    fittedChange[k] = ok ? round(fit.slope * spanDays, 9) : null;
  }
  return {
    meta: meta(w, bw.bucketSeconds, 'raw', ignored),
    metric: q.metric,
    score: q.metric === 'score' ? q.score : null,
    window: q.window,
    componentTypes,
    t: bw.t,
    value,
    rollingMean: rolling,
    count,
    slopePerDay,
    fittedChange,
  };
}
