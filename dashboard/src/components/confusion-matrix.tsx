/**
 * Classification confusion matrix as an HTML grid: rows are the labelled (actual) component type,
 * columns the predicted one. Cell shade is the share of its row, green on the diagonal (correct)
 * and red off it (confusions); every cell states its count and share in its title, and a
 * non-empty cell links to its runs.
 */
import { formatRatioAsPercent } from '../lib/format';

export interface ConfusionMatrixProps {
  labels: readonly string[];
  counts: readonly (readonly number[])[];
  /** Link of a non-empty cell: the runs of that labelled type classified as that type. */
  cellHref?: (actual: string, predicted: string) => string;
  /** Link of a row header: the component type's page. */
  rowHref?: (actual: string) => string;
}

export function ConfusionMatrix(p: ConfusionMatrixProps) {
  const rowTotals = p.counts.map((row) => row.reduce((a, b) => a + b, 0));
  return (
    <div class="gs-table-wrap gs-confusion-wrap">
      <table class="gs-confusion">
        <caption class="gs-sr-only">Confusion matrix: rows are actual component types, columns predicted types</caption>
        <thead>
          <tr>
            <th scope="col" class="gs-confusion-corner">
              <span>actual ↓ / predicted →</span>
            </th>
            {p.labels.map((l) => (
              <th key={l} scope="col" class="gs-confusion-col" title={`predicted ${l}`}>
                <span>{l}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.labels.map((actual, i) => {
            const row = p.counts[i] ?? [];
            const total = rowTotals[i] ?? 0;
            return (
              <tr key={actual}>
                <th scope="row" title={`${total} labelled ${actual}`}>
                  {p.rowHref ? <a href={p.rowHref(actual)}>{actual}</a> : actual}
                </th>
                {p.labels.map((pred, j) => {
                  const c = row[j] ?? 0;
                  const share = total > 0 ? c / total : 0;
                  const diag = i === j;
                  const alpha = c === 0 ? 0 : 0.12 + 0.78 * share;
                  const bg = diag ? `rgba(16, 185, 129, ${alpha.toFixed(3)})` : `rgba(239, 68, 68, ${alpha.toFixed(3)})`;
                  return (
                    <td
                      key={pred}
                      class={`num ${c === 0 ? 'gs-zero' : ''} ${share > 0.55 ? 'gs-strong' : ''}`}
                      style={{ background: bg }}
                      title={`actual ${actual} → predicted ${pred}: ${c} (${formatRatioAsPercent(share)} of ${actual})`}
                    >
                      {c === 0 ? '·' : p.cellHref ? (
                        <a href={p.cellHref(actual, pred)} data-cell={`${actual}>${pred}`} aria-label={`${c} ${actual} classified as ${pred}: open these runs`}>
                          {c}
                        </a>
                      ) : (
                        c
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
