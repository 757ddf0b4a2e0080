/**
 * Cost per component split by stage and operation, as the columnar shape of
 * CostComponentsResponse.split: both stores read (component, stage, operation, calls, cost) rows
 * for the listed components and hand them here.
 */
import type { CostComponentsResponse } from '../schema/api';

export interface SplitRow {
  component_id: string;
  stage: string;
  operation: string;
  calls: number;
  cost: number;
}

export function splitColumns(ids: readonly string[], rows: readonly SplitRow[]): CostComponentsResponse['split'] {
  const col = new Map(ids.map((id, i) => [id, i]));
  const keys = new Map<string, number>();
  const out: CostComponentsResponse['split'] = { stage: [], operation: [], costUsd: [], calls: [] };
  for (const r of rows) {
    const i = col.get(r.component_id);
    if (i === undefined) continue;
    const key = `${r.stage}\u0001${r.operation}`;
    let k = keys.get(key);
    if (k === undefined) {
      k = out.stage.length;
      keys.set(key, k);
      out.stage.push(r.stage);
      out.operation.push(r.operation);
      out.costUsd.push(ids.map(() => 0));
      out.calls.push(ids.map(() => 0));
    }
    // Rows are grouped by (component, stage, operation): one row per cell.
    (out.costUsd[k] as number[])[i] = Math.round(Number(r.cost) * 1e9) / 1e9;
    (out.calls[k] as number[])[i] = Number(r.calls);
  }
  return out;
}
