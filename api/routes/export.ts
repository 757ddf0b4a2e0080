/**
 * Export endpoints: /export/:dataset.:format streams stored rows (csv, json array, ndjson) with
 * the same time range and filters as the panels; /export/panel/:panel.:format exports one
 * panel's data (csv table or the panel's JSON).
 */
import { Router } from 'express';
import { ExportParams, ExportQuery, PanelExportParams } from '../../schema/api';
import type { RouteDeps } from '../deps';
import { readContext } from '../deps';
import { panelToTable } from '../export/panel-table';
import { streamRows } from '../export/stream';
import { PANEL_BY_ID } from '../panels';
import { HttpError } from '../errors';
import { parseWith } from '../validate';
import { readPanel } from './read';
import { resolveWindow } from '../../store';

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

export function exportRouter(deps: RouteDeps): Router {
  const r = Router();
  r.get('/export/panel/:panel.:format', async (req, res) => {
    const { panel, format } = parseWith(PanelExportParams, req.params, 'path');
    const def = PANEL_BY_ID.get(panel);
    if (!def) throw new HttpError(404, 'not_found', `no panel ${panel}`);
    const q = parseWith(def.query, req.query, 'query');
    const data = await readPanel(deps, panel, q);
    const filename = `genscope-${panel}-${stamp(deps.clock())}.${format}`;
    if (format === 'json') {
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      res.json(data);
      return;
    }
    const table = panelToTable(panel, data);
    await streamRows(res, [table.rows], { format: 'csv', columns: table.columns, filename });
  });
  r.get('/export/:dataset.:format', async (req, res) => {
    const { dataset, format } = parseWith(ExportParams, req.params, 'path');
    const q = parseWith(ExportQuery, req.query, 'query');
    const ctx = readContext(deps);
    // The same window the store resolves for the rows (same now, same planner), for the headers.
    const w = resolveWindow(q, { nowMs: ctx.nowMs, minuteRollupRetentionDays: deps.store.retention.minuteRollupRetentionDays }, '24h');
    const shape = deps.store.exportShape(dataset, q);
    // A filter the dataset cannot apply is a 400, as /runs answers for stage: never a silently
    // larger export.
    const refused = shape.ignoredFilters[0];
    if (refused !== undefined) {
      throw new HttpError(400, 'invalid_parameter', `query parameter "${refused}": the ${dataset} dataset cannot be filtered by ${refused} (runs are end to end; export spans to filter by stage)`, refused);
    }
    await streamRows(res, deps.store.exportRows(dataset, q, ctx), {
      format,
      columns: shape.columns,
      jsonColumns: shape.jsonColumns,
      filename: `genscope-${dataset}-${stamp(w.fromMs)}-${stamp(w.toMs)}.${format}`,
      headers: {
        'X-Genscope-From': String(w.fromMs),
        'X-Genscope-To': String(w.toMs),
      },
    });
  });
  return r;
}
