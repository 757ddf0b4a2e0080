/** The read endpoints under /api/v1: health, filter options, every panel, runs and benchmarks. */
import { Router } from 'express';
import { z } from 'zod';
import { BenchmarksQuery, CompareQuery, FilterOptionsQuery, ModelCallsQuery, OtlpMetricNamesQuery, OtlpMetricSeriesQuery, RunArtefactParams, RunParams, RunsQuery } from '../../schema/api';
import type { HealthResponse, PanelId } from '../../schema/api';
import type { PanelQueries } from '../../store';
import type { RouteDeps } from '../deps';
import { readContext } from '../deps';
import { compare } from '../compare';
import { PANEL_DEFS } from '../panels';
import { parseWith, withQuery } from '../validate';

/** Endpoints without query parameters still refuse unknown ones. */
const NoQuery = z.strictObject({});

/** One panel from the store; the query has been validated with the panel's own schema. */
export function readPanel(deps: RouteDeps, id: PanelId, q: unknown): Promise<object> {
  return deps.store.panel(id, q as PanelQueries[PanelId], readContext(deps));
}

export function readRouter(deps: RouteDeps): Router {
  const r = Router();
  r.get('/health', async (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const h = await deps.store.health();
    const body: HealthResponse = { status: 'ok', schemaVersion: h.schemaVersion, timeMs: deps.clock() };
    res.json(body);
  });
  r.get('/filters', withQuery(FilterOptionsQuery, (q) => deps.store.filterOptions(q, readContext(deps))));
  for (const p of PANEL_DEFS) r.get(p.path, withQuery(p.query, (q) => readPanel(deps, p.id, q)));
  r.get('/runs', withQuery(RunsQuery, (q) => deps.store.runs(q, readContext(deps))));
  r.get('/runs/:id', async (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const { id } = parseWith(RunParams, req.params, 'path');
    res.json(await deps.store.run(id, readContext(deps)));
  });
  r.get('/runs/:id/artefacts', async (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const { id } = parseWith(RunParams, req.params, 'path');
    res.json(await deps.store.artefacts(id, readContext(deps)));
  });
  // The content as recorded; never rendered by the browser as a page of this origin (nosniff,
  // a sandbox CSP), since a recorded response is text a model wrote.
  r.get('/runs/:id/artefacts/:name', async (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const { id, name } = parseWith(RunArtefactParams, req.params, 'path');
    const a = await deps.store.artefact(id, name, readContext(deps));
    res.set({
      'Content-Type': a.mediaType,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=3600',
    });
    res.send(a.content);
  });
  r.get('/benchmarks', withQuery(BenchmarksQuery, (q) => deps.store.benchmarks(q, readContext(deps))));
  // What senders export to /v1/metrics, by name.
  r.get('/metrics', withQuery(OtlpMetricNamesQuery, (q) => deps.store.otlpMetricNames(q, readContext(deps))));
  r.get('/performance/models', withQuery(ModelCallsQuery, (q) => deps.store.modelCalls(q, readContext(deps))));
  // Two models, benchmark runs or time ranges judged with the gate's statistics.
  r.get('/compare', withQuery(CompareQuery, (q) => compare(deps.store, q, deps.clock())));
  r.get('/metrics/series', withQuery(OtlpMetricSeriesQuery, (q) => deps.store.otlpMetricSeries(q, readContext(deps))));
  return r;
}
