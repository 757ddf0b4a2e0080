/**
 * Panel "confusion matrix": classification.accuracy scores counted by labelled type (row) and
 * predicted type (the score label, column). Labels are the sorted union of both.
 */
import type { ConfusionResponse, PanelQuery } from '../../../schema/api';
import { SCORE } from '../../../schema/names';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource } from './sources';
import { all } from './sql';

export function confusionMatrix(ctx: QueryContext, q: PanelQuery): ConfusionResponse {
  const w = resolveWindow(q, ctx, '24h');
  const src = scoreSource(w, q, [SCORE.classificationAccuracy]);
  const rows = all<{ actual: string; predicted: string; n: number }>(ctx.db, {
    sql: `SELECT component_type AS actual, label AS predicted, SUM(count) AS n FROM (${src.from.sql}) GROUP BY 1, 2`,
    params: src.from.params,
  });
  const labels = [...new Set(rows.flatMap((r) => [r.actual, r.predicted]))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  let total = 0;
  for (const r of rows) {
    const row = counts[index.get(r.actual) ?? -1];
    const j = index.get(r.predicted) ?? -1;
    if (row && j >= 0) row[j] = (row[j] ?? 0) + r.n;
    total += r.n;
  }
  return { meta: meta(w, null, src.source, src.ignored), labels, counts, total };
}
