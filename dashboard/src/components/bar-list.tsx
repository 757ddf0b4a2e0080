/**
 * Horizontal bars for a categorical breakdown (accuracy by component type, cost by model, ...):
 * one row per category with its exact value written out, so nothing needs a tooltip, and the bar
 * length for comparison. Crisper and more readable than a canvas for a dozen labelled categories.
 * A row with an href is a link (the drill-down to its runs), so it works by keyboard too.
 */
import { formatValue } from '../lib/format';
import type { Unit } from '../lib/format';

export interface BarItem {
  label: string;
  value: number | null;
  color: string;
  /** Secondary text after the value (e.g. "412 of 450", "31 % of total"). */
  detail?: string;
  /** Where the row leads (a drill-down to the runs behind it). */
  href?: string;
}

export interface BarListProps {
  items: readonly BarItem[];
  unit: Unit;
  /** Scale maximum; default: the largest value (1 for ratios and scores). */
  max?: number;
  caption: string;
}

export function BarList(p: BarListProps) {
  const values = p.items.map((i) => i.value ?? 0);
  const max = p.max ?? (p.unit === 'ratio' || p.unit === 'score' ? 1 : Math.max(0, ...values));
  return (
    <ul class="gs-bars" aria-label={p.caption}>
      {p.items.map((it) => {
        const frac = it.value == null || max <= 0 ? 0 : Math.max(0, Math.min(1, it.value / max));
        const content = (
          <>
            <span class="gs-bar-label" title={it.label}>
              {it.label}
            </span>
            <span class="gs-bar-track" aria-hidden="true">
              <span class="gs-bar-fill" style={{ width: `${(frac * 100).toFixed(2)}%`, background: it.color }} />
            </span>
            <span class="gs-bar-value">
              {formatValue(it.value, p.unit)}
              {it.detail ? <span class="gs-muted"> · {it.detail}</span> : null}
            </span>
          </>
        );
        return (
          <li key={it.label}>
            {it.href ? (
              <a class="gs-bar-row gs-bar-link" href={it.href} title={`Open the runs behind ${it.label}`}>
                {content}
              </a>
            ) : (
              <div class="gs-bar-row">{content}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
