/**
 * Benchmark run comparison, the logic of the CI gate: the current benchmark run against a
 * baseline run, metric by metric (each quality score, success rate, run latency p50/p95, cost
 * per component), from the raw rows tagged with each run's id. Each metric gets a test and a
 * verdict; a regression needs a significant difference (Holm-adjusted across the metrics, so
 * many metrics do not multiply false alarms), in the worse direction, of at least a minimum size.
 */
import { holmSignificant, mannWhitneyU, mean, percentile, twoProportionTest, welchTTest } from '../analysis';
import type { Db, TelemetryStore } from '../store';
import type { RunSamples } from '../store/types';
import { readBenchmarkRuns, readRunSamples } from '../store/sqlite/benchmark-runs';

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

/** Benchmark runs of a SQLite file, oldest first. */
export function listBenchmarkRuns(db: Db): BenchmarkRunInfo[] {
  return readBenchmarkRuns(db);
}

/** Picks the current and baseline runs (see CompareRunsOptions); throws RunSelectionError. */
export function selectRuns(db: Db, options: Pick<CompareRunsOptions, 'baselineId' | 'currentId'>): { baseline: BenchmarkRunInfo; current: BenchmarkRunInfo } {
  return pickRuns(listBenchmarkRuns(db), options);
}

/** selectRuns over a list of runs, oldest first (any store's benchmarkRuns()). */
export function pickRuns(
  runs: readonly BenchmarkRunInfo[],
  options: Pick<CompareRunsOptions, 'baselineId' | 'currentId'>,
): { baseline: BenchmarkRunInfo; current: BenchmarkRunInfo } {
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

function change(baseline: number | null, current: number | null): number | null {
  if (baseline === null || current === null || !Number.isFinite(baseline) || !Number.isFinite(current)) return null;
  if (baseline === 0) return current === 0 ? 0 : null;
  return ((current - baseline) / Math.abs(baseline)) * 100;
}

/** A metric's values and test before the family-wide Holm adjustment and the verdict. */
export type MetricDraft = Omit<MetricComparison, 'significant' | 'verdict'>;

/** The gate's statistics between two sample sets, without the runs they came from. */
export interface SampleComparison {
  alpha: number;
  minChangePercent: number;
  metrics: MetricComparison[];
  regressed: boolean;
  /** Labels of the regressed metrics. */
  regressions: string[];
}

/** Compares two benchmark runs of a SQLite file; throws RunSelectionError when they cannot be chosen. */
export function compareBenchmarkRuns(db: Db, options: CompareRunsOptions = {}): RunComparison {
  const { baseline, current } = selectRuns(db, options);
  return compareRunSamples(baseline, current, readRunSamples(db, baseline.id), readRunSamples(db, current.id), options);
}

/** compareBenchmarkRuns through any store (the ClickHouse store for `genscope gate --store URL`). */
export async function compareStoreRuns(store: TelemetryStore, options: CompareRunsOptions = {}): Promise<RunComparison> {
  const { baseline, current } = pickRuns(await store.benchmarkRuns(), options);
  const [a, b] = await Promise.all([store.runSamples(baseline.id), store.runSamples(current.id)]);
  return compareRunSamples(baseline, current, a, b, options);
}

/** The comparison itself, from the two runs' raw values. */
export function compareRunSamples(
  baseline: BenchmarkRunInfo,
  current: BenchmarkRunInfo,
  before: RunSamples,
  after: RunSamples,
  options: CompareRunsOptions = {},
): RunComparison {
  return { baseline, current, ...compareSampleSets(before, after, options) };
}

/** The gate's comparison of any two sample sets (two runs, two models, two time ranges). */
export function compareSampleSets(before: RunSamples, after: RunSamples, options: Omit<CompareRunsOptions, 'baselineId' | 'currentId'> = {}): SampleComparison {
  const alpha = options.alpha ?? 0.01;
  const minChangePercent = options.minChangePercent ?? 5;
  const metrics = judgeMetrics(metricDrafts(before, after, options.minSamples), alpha, minChangePercent);
  const regressions = metrics.filter((m) => m.verdict === 'regressed').map((m) => m.label);
  return { alpha, minChangePercent, metrics, regressed: regressions.length > 0, regressions };
}

/** Each metric's values and two-sample test (the gate's tests), before the Holm adjustment. */
export function metricDrafts(before: RunSamples, after: RunSamples, minSamplesOption?: number): MetricDraft[] {
  const minSamples = Math.max(2, minSamplesOption ?? 5);
  const drafts: MetricDraft[] = [];
  const enough = (a: readonly number[], b: readonly number[]) => a.length >= minSamples && b.length >= minSamples;

  for (const name of [...new Set([...Object.keys(before.scores), ...Object.keys(after.scores)])].sort()) {
    const a = before.scores[name] ?? [];
    const b = after.scores[name] ?? [];
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

  const okA = before.success;
  const okB = after.success;
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

  const da = before.durationsMs;
  const dbb = after.durationsMs;
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

  const ca = before.componentCostsUsd;
  const cb = after.componentCostsUsd;
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

  return drafts;
}

/**
 * Verdicts for one family of drafts: significant after the Holm adjustment at alpha, in the
 * worse (or better) direction, by at least minChangePercent.
 */
export function judgeMetrics(drafts: readonly MetricDraft[], alpha: number, minChangePercent: number): MetricComparison[] {
  const significant = holmSignificant(
    drafts.map((d) => d.pValue),
    alpha,
  );
  return drafts.map((d, i): MetricComparison => {
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
}
