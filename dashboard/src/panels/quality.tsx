/**
 * Quality section: accuracy by component type, confusion matrix, mapping-confidence distribution,
 * pixel, structural and semantic similarity over time, code quality over time (by model), and
 * any other score a pipeline records (recordScore, or gen_ai.evaluation.result over OTLP) over time.
 */
import type { AccuracyResponse, ConfusionResponse, DistributionResponse, QualityScoresResponse } from '../../../schema/api';
import { BarList } from '../components/bar-list';
import { ConfusionMatrix } from '../components/confusion-matrix';
import { Panel } from '../components/panel';
import { Chart } from '../charts/chart';
import type { ChartSpec } from '../charts/chart-options';
import { colorFor } from '../lib/colors';
import { distributionParams, panelParams, qualityScoresParams } from '../lib/api-params';
import { formatCount, formatScore } from '../lib/format';
import { useDashboard } from '../context';
import { useState } from 'preact/hooks';
import { SCORE } from '../../../schema/names';
import { CHART_HEIGHT, TimeChart, columns, hasPoints, useDrill } from './shared';
import { panelState, panelStatus, usePanelData, useSimulatedFlag } from './use-panel-data';

const PIXEL = 'visual.pixel_similarity';
const STRUCTURAL = 'visual.structural_similarity';
const SEMANTIC = 'visual.semantic_similarity';
const CODE_QUALITY = 'code.quality';
const MAPPING_CONFIDENCE = 'mapping.confidence';

const SCORE_LABELS: Record<string, string> = {
  [PIXEL]: 'pixel similarity',
  [STRUCTURAL]: 'structural similarity',
  [SEMANTIC]: 'semantic similarity',
  [CODE_QUALITY]: 'code quality',
  [MAPPING_CONFIDENCE]: 'mapping confidence',
};

export function AccuracyPanel() {
  const { filters, runsHref } = useDashboard();
  const id = 'quality-accuracy';
  const r = usePanelData<AccuracyResponse>(id, '/quality/accuracy', panelParams(filters));
  useSimulatedFlag(r.data?.meta);
  const d = r.data;
  const state = panelState(r, (x) => x.overall.total > 0);
  return (
    <Panel
      id={id}
      title="Classification accuracy by component type"
      subtitle={d && d.overall.total > 0 ? `overall ${((d.overall.accuracy ?? 0) * 100).toFixed(1)} % of ${formatCount(d.overall.total)} classified` : 'share classified correctly (%)'}
      state={state}
      error={r.error}
      onRetry={r.retry}
      meta={d?.meta}
      fetching={r.fetching}
      stale={r.stale}
      selfReady
      span={3}
    >
      {d ? (
        <BarList
          caption="Classification accuracy by component type"
          unit="ratio"
          items={d.componentTypes.map((t, i) => ({
            label: t,
            value: d.accuracy[i] ?? null,
            color: colorFor('type', t),
            detail: `${formatCount(d.correct[i] ?? 0)} of ${formatCount(d.total[i] ?? 0)}`,
            href: runsHref({ componentTypes: [t] }),
          }))}
        />
      ) : null}
    </Panel>
  );
}

export function ConfusionPanel() {
  const { filters, runsHref } = useDashboard();
  const id = 'quality-confusion';
  const r = usePanelData<ConfusionResponse>(id, '/quality/confusion', panelParams(filters));
  const d = r.data;
  return (
    <Panel
      id={id}
      title="Confusion matrix"
      subtitle={d ? `labelled type (rows) vs predicted (columns), ${formatCount(d.total)} classified` : 'labelled vs predicted component type (count)'}
      {...panelStatus(r, (x) => x.total > 0)}
      selfReady
      span={5}
    >
      {d ? (
        <ConfusionMatrix
          labels={d.labels}
          counts={d.counts}
          cellHref={(actual, predicted) => runsHref({ componentTypes: [actual], predicted: [predicted] })}
          rowHref={(actual) => `#/type/${encodeURIComponent(actual)}`}
        />
      ) : null}
    </Panel>
  );
}

export function ConfidencePanel() {
  const { filters } = useDashboard();
  const drill = useDrill();
  const id = 'quality-distribution';
  const r = usePanelData<DistributionResponse>(id, '/quality/distribution', distributionParams(filters, MAPPING_CONFIDENCE));
  const d = r.data;
  const edges = d?.edges ?? [];
  const centers = edges.slice(0, -1).map((e, i) => (e + (edges[i + 1] ?? e)) / 2);
  const spec: ChartSpec = {
    x: {
      kind: 'number',
      unit: 'score',
      label: 'mapping confidence',
      title: (_v, idx) => `confidence ${formatScore(edges[idx])} – ${formatScore(edges[idx + 1])}`,
    },
    y: { unit: 'count', label: 'components' },
    series: [{ label: 'components', color: colorFor('series', 'projection'), paths: 'bars', unit: 'count' }],
    legend: false,
  };
  return (
    <Panel
      id={id}
      title="Mapping-confidence distribution"
      subtitle={d && d.total > 0 ? `${formatCount(d.total)} mappings, mean ${formatScore(d.mean)}` : 'components per confidence bin'}
      {...panelStatus(r, (x) => x.total > 0)}
      span={4}
    >
      {d ? (
        <Chart
          readyId={id}
          spec={spec}
          data={[centers, d.counts]}
          height={CHART_HEIGHT}
          stale={r.stale}
          ariaLabel="Histogram of mapping confidence (click a bar for its runs)"
          onPointClick={(c) => {
            const lo = edges[c.idx];
            const hi = edges[c.idx + 1];
            if (lo != null && hi != null) drill({ score: MAPPING_CONFIDENCE, scoreMin: lo, scoreMax: hi });
          }}
        />
      ) : null}
    </Panel>
  );
}

export function SimilarityPanel() {
  const { filters } = useDashboard();
  const id = 'quality-similarity';
  const scores = [PIXEL, STRUCTURAL, SEMANTIC];
  const r = usePanelData<QualityScoresResponse>(id, '/quality/scores', qualityScoresParams(filters, scores));
  const d = r.data;
  const data = d ? columns(d.t, scores, d.series) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'score', label: 'similarity', range: 'unit' },
    series: [
      { label: SCORE_LABELS[PIXEL] ?? PIXEL, color: colorFor('series', 'pixel'), fill: 0.08 },
      { label: SCORE_LABELS[STRUCTURAL] ?? STRUCTURAL, color: colorFor('series', 'structural') },
      { label: SCORE_LABELS[SEMANTIC] ?? SEMANTIC, color: colorFor('series', 'semantic') },
    ],
  };
  return (
    <Panel
      id={id}
      title="Visual similarity over time"
      subtitle="mean pixel, structural (SSIM) and semantic (same elements, names and places) similarity per bucket (0–1)"
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['quality']} alertScores={scores} ariaLabel="Pixel, structural and semantic similarity over time" /> : null}
    </Panel>
  );
}

export function CodeQualityPanel() {
  const { filters } = useDashboard();
  const id = 'quality-code';
  const r = usePanelData<QualityScoresResponse>(id, '/quality/scores', qualityScoresParams(filters, [CODE_QUALITY], 'model'));
  const d = r.data;
  const keys = d?.keys ?? [];
  const data = d ? columns(d.t, keys, d.series) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: 'score', label: 'code quality', range: 'unit' },
    series: keys.map((k) => ({ label: k, color: colorFor('model', k) })),
    legend: true,
  };
  return (
    <Panel
      id={id}
      title="Code quality over time"
      subtitle="mean generated-code quality score by model (0–1)"
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['quality']} alertScores={[CODE_QUALITY]} ariaLabel="Code quality over time by model" drill={(_i, sIdx) => (sIdx != null && keys[sIdx] ? { models: [keys[sIdx] as string] } : {})} /> : null}
    </Panel>
  );
}

const BUILT_IN_SCORES: ReadonlySet<string> = new Set(Object.values(SCORE));

/**
 * Scores other than genscope's own, present in the window (the filter options): one at a time,
 * picked from a list, mean per bucket. Not shown at all when there are none, so a pipeline
 * without custom scores has no empty panel.
 */
export function CustomScoresPanel() {
  const { options } = useDashboard();
  const custom = (options?.scores ?? []).filter((s) => !BUILT_IN_SCORES.has(s));
  return custom.length > 0 ? <CustomScoresChart names={custom} /> : null;
}

function CustomScoresChart({ names }: { names: string[] }) {
  const { filters } = useDashboard();
  const [picked, setPicked] = useState<string | null>(null);
  const score = picked !== null && names.includes(picked) ? picked : (names[0] as string);
  const id = 'quality-custom';
  const r = usePanelData<QualityScoresResponse>(id, '/quality/scores', qualityScoresParams(filters, [score]));
  const d = r.data;
  const data = d ? columns(d.t, [score], d.series) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    // A custom score need not be within 0..1.
    y: { unit: 'score', label: score, range: 'auto' },
    series: [{ label: score, color: colorFor('series', score), fill: 0.08 }],
  };
  return (
    <Panel
      id={id}
      title="Custom scores over time"
      subtitle={`mean of ${score} per bucket (${names.length} custom score${names.length === 1 ? '' : 's'} in this window)`}
      {...panelStatus(r, () => hasPoints(data))}
      span={6}
      actions={
        <select aria-label="Custom score" data-custom-score value={score} onChange={(e) => setPicked((e.currentTarget as HTMLSelectElement).value)}>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      }
    >
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} alertTopics={['quality']} alertScores={[score]} ariaLabel={`${score} over time`} /> : null}
    </Panel>
  );
}
