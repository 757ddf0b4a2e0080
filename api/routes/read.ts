/** The read endpoints under /api/v1: health, filter options, every panel, runs and benchmarks. */
import { Router } from 'express';
import { z } from 'zod';
import { BenchmarksQuery, FilterOptionsQuery, OtlpMetricNamesQuery, OtlpMetricSeriesQuery, RunParams, RunsQuery } from '../../schema/api';
import type { HealthResponse } from '../../schema/api';
import type { RouteDeps } from '../deps';
import { queryContext } from '../deps';
import { PANEL_DEFS } from '../panels';
import { benchmarksList } from '../../store/sqlite/queries/benchmarks-list';
import { simulatedPresent } from '../../store/sqlite/queries/context';
import { filterOptions } from '../../store/sqlite/queries/filter-options';
import { runDetail } from '../../store/sqlite/queries/run-detail';
import { otlpMetricNames, otlpMetricSeries } from '../../store/sqlite/queries/otlp-metrics';
import { runsList } from '../../store/sqlite/queries/runs-list';
import { get } from '../../store/sqlite/queries/sql';
import { parseWith, withQuery } from '../validate';

/** Marks a panel answer as simulated when the store holds demo or simulated data. */
export function labelled<T extends object>(deps: RouteDeps, body: T): T {
  const m = (body as { meta?: { simulated?: boolean } }).meta;
  if (m) m.simulated = simulatedPresent(deps.db);
  return body;
}

/** Endpoints without query parameters still refuse unknown ones. */
const NoQuery = z.strictObject({});

export function readRouter(deps: RouteDeps): Router {
  const r = Router();
  r.get('/health', (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const v = get<{ v: number | null }>(deps.db, { sql: 'SELECT MAX(version) AS v FROM schema_migrations', params: [] });
    const body: HealthResponse = { status: 'ok', schemaVersion: v?.v ?? 0, timeMs: deps.clock() };
    res.json(body);
  });
  r.get('/filters', withQuery(FilterOptionsQuery, (q) => labelled(deps, filterOptions(queryContext(deps), q))));
  for (const p of PANEL_DEFS) r.get(p.path, withQuery(p.query, (q) => labelled(deps, p.run(queryContext(deps), q))));
  r.get('/runs', withQuery(RunsQuery, (q) => runsList(queryContext(deps), q)));
  r.get('/runs/:id', (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    const { id } = parseWith(RunParams, req.params, 'path');
    res.json(runDetail(queryContext(deps), id));
  });
  r.get('/benchmarks', withQuery(BenchmarksQuery, (q) => benchmarksList(queryContext(deps), q)));
  // What senders export to /v1/metrics, by name.
  r.get('/metrics', withQuery(OtlpMetricNamesQuery, (q) => labelled(deps, otlpMetricNames(queryContext(deps), q))));
  r.get('/metrics/series', withQuery(OtlpMetricSeriesQuery, (q) => labelled(deps, otlpMetricSeries(queryContext(deps), q))));
  return r;
}
