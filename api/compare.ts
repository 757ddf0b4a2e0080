/**
 * GET /api/v1/compare: two sides (a model, a benchmark run or a time range each) read through
 * TelemetryStore.compareRuns and judged with the gate's own statistics (alerts/run-comparison.ts:
 * the same tests, the same Holm adjustment, the same minimum change), overall, per component
 * type (each type one family) and per component (all components one family, so many components
 * do not multiply false alarms). Pure but for the two store reads.
 */
import { compareSampleSets, judgeMetrics, metricDrafts } from '../alerts';
import type { MetricComparison } from '../alerts';
import { mean, percentile } from '../analysis';
import { COMPARE_MAX_RUNS, COMPARE_SIDES, RANGE_PRESETS } from '../schema/api';
import type { CompareGroup, CompareKpis, CompareMetric, CompareQuery, CompareResponse, CompareSide, CompareVerdict, RangePreset } from '../schema/api';
import { SCORE } from '../schema/names';
import type { CompareSamples, CompareSelector, RunSamples, TelemetryStore } from '../store';
import { HttpError } from './errors';

const DEFAULT_SIDE_RANGE: RangePreset = '30d';

const VERDICT: Record<MetricComparison['verdict'], CompareVerdict> = {
  improved: 'better',
  regressed: 'worse',
  unchanged: 'no significant change',
  'insufficient data': 'insufficient data',
};

/** The selector and label of one side of a validated query. */
export function compareSide(q: CompareQuery, side: CompareSide, nowMs: number): { selector: CompareSelector; label: string } {
  const model = q[`${side}.model`] ?? null;
  const benchmarkRun = q[`${side}.benchmarkRun`] ?? null;
  const from = q[`${side}.from`];
  const to = q[`${side}.to`];
  const preset = q[`${side}.range`] as RangePreset | undefined;
  // A benchmark run is its own time span unless a window is asked for.
  const windowed = benchmarkRun === null || from !== undefined || preset !== undefined || to !== undefined;
  const toMs = to ?? nowMs;
  const range = windowed ? { fromMs: from ?? toMs - RANGE_PRESETS[preset ?? DEFAULT_SIDE_RANGE], toMs } : null;
  const parts = [model !== null ? `model ${model}` : null, benchmarkRun !== null ? `benchmark run ${benchmarkRun}` : null];
  if (range) parts.push(from === undefined && to === undefined ? `last ${preset ?? DEFAULT_SIDE_RANGE}` : `${new Date(range.fromMs).toISOString()} to ${new Date(range.toMs).toISOString()}`);
  return {
    selector: { model, benchmarkRun, range, componentTypes: q.componentType },
    label: parts.filter((p): p is string => p !== null).join(', '),
  };
}

/** The gate's input from one side's samples: every run's success, duration and cost, every score. */
function runSamples(s: Pick<CompareSamples, 'runs' | 'scores'>): RunSamples {
  const scores: Record<string, number[]> = {};
  for (const x of s.scores) (scores[x.name] ??= []).push(x.value);
  return {
    scores,
    success: s.runs.map((r) => (r.ok ? 1 : 0)),
    durationsMs: s.runs.map((r) => r.durationMs),
    componentCostsUsd: s.runs.map((r) => r.costUsd),
  };
}

function kpis(s: Pick<CompareSamples, 'runs' | 'scores'>): CompareKpis {
  const r = runSamples(s);
  const total = r.componentCostsUsd.reduce((a, v) => a + v, 0);
  const acc = r.scores[SCORE.classificationAccuracy] ?? [];
  return {
    runs: s.runs.length,
    successRate: r.success.length ? mean(r.success) : null,
    accuracy: acc.length ? mean(acc) : null,
    p50Ms: r.durationsMs.length ? percentile(r.durationsMs, 50) : null,
    p95Ms: r.durationsMs.length ? percentile(r.durationsMs, 95) : null,
    costPerRunUsd: s.runs.length ? total / s.runs.length : null,
    totalCostUsd: total,
    scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, mean(v)])),
  };
}

/** The gate's metric as Compare names it: a run is a component run, so "cost per component" is per run. */
function toMetric(m: MetricComparison): CompareMetric {
  const isCost = m.metric === 'cost_per_component';
  return {
    metric: isCost ? 'cost_per_run' : m.metric,
    label: isCost ? 'cost per run' : m.label,
    unit: m.unit,
    higherIsBetter: m.higherIsBetter,
    a: m.baseline,
    b: m.current,
    difference: m.baseline === null || m.current === null ? null : m.current - m.baseline,
    changePercent: m.changePercent,
    pValue: m.pValue,
    test: m.test,
    nA: m.nBaseline,
    nB: m.nCurrent,
    significant: m.significant,
    verdict: VERDICT[m.verdict],
  };
}

type Part = Pick<CompareSamples, 'runs' | 'scores'>;

function groupBy(s: Part, key: (x: { componentType: string; componentId: string }) => string): Map<string, Part> {
  const out = new Map<string, Part>();
  const at = (k: string) => {
    let g = out.get(k);
    if (!g) out.set(k, (g = { runs: [], scores: [] }));
    return g;
  };
  for (const r of s.runs) at(key(r)).runs.push(r);
  for (const x of s.scores) at(key(x)).scores.push(x);
  return out;
}

function group(key: string, a: Part | undefined, b: Part | undefined, metrics: CompareMetric[]): CompareGroup {
  return {
    key,
    runsA: a?.runs.length ?? 0,
    runsB: b?.runs.length ?? 0,
    better: metrics.filter((m) => m.verdict === 'better').length,
    worse: metrics.filter((m) => m.verdict === 'worse').length,
    metrics,
  };
}

export interface CompareOptions {
  alpha: number;
  minChangePercent: number;
}

/** The comparison of two sides' samples (b against a); pure. */
export function compareSides(a: Part, b: Part, o: CompareOptions): Pick<CompareResponse, 'metrics' | 'componentTypes' | 'components' | 'componentsCompared'> {
  const opts = { alpha: o.alpha, minChangePercent: o.minChangePercent };
  const metrics = compareSampleSets(runSamples(a), runSamples(b), opts).metrics.map(toMetric);

  const typesA = groupBy(a, (x) => x.componentType);
  const typesB = groupBy(b, (x) => x.componentType);
  const typeKeys = [...new Set([...typesA.keys(), ...typesB.keys()])].sort();
  const componentTypes = typeKeys.map((k) => {
    const ga = typesA.get(k) ?? { runs: [], scores: [] };
    const gb = typesB.get(k) ?? { runs: [], scores: [] };
    return group(k, ga, gb, compareSampleSets(runSamples(ga), runSamples(gb), opts).metrics.map(toMetric));
  });

  // Components: one Holm family over every component's metrics (those with runs on both sides).
  const compA = groupBy(a, (x) => x.componentId);
  const compB = groupBy(b, (x) => x.componentId);
  const keys = [...compA.keys()].filter((k) => k !== '' && (compA.get(k)?.runs.length ?? 0) > 0 && (compB.get(k)?.runs.length ?? 0) > 0).sort();
  const drafts = keys.map((k) => metricDrafts(runSamples(compA.get(k) as Part), runSamples(compB.get(k) as Part)));
  const judged = judgeMetrics(drafts.flat(), o.alpha, o.minChangePercent).map(toMetric);
  let at = 0;
  const components = keys
    .map((k, i) => {
      const n = drafts[i]?.length ?? 0;
      const g = group(k, compA.get(k), compB.get(k), judged.slice(at, at + n));
      at += n;
      return g;
    })
    .filter((g) => g.better + g.worse > 0)
    .sort((x, y) => y.worse + y.better - (x.worse + x.better) || y.worse - x.worse || x.key.localeCompare(y.key));
  return { metrics, componentTypes, components, componentsCompared: keys.length };
}

/** GET /api/v1/compare from a validated query. */
export async function compare(store: TelemetryStore, q: CompareQuery, nowMs: number): Promise<CompareResponse> {
  const sides = COMPARE_SIDES.map((s) => compareSide(q, s, nowMs));
  const [sa, sb] = await Promise.all(sides.map((s) => store.compareRuns(s.selector, COMPARE_MAX_RUNS)));
  const a = sa as CompareSamples;
  const b = sb as CompareSamples;
  // A benchmark run id that matches nothing is a typo more often than an empty run: say so.
  const unknown = COMPARE_SIDES.filter((s, i) => sides[i]?.selector.benchmarkRun != null && [a, b][i]?.runs.length === 0);
  if (unknown.length > 0) {
    const known = new Set((await store.benchmarkRuns()).map((r) => r.id));
    for (const s of unknown) {
      const id = q[`${s}.benchmarkRun`] ?? '';
      if (!known.has(id)) throw new HttpError(400, 'invalid_parameter', `query parameter "${s}.benchmarkRun": no benchmark run with id "${id.slice(0, 200)}"`, `${s}.benchmarkRun`);
    }
  }
  const info = (i: number, s: CompareSamples) => {
    const side = sides[i] as (typeof sides)[number];
    return {
      label: side.label,
      model: side.selector.model,
      benchmarkRun: side.selector.benchmarkRun,
      fromMs: side.selector.range?.fromMs ?? null,
      toMs: side.selector.range?.toMs ?? null,
      capped: s.capped,
      kpis: kpis(s),
    };
  };
  return {
    meta: {
      alpha: q.alpha,
      minChangePercent: q.minChange,
      maxRunsPerSide: COMPARE_MAX_RUNS,
      capped: a.capped || b.capped,
      simulated: await store.simulated(),
      componentTypes: q.componentType,
      note: 'Verdicts use the gate’s tests (Welch, two-proportion, Mann-Whitney, tail exceedance) with a Holm adjustment over the metrics of a table: all runs, each component type, all components together.',
    },
    a: info(0, a),
    b: info(1, b),
    ...compareSides(a, b, { alpha: q.alpha, minChangePercent: q.minChange }),
  };
}
