/**
 * Benchmark run comparison, the logic of the CI gate: the current benchmark run against a
 * baseline run, metric by metric (each quality score, success rate, run latency p50/p95, cost
 * per component), from the raw rows tagged with each run's id. Each metric gets a test and a
 * verdict; a regression needs a significant difference (Holm-adjusted across the metrics, so
 * many metrics do not multiply false alarms), in the worse direction, of at least a minimum size.
 */
import { holmSignificant, mannWhitneyU, mean, percentile, twoProportionTest, welchTTest } from '../analysis';
import type { Db } from '../store';

export interface BenchmarkRunInfo {
  id: string;
  startedMs: number;
  model: string | null;
  pipeline: string | null;
  pipelineVersion: string | null;
  components: number | null;
  simulated: boolean;
}

export type ComparisonUnit = 'score' | 'rate' | 'ms' | 'usd';
export type MetricVerdict = 'regressed' | 'improved' | 'unchanged' | 'insufficient data';

export interface MetricComparison {
  /** Stable key, e.g. 'quality:mapping.confidence', 'latency_p95'. */
  metric: string;
  /** For people: 'quality mapping.confidence', 'latency p95'. */
  label: string;
  unit: ComparisonUnit;
  higherIsBetter: boolean;
  baseline: number | null;
  current: number | null;
  /** (current - baseline) / |baseline| * 100. */
  changePercent: number | null;
  pValue: number | null;
  test: 'welch' | 'mann_whitney' | 'proportion' | 'quantile_exceedance' | null;
  nBaseline: number;
  nCurrent: number;
  /** Significant after the Holm adjustment. */
  significant: boolean;
  verdict: MetricVerdict;
}

export interface RunComparison {
  baseline: BenchmarkRunInfo;
  current: BenchmarkRunInfo;
  alpha: number;
  minChangePercent: number;
  metrics: MetricComparison[];
  regressed: boolean;
  /** Labels of the regressed metrics. */
  regressions: string[];
}

export interface CompareRunsOptions {
  /** Default: the run started just before the current one. */
  baselineId?: string;
  /** Default: the latest run. */
  currentId?: string;
  /** Family-wise significance level (default 0.01). */
  alpha?: number;
  /** Smallest |change| in percent that can be a regression (default 5). */
  minChangePercent?: number;
  /** Fewest samples a side for a test (default 5). */
  minSamples?: number;
}

/** The runs cannot be chosen (too few, unknown id); the message says how to fix it. */
export class RunSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSelectionError';
  }
}

interface RunRow {
  id: string;
  started_ms: number;
  model: string | null;
  pipeline: string | null;
  pipeline_version: string | null;
  components: number | null;
  simulated: number;
}

function toInfo(r: RunRow): BenchmarkRunInfo {
  return {
    id: r.id,
    startedMs: r.started_ms,
    model: r.model,
    pipeline: r.pipeline,
    pipelineVersion: r.pipeline_version,
    components: r.components,
    simulated: r.simulated === 1,
  };
}

/** Benchmark runs, oldest first. */
export function listBenchmarkRuns(db: Db): BenchmarkRunInfo[] {
  return db
    .prepare<[], RunRow>(
      `SELECT id, started_ns / 1000000 AS started_ms, model, pipeline, pipeline_version, components, simulated
       FROM benchmark_runs ORDER BY started_ns, id`,
    )
    .all()
    .map(toInfo);
}

/** Picks the current and baseline runs (see CompareRunsOptions); throws RunSelectionError. */
export function selectRuns(db: Db, options: Pick<CompareRunsOptions, 'baselineId' | 'currentId'>): { baseline: BenchmarkRunInfo; current: BenchmarkRunInfo } {
  const runs = listBenchmarkRuns(db);
  const find = (id: string, what: string) => {
    const r = runs.find((x) => x.id === id);
    if (!r) {
      const recent = runs.slice(-5).map((x) => x.id);
      throw new RunSelectionError(`no benchmark run with id "${id}" (${what}).${recent.length ? ` Recent runs: ${recent.join(', ')}.` : ''}`);
    }
    return r;
  };
  if (!options.currentId && !options.baselineId && runs.length < 2) {
    throw new RunSelectionError(
      `the gate compares two benchmark runs, and the database holds ${runs.length}. Run the benchmark ${runs.length === 0 ? 'twice' : 'once more'} (genscope pipeline), or name both runs with --run ID --baseline ID.`,
    );
  }
  const current = options.currentId ? find(options.currentId, '--run') : runs[runs.length - 1];
  if (!current) throw new RunSelectionError('no benchmark runs in the database; run the benchmark first (genscope pipeline).');
  let baseline: BenchmarkRunInfo | undefined;
  if (options.baselineId) baseline = find(options.baselineId, '--baseline');
  else {
    // The previous run of the same configuration (pipeline and model) when there is one: a
    // run on another model (a shadow or comparison run) is a different question than "did it regress".
    const idx = runs.findIndex((r) => r.id === current.id);
    const earlier = runs.slice(0, Math.max(0, idx));
    baseline =
      [...earlier].reverse().find((r) => r.model === current.model && r.pipeline === current.pipeline) ??
      earlier[earlier.length - 1];
    if (!baseline) throw new RunSelectionError(`run ${current.id} is the oldest benchmark run, so it has no previous run to compare with; name one with --baseline ID.`);
  }
  if (baseline.id === current.id) throw new RunSelectionError(`the baseline and the current run are the same run (${current.id}); name two different runs.`);
  return { baseline, current };
}

/** The id of a shared string (migration 042) given as a parameter. */
const STRING_ID = '(SELECT id FROM strings WHERE value = ?)';

function columnValues(db: Db, sql: string, ...params: unknown[]): number[] {
  return (db.prepare(sql).all(...params) as { v: number | null }[]).map((r) => r.v).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function scoreNamesOf(db: Db, ids: string[]): string[] {
  return db
    .prepare<string[], { name: string }>(`SELECT DISTINCT (SELECT value FROM strings WHERE id = name_ref) AS name FROM scores
       WHERE benchmark_run_ref IN (SELECT id FROM strings WHERE value IN (${ids.map(() => '?').join(', ')})) AND value IS NOT NULL ORDER BY name`)
    .all(...ids)
    .map((r) => r.name);
}

/** Cost per component of a run: model-call cost summed per component, or run-span cost when no calls were recorded. */
function componentCosts(db: Db, runId: string): number[] {
  const calls = columnValues(
    db,
    `SELECT SUM(COALESCE(m.cost_usd, 0)) AS v FROM model_calls m LEFT JOIN spans s ON s.id = m.id
       WHERE m.benchmark_run_ref = ${STRING_ID} GROUP BY COALESCE(m.component_id_ref, s.trace_id)`,
    runId,
  );
  if (calls.length > 0) return calls;
  return columnValues(db, `SELECT COALESCE(cost_usd, 0) AS v FROM spans WHERE benchmark_run_ref = ${STRING_ID} AND role = 'run'`, runId);
}

function change(baseline: number | null, current: number | null): number | null {
  if (baseline === null || current === null || !Number.isFinite(baseline) || !Number.isFinite(current)) return null;
  if (baseline === 0) return current === 0 ? 0 : null;
  return ((current - baseline) / Math.abs(baseline)) * 100;
}

type Draft = Omit<MetricComparison, 'significant' | 'verdict'>;

/** Compares two benchmark runs; throws RunSelectionError when they cannot be chosen. */
export function compareBenchmarkRuns(db: Db, options: CompareRunsOptions = {}): RunComparison {
  const alpha = options.alpha ?? 0.01;
  const minChangePercent = options.minChangePercent ?? 5;
  const minSamples = Math.max(2, options.minSamples ?? 5);
  const { baseline, current } = selectRuns(db, options);
  const drafts: Draft[] = [];
  const enough = (a: readonly number[], b: readonly number[]) => a.length >= minSamples && b.length >= minSamples;

  for (const name of scoreNamesOf(db, [baseline.id, current.id])) {
    const sql = `SELECT value AS v FROM scores WHERE benchmark_run_ref = ${STRING_ID} AND name_ref = ${STRING_ID} AND value IS NOT NULL`;
    const a = columnValues(db, sql, baseline.id, name);
    const b = columnValues(db, sql, current.id, name);
    const t = enough(a, b) ? welchTTest(a, b) : null;
    const ma = a.length ? mean(a) : null;
    const mb = b.length ? mean(b) : null;
    drafts.push({
      metric: `quality:${name}`,
      label: `quality ${name}`,
      unit: 'score',
      higherIsBetter: true,
      baseline: ma,
      current: mb,
      changePercent: change(ma, mb),
      pValue: t && Number.isFinite(t.pValue) ? t.pValue : null,
      test: t ? 'welch' : null,
      nBaseline: a.length,
      nCurrent: b.length,
    });
  }

  const runSql = `SELECT CASE WHEN status_code = 2 THEN 0 ELSE 1 END AS v FROM spans WHERE benchmark_run_ref = ${STRING_ID} AND role = 'run'`;
  const okA = columnValues(db, runSql, baseline.id);
  const okB = columnValues(db, runSql, current.id);
  if (okA.length + okB.length > 0) {
    const sa = okA.length ? mean(okA) : null;
    const sb = okB.length ? mean(okB) : null;
    const t = enough(okA, okB) ? twoProportionTest(okA.filter((v) => v === 1).length, okA.length, okB.filter((v) => v === 1).length, okB.length) : null;
    drafts.push({
      metric: 'success_rate',
      label: 'success rate',
      unit: 'rate',
      higherIsBetter: true,
      baseline: sa,
      current: sb,
      changePercent: change(sa, sb),
      pValue: t ? t.pValue : null,
      test: t ? 'proportion' : null,
      nBaseline: okA.length,
      nCurrent: okB.length,
    });
  }

  const durSql = `SELECT duration_ns / 1000000.0 AS v FROM spans WHERE benchmark_run_ref = ${STRING_ID} AND role = 'run'`;
  const da = columnValues(db, durSql, baseline.id);
  const dbb = columnValues(db, durSql, current.id);
  if (da.length + dbb.length > 0) {
    const p50a = da.length ? percentile(da, 50) : null;
    const p50b = dbb.length ? percentile(dbb, 50) : null;
    const mw = enough(da, dbb) ? mannWhitneyU(da, dbb) : null;
    drafts.push({
      metric: 'latency_p50',
      label: 'latency p50',
      unit: 'ms',
      higherIsBetter: false,
      baseline: p50a,
      current: p50b,
      changePercent: change(p50a, p50b),
      pValue: mw && Number.isFinite(mw.pValue) ? mw.pValue : null,
      test: mw ? 'mann_whitney' : null,
      nBaseline: da.length,
      nCurrent: dbb.length,
    });
    // The tail: how many runs of each side exceed the pooled 95th percentile (equal shares under no change).
    const p95a = da.length ? percentile(da, 95) : null;
    const p95b = dbb.length ? percentile(dbb, 95) : null;
    let tail: number | null = null;
    if (enough(da, dbb)) {
      const cut = percentile([...da, ...dbb], 95);
      tail = twoProportionTest(da.filter((v) => v > cut).length, da.length, dbb.filter((v) => v > cut).length, dbb.length).pValue;
    }
    drafts.push({
      metric: 'latency_p95',
      label: 'latency p95',
      unit: 'ms',
      higherIsBetter: false,
      baseline: p95a,
      current: p95b,
      changePercent: change(p95a, p95b),
      pValue: tail,
      test: tail === null ? null : 'quantile_exceedance',
      nBaseline: da.length,
      nCurrent: dbb.length,
    });
  }

  const ca = componentCosts(db, baseline.id);
  const cb = componentCosts(db, current.id);
  if (ca.length + cb.length > 0) {
    const t = enough(ca, cb) ? welchTTest(ca, cb) : null;
    const ma = ca.length ? mean(ca) : null;
    const mb = cb.length ? mean(cb) : null;
    drafts.push({
      metric: 'cost_per_component',
      label: 'cost per component',
      unit: 'usd',
      higherIsBetter: false,
      baseline: ma,
      current: mb,
      changePercent: change(ma, mb),
      pValue: t && Number.isFinite(t.pValue) ? t.pValue : null,
      test: t ? 'welch' : null,
      nBaseline: ca.length,
      nCurrent: cb.length,
    });
  }

  const significant = holmSignificant(
    drafts.map((d) => d.pValue),
    alpha,
  );
  const metrics = drafts.map((d, i): MetricComparison => {
    const sig = significant[i] ?? false;
    let verdict: MetricVerdict;
    if (d.pValue === null) verdict = 'insufficient data';
    else if (!sig || d.baseline === null || d.current === null || d.current === d.baseline) verdict = 'unchanged';
    else {
      // A change from zero has no percentage; any significant move off zero is big enough.
      const bigEnough = d.changePercent === null || Math.abs(d.changePercent) >= minChangePercent;
      const worse = d.higherIsBetter ? d.current < d.baseline : d.current > d.baseline;
      verdict = !bigEnough ? 'unchanged' : worse ? 'regressed' : 'improved';
    }
    return { ...d, significant: sig, verdict };
  });
  const regressions = metrics.filter((m) => m.verdict === 'regressed').map((m) => m.label);
  return { baseline, current, alpha, minChangePercent, metrics, regressed: regressions.length > 0, regressions };
}
