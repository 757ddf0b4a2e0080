/**
 * Panel "classification accuracy": per labelled component type, the share of classification.accuracy
 * scores that were correct (the mean of the 0/1 score), and overall.
 */
import type { AccuracyResponse, PanelQuery } from '../../../schema/api';
import { SCORE } from '../../../schema/names';
import { resolveWindow } from '../../window';
import { meta } from './context';
import type { QueryContext } from './context';
import { scoreSource } from './sources';
import { all, round } from './sql';

export function classificationAccuracy(ctx: QueryContext, q: PanelQuery): AccuracyResponse {
  const w = resolveWindow(q, ctx, '24h');
  const src = scoreSource(w, q, [SCORE.classificationAccuracy]);
  const rows = all<{ type: string; correct: number; total: number }>(ctx.db, {
    sql: `SELECT component_type AS type, SUM(sum) AS correct, SUM(count) AS total FROM (${src.from.sql})
      GROUP BY component_type ORDER BY component_type`,
    params: src.from.params,
  });
  let correct = 0;
  let total = 0;
  for (const r of rows) {
    correct += r.correct;
    total += r.total;
  }
  return {
    meta: meta(w, null, src.source, src.ignored),
    componentTypes: rows.map((r) => r.type),
    accuracy: rows.map((r) => (r.total > 0 ? round(r.correct / r.total) : null)),
    correct: rows.map((r) => round(r.correct) ?? 0),
    total: rows.map((r) => r.total),
    overall: { accuracy: total > 0 ? round(correct / total) : null, correct: round(correct) ?? 0, total },
  };
}
