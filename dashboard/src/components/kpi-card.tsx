/**
 * A KPI tile: the value over the selected window, its change against the previous window of the
 * same length (green when the change is good for this KPI, red when bad), and the previous value.
 */
import { formatChange, formatValue } from '../lib/format';
import type { Unit } from '../lib/format';
import { changeTone } from '../lib/kpi';

export interface KpiCardProps {
  id: string;
  label: string;
  value: number | null;
  unit: Unit;
  /** Previous period's value; undefined when the KPI has no comparison at all. */
  previous?: number | null;
  /** Relative change (value - previous) / |previous|, or null. */
  change?: number | null;
  /** Which direction is an improvement. */
  better: 'up' | 'down' | 'neutral';
  /** Small line under the value (e.g. "of $500 budget"). */
  hint?: string;
  /** Words for the comparison, e.g. "vs previous 7 days". */
  comparedTo?: string;
}

export function KpiCard(p: KpiCardProps) {
  const tone = changeTone(p.change, p.better);
  const arrow = p.change == null || Math.abs(p.change) < 0.005 ? '' : p.change > 0 ? '▲ ' : '▼ ';
  const hasComparison = p.previous !== undefined;
  return (
    <div class="gs-kpi" data-kpi={p.id}>
      <div class="gs-kpi-label">{p.label}</div>
      <div class="gs-kpi-value">{formatValue(p.value, p.unit)}</div>
      {hasComparison ? (
        <div class="gs-kpi-change">
          <span class={`gs-chip gs-${tone}`} title={p.previous != null ? `previous: ${formatValue(p.previous, p.unit)}` : undefined}>
            {arrow}
            {formatChange(p.change ?? null)}
          </span>
          {p.comparedTo ? <span class="gs-kpi-vs">{p.comparedTo}</span> : null}
        </div>
      ) : null}
      {p.hint ? <div class="gs-kpi-hint">{p.hint}</div> : null}
    </div>
  );
}
