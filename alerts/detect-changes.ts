/**
 * Change detection over history (the demo check, and the "what changed" view): scans daily
 * series of each quality score (per model, and per component type and model) for level shifts,
 * and daily model cost per model for spikes, and returns dated findings.
 *
 * Detection is scoped by model on purpose: a model switch changes cost (and maybe quality), but
 * the new model's series starts fresh (it needs its own baseline days before it is judged) and
 * the old one simply ends, so a switch is never reported as a regression or a spike. Switches are
 * reported separately, as context (`modelSwitches`), with the day and the models involved.
 */
import { scanLevelShifts, scanSpikes, utcDay } from '../analysis';
import type { SampleTest } from '../analysis';
import type { TelemetryStore } from '../store/types';
import type { ChangeFinding, ChangeKind, ChangeReport } from '../schema/alerts';
import { RUN_STAGE } from '../schema/names';

const DAY = 86_400_000;

export interface DetectChangesOptions {
  /** Start of the scanned history, epoch ms (default: the oldest score or model call). */
  fromMs?: number;
  /** End (exclusive), epoch ms (default: just after the newest). */
  toMs?: number;
  /** Bucket length (default one UTC day). */
  bucketMillis?: number;
  /** Report only changes for the worse (default), or improvements and cost drops too. */
  directions?: 'worse' | 'both';
  /**
   * Findings of the same kind and model starting within this many buckets after a reported one
   * are the same change seen in another score, a component type slice, or a day late in a noisier
   * series: they are folded into it (`related`) rather than reported as new dates (default 3).
   */
  mergeBuckets?: number;
  quality?: {
    /**
     * False-alarm level per bucket across all quality series (default 0.001): each series is
     * tested at alpha / number of series (Bonferroni), as a scan runs many tests a day.
     */
    alpha?: number;
    /** Smallest change of the mean score that counts (default 0.05 on the 0..1 scale). */
    minEffect?: number;
    /** Buckets before a bucket that form its baseline (default 7). */
    baselineBuckets?: number;
    /** Fewest baseline buckets with data before a bucket is judged (default 3). */
    minBaselineBuckets?: number;
    /** Fewest scores on each side (default 10). */
    minSamples?: number;
    /**
     * Most raw scores read (default 150 000). Past it, a random 1-in-k sample is tested: the
     * tests stay valid with less power, and a million-span history is read in a fraction of the
     * time. (A systematic sample by row id is biased: pipelines write their scores in a fixed
     * order, so `id % k`, even hashed, keeps some components and drops others.)
     */
    maxSamples?: number;
    test?: SampleTest;
    /** Also scan each component type on its own (default true). */
    perComponentType?: boolean;
  };
  cost?: {
    baselineBuckets?: number;
    /** Fewest baseline buckets with data (default 5). */
    minBaseline?: number;
    /** Day cost / baseline median must reach this (default 1.5). */
    minRatio?: number;
    /** Robust z must reach this (default 3.5). */
    zThreshold?: number;
  };
}

interface Sample {
  t: number;
  v: number;
}

function pct(current: number, baseline: number): number | null {
  return baseline === 0 ? null : ((current - baseline) / Math.abs(baseline)) * 100;
}

function fmtPct(p: number | null): string {
  return p === null ? 'n/a' : `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** What change detection reads: the history's span, score samples and per-model daily series. */
export type ChangeSource = Pick<TelemetryStore, 'dataRange' | 'scoreSamples' | 'metricSeries'>;

/**
 * Where inside the two buckets around a detected shift the level most likely changed: the split
 * of the time-ordered samples minimising squared error against the baseline level before and
 * the new level after.
 */
function estimateChangeMs(samples: readonly Sample[], before: number, after: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  // cost(k) = Σ_{j<k} (x-before)² + Σ_{j>=k} (x-after)²; only differences matter.
  let costK = 0;
  for (const s of sorted) costK += (s.v - after) ** 2;
  let best = costK;
  let bestK = 0;
  for (let k = 1; k <= sorted.length; k++) {
    const x = (sorted[k - 1] as Sample).v;
    costK += (x - before) ** 2 - (x - after) ** 2;
    if (costK < best) {
      best = costK;
      bestK = k;
    }
  }
  return bestK < sorted.length ? (sorted[bestK] as Sample).t : null;
}

/**
 * Scans the stored history for quality level shifts and cost spikes, reading through the store
 * interface (either engine). See the file header.
 */
export async function detectChanges(store: ChangeSource, options: DetectChangesOptions = {}): Promise<ChangeReport> {
  const bucketMillis = options.bucketMillis ?? DAY;
  const known = await store.dataRange();
  const fromMs = options.fromMs ?? known?.fromMs ?? 0;
  const toMs = options.toMs ?? known?.toMs ?? 0;
  const firstBucket = Math.floor(fromMs / bucketMillis);
  const lastBucket = Math.ceil(toMs / bucketMillis) - 1;
  const nBuckets = Math.max(0, lastBucket - firstBucket + 1);
  const report: ChangeReport = { fromMs, toMs, bucketMillis, buckets: nBuckets, series: { quality: 0, cost: 0 }, findings: [], modelSwitches: [] };
  if (nBuckets === 0 || toMs <= fromMs) return report;
  const both = options.directions === 'both';
  const bucketStart = (i: number) => (firstBucket + i) * bucketMillis;
  const dayOf = (ms: number) => utcDay(ms);

  // Quality: one series per (score, model) over all types, and per (score, type, model).
  const q = options.quality ?? {};
  const perType = q.perComponentType ?? true;
  const series = new Map<string, { score: string; componentType: string; model: string; buckets: Sample[][] }>();
  const seriesOf = (score: string, componentType: string, model: string) => {
    const k = `${score}\u0000${componentType}\u0000${model}`;
    let s = series.get(k);
    if (!s) {
      s = { score, componentType, model, buckets: Array.from({ length: nBuckets }, () => []) };
      series.set(k, s);
    }
    return s;
  };
  const sampled = await store.scoreSamples({ fromMs, toMs }, q.maxSamples ?? 150_000);
  const stride = sampled.stride;
  for (const r of sampled.samples) {
    const i = Math.floor(r.timeMs / bucketMillis) - firstBucket;
    if (i < 0 || i >= nBuckets) continue;
    const sample = { t: r.timeMs, v: r.value };
    seriesOf(r.name, '', r.model).buckets[i]?.push(sample);
    if (perType && r.componentType !== '') seriesOf(r.name, r.componentType, r.model).buckets[i]?.push(sample);
  }
  report.series.quality = series.size;
  const seriesAlpha = (q.alpha ?? 0.001) / Math.max(1, series.size);
  for (const s of series.values()) {
    const shifts = scanLevelShifts(
      s.buckets.map((b) => b.map((x) => x.v)),
      {
        alpha: seriesAlpha,
        minEffect: q.minEffect ?? 0.05,
        baselineBuckets: q.baselineBuckets ?? 7,
        minBaselineBuckets: q.minBaselineBuckets ?? 3,
        minSamples: q.minSamples ?? 10,
        test: q.test ?? 'welch',
        direction: both ? 'either' : 'decrease',
      },
    );
    for (const shift of shifts) {
      const r = shift.result;
      // Refine the start: a change at noon shows on that day only partly and may be found a day late.
      let startMs = bucketStart(shift.index);
      const prev = shift.index > 0 ? (s.buckets[shift.index - 1] ?? []) : [];
      const estimate = estimateChangeMs([...prev, ...(s.buckets[shift.index] ?? [])], r.baselineCenter, r.recentCenter);
      // Only on unsampled data: on a sample the previous day's tail is too thin to move the date.
      if (stride === 1 && estimate !== null && estimate < startMs) {
        const moved = prev.filter((x) => x.t >= estimate);
        const movedMean = moved.reduce((a, x) => a + x.v, 0) / Math.max(1, moved.length);
        // Only when a real part of the previous bucket already sits at the new level.
        if (moved.length >= 3 && Math.abs(movedMean - r.recentCenter) < Math.abs(movedMean - r.baselineCenter)) startMs = estimate;
      }
      const change = pct(r.recentCenter, r.baselineCenter);
      const kind: ChangeKind = shift.direction === 'decrease' ? 'quality_regression' : 'quality_improvement';
      const scopeText = `${s.score} {${s.componentType ? `component_type=${s.componentType}, ` : ''}model=${s.model || '(none)'}}`;
      const p = r.pValue === null ? 'n/a' : r.pValue === 0 ? '<1e-16' : r.pValue < 1e-4 ? r.pValue.toExponential(1) : r.pValue.toFixed(4);
      report.findings.push({
        kind,
        day: dayOf(startMs),
        endDay: dayOf(startMs),
        startMs,
        metric: 'quality_score',
        scope: { score: s.score, componentType: s.componentType, model: s.model },
        baseline: r.baselineCenter,
        current: r.recentCenter,
        changePercent: change,
        pValue: r.pValue,
        nBaseline: r.nBaseline,
        nRecent: r.nRecent,
        related: [],
        message: `${kind === 'quality_regression' ? 'quality regression' : 'quality improvement'} in ${scopeText} from ${dayOf(startMs)}: ${r.recentCenter.toFixed(3)} vs ${r.baselineCenter.toFixed(3)} baseline (${fmtPct(change)}, p=${p}, n=${r.nRecent}/${r.nBaseline})`,
      });
    }
  }

  // Runs per model and bucket: the denominator of cost per run and the basis of model switches.
  const scanned = { fromMs: bucketStart(0), toMs: bucketStart(nBuckets) };
  const runRows = (await store.metricSeries({ metric: 'success_rate', filters: { stage: RUN_STAGE }, groupBy: ['model'] }, scanned, bucketMillis)).map(
    (r) => ({ model: r.labels.model ?? '', b: Math.round(r.bucketMs / bucketMillis), runs: r.count }),
  );
  const runsByModel = new Map<string, number>();
  for (const r of runRows) runsByModel.set(`${r.model}|${r.b}`, r.runs);

  // Cost, from the hourly model-call rollups, judged two ways so that traffic moving between
  // models (a model switch, a shadow run) is not mistaken for a spike:
  // - per model, cost per pipeline run (an inefficiency: bigger prompts, retries, a pricier model);
  // - in total, the daily spend across all models (what the budget sees).
  const c = options.cost ?? {};
  // cost_per_day per bucket is the bucket's cost scaled to a day: scaled back to the bucket's cost.
  const costRows = (await store.metricSeries({ metric: 'cost_per_day', filters: {}, groupBy: ['model'] }, scanned, bucketMillis)).map((r) => ({
    model: r.labels.model ?? '',
    b: Math.round(r.bucketMs / bucketMillis),
    cost: ((r.value ?? 0) * bucketMillis) / DAY,
  }));
  const perRun = new Map<string, (number | null)[]>();
  const total = new Array<number | null>(nBuckets).fill(null);
  for (const r of costRows) {
    const i = r.b - firstBucket;
    if (i < 0 || i >= nBuckets) continue;
    total[i] = (total[i] ?? 0) + r.cost;
    const runs = runsByModel.get(`${r.model}|${r.b}`);
    if (!runs) continue;
    let values = perRun.get(r.model);
    if (!values) {
      values = new Array<number | null>(nBuckets).fill(null);
      perRun.set(r.model, values);
    }
    values[i] = r.cost / runs;
  }
  report.series.cost = perRun.size + 1;
  const scans: { model: string; metric: 'cost_per_run' | 'cost_per_day'; values: (number | null)[] }[] = [
    ...[...perRun].map(([model, values]) => ({ model, metric: 'cost_per_run' as const, values })),
    { model: '', metric: 'cost_per_day', values: total },
  ];
  for (const { model, metric, values } of scans) {
    const episodes = scanSpikes(values, {
      baselineBuckets: c.baselineBuckets ?? 14,
      minBaseline: c.minBaseline ?? 5,
      minRatio: c.minRatio ?? 1.5,
      zThreshold: c.zThreshold ?? 3.5,
      direction: both ? 'either' : 'up',
    });
    for (const e of episodes) {
      const peak = e.peak;
      const kind: ChangeKind = peak.ratio >= 1 ? 'cost_spike' : 'cost_drop';
      const startMs = bucketStart(e.startIndex);
      const change = pct(peak.value, peak.median);
      const what = metric === 'cost_per_run' ? `cost per run of model ${model || '(none)'}` : 'total daily cost';
      const unit = metric === 'cost_per_run' ? 'a run' : 'a day';
      const digits = metric === 'cost_per_run' ? 5 : 2;
      report.findings.push({
        kind,
        day: dayOf(startMs),
        endDay: dayOf(bucketStart(e.endIndex)),
        startMs,
        metric,
        scope: { model },
        baseline: peak.median,
        current: peak.value,
        changePercent: change,
        ratio: peak.ratio,
        z: peak.z,
        related: [],
        message: `${kind === 'cost_spike' ? 'cost spike' : 'cost drop'}: ${what} on ${dayOf(startMs)}${e.endIndex > e.startIndex ? ` to ${dayOf(bucketStart(e.endIndex))}` : ''}: $${peak.value.toFixed(digits)} ${unit} vs median $${peak.median.toFixed(digits)} (${peak.ratio.toFixed(1)}x, robust z ${peak.z.toFixed(1)})`,
      });
    }
  }

  // Context: days on which the model running most pipeline runs changed.
  const dominant = new Map<number, { model: string; runs: number }>();
  for (const r of runRows) {
    const d = dominant.get(r.b);
    // A tie goes to the first model by name, so either store's row order gives the same day.
    if (!d || r.runs > d.runs || (r.runs === d.runs && r.model < d.model)) dominant.set(r.b, { model: r.model, runs: r.runs });
  }
  let last: string | null = null;
  for (const b of [...dominant.keys()].sort((x, y) => x - y)) {
    const m = (dominant.get(b) as { model: string }).model;
    if (last !== null && m !== last) report.modelSwitches.push({ day: dayOf(b * bucketMillis), startMs: b * bucketMillis, from: last, to: m });
    last = m;
  }

  // A change of total spend that starts with a model switch is the switch's price difference,
  // reported as the switch; per-run cost still catches a real inefficiency on either model.
  report.findings = report.findings.filter(
    (f) =>
      f.metric !== 'cost_per_day' ||
      !report.modelSwitches.some(
        (sw) => f.startMs >= sw.startMs - bucketMillis && f.startMs <= sw.startMs + (options.mergeBuckets ?? 3) * bucketMillis,
      ),
  );
  report.findings = mergeFindings(report.findings, (options.mergeBuckets ?? 3) * bucketMillis);
  return report;
}

/** Series-wide findings first, then by p-value: the primary of a merge is the broadest, clearest one. */
function rank(f: ChangeFinding): number {
  return (f.scope.componentType ? 1 : 0) * 10 + Math.min(1, f.pValue ?? 0);
}

/**
 * Folds findings of the same kind and model that start within mergeMillis after a kept finding
 * into it, so one change is one dated finding however many series show it.
 */
function mergeFindings(findings: ChangeFinding[], mergeMillis: number): ChangeFinding[] {
  const sorted = [...findings].sort((a, b) => a.startMs - b.startMs || rank(a) - rank(b));
  const kept: ChangeFinding[] = [];
  for (const f of sorted) {
    const sameScope = (k: ChangeFinding) => k.scope.model === f.scope.model || k.kind.startsWith('cost_');
    const into = kept.find((k) => k.kind === f.kind && sameScope(k) && f.startMs >= k.startMs && f.startMs - k.startMs <= mergeMillis);
    if (into) {
      const { related: _r, ...flat } = f;
      into.related.push(flat, ...f.related);
    } else kept.push(f);
  }
  return kept.sort((a, b) => a.startMs - b.startMs || a.kind.localeCompare(b.kind));
}

/** 'YYYY-MM-DD' days with at least one finding of the kind (handy for checks and summaries). */
export function findingDays(report: ChangeReport, kind: ChangeKind): string[] {
  return [...new Set(report.findings.filter((f) => f.kind === kind).map((f) => f.day))].sort();
}

