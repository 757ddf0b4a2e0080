/**
 * The OTLP metrics panel: any metric senders exported to /v1/metrics (the instrumentations' own
 * gen_ai.client.* histograms, a team's counters and gauges), picked by name and split by one of its
 * attributes. Sums chart what was added per bucket, gauges their mean, histograms p50/p95/p99.
 */
import { useState } from 'preact/hooks';
import type { OtlpMetricNamesResponse, OtlpMetricSeriesResponse } from '../../../schema/api';
import { Panel } from '../components/panel';
import type { ChartSpec } from '../charts/chart-options';
import { colorFor } from '../lib/colors';
import { timeParams } from '../lib/api-params';
import type { Params } from '../lib/api-params';
import type * as Api from '../../../schema/api';
import { formatCount } from '../lib/format';
import type { Unit } from '../lib/format';
import { useDashboard } from '../context';
import { TimeChart, columns, hasPoints } from './shared';
import { panelStatus, usePanelData } from './use-panel-data';

const MAX_GROUPS = 8;

/** Chart units for the UCUM units OTLP metrics carry; anything else is a plain number. */
function unitOf(ucum: string | null): Unit {
  if (ucum === 's') return 's';
  if (ucum === 'ms') return 'ms';
  if (ucum === '{USD}' || ucum === 'USD') return 'usd';
  if (ucum === '{token}') return 'tokens';
  return 'count';
}

export function OtlpMetricsPanel() {
  const { filters } = useDashboard();
  const id = 'otlp-metrics';
  const names = usePanelData<OtlpMetricNamesResponse>(id, '/metrics', timeParams(filters), { priority: 'low' });
  const metrics = names.data?.metrics ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  const [groupBy, setGroupBy] = useState<string>('');
  const metric = metrics.find((m) => m.name === picked) ?? metrics[0] ?? null;
  const params: Params<typeof Api.OtlpMetricSeriesQuery> = {
    ...timeParams(filters),
    name: metric?.name ?? '',
    ...(groupBy && metric?.attributeKeys.includes(groupBy) ? { groupBy } : {}),
  };
  const r = usePanelData<OtlpMetricSeriesResponse>(id, '/metrics/series', params, { enabled: metric !== null, priority: 'low' });
  const d = r.data && metric && r.data.name === metric.name ? r.data : null;
  const isHistogram = d?.type === 'histogram' || d?.type === 'exp_histogram';
  const groups = (d?.groups ?? []).slice(0, MAX_GROUPS);
  // Histograms: the percentiles of the first group (or all); other types: one line per group.
  const keys = isHistogram ? ['p50', 'p95', 'p99'] : groups.map((g) => g || '(none)');
  const first = d && groups[0] !== undefined ? d.series[groups[0]] : undefined;
  const seriesMap: Record<string, readonly (number | null)[]> = isHistogram
    ? { p50: first?.p50 ?? [], p95: first?.p95 ?? [], p99: first?.p99 ?? [] }
    : Object.fromEntries(groups.map((g) => [g || '(none)', d?.series[g]?.values ?? []]));
  const data = d ? columns(d.t, keys, seriesMap) : null;
  const spec: ChartSpec = {
    x: { kind: 'time' },
    y: { unit: isHistogram ? unitOf(d?.unit ?? null) : d?.type === 'gauge' ? unitOf(d.unit) : 'count', label: d?.name ?? 'value' },
    series: keys.map((k, i) => ({ label: k, color: isHistogram ? colorFor('series', k) : (['#06b6d4', '#8b5cf6', '#84cc16', '#f97316', '#ec4899', '#0ea5e9', '#eab308', '#64748b'][i % 8] as string) })),
    legend: true,
  };
  const what = !d
    ? 'what senders export to /v1/metrics'
    : `${d.type}${d.temporality ? `, ${d.temporality}` : ''}${d.unit ? `, unit ${d.unit}` : ''} · ${
        d.valueKind === 'increase' ? 'added per bucket' : d.valueKind === 'mean' ? 'mean per bucket' : `p50/p95/p99${groups[0] ? ` of ${groups[0]}` : ''}`
      }`;
  const status = metrics.length === 0 ? { ...panelStatus(names, (n) => n.metrics.length > 0) } : panelStatus(r, () => hasPoints(data));
  return (
    <Panel
      id={id}
      title="OTLP metrics"
      subtitle={what}
      {...status}
      span={12}
      emptyText="No OTLP metrics in this range. Point an SDK's metric exporter at /v1/metrics (OTEL_EXPORTER_OTLP_ENDPOINT) and they show here."
    >
      <div class="gs-panel-controls">
        <label>
          metric{' '}
          <select aria-label="Metric" value={metric?.name ?? ''} onChange={(e) => setPicked((e.target as HTMLSelectElement).value)}>
            {metrics.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name} ({formatCount(m.series)} series)
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          split by{' '}
          <select aria-label="Split by attribute" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
            <option value="">(nothing)</option>
            {(metric?.attributeKeys ?? []).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {d && data ? <TimeChart readyId={id} spec={spec} data={data} meta={d.meta} stale={r.stale} ariaLabel={`OTLP metric ${d.name} over time`} /> : null}
    </Panel>
  );
}
