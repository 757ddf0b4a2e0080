/**
 * Every GET path of the OpenAPI document (api/openapi.ts), answered by the API over the SQLite
 * store and over the ClickHouse store (the embedded engine) holding the same history written
 * through each store's own writer: the same status, the same content type and the same answer
 * (values compared, with exact percentiles on both; engine ids, the health routes and alert rule
 * records by shape; other content byte for byte). A route the ClickHouse store does not answer
 * must be listed in CLICKHOUSE_404 with the reason, so a new route that 404s there fails here. A path parameter
 * without values in PATH_VALUES fails too: a new route is walked as soon as it is documented.
 */
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { openApiDocument } from '../../api/openapi';
import { AlertEvaluator, createAlertsRouter, ensureDefaultAlertRules } from '../../alerts';
import { createHealthHandler } from '../../api';
import { FIXTURE_MODELS, fixtureBatches } from '../../api/test-fixtures';
import { EXPORT_DATASETS, EXPORT_FORMATS, PANEL_EXPORT_FORMATS, PANEL_IDS } from '../../schema/api';
import { ARTEFACT, EVENT } from '../../schema/names';
import type { MetricPointRecord, SpanRecord } from '../../schema/records';
import { spanRole } from '../../store';
import type { TelemetryStore } from '../../store';
import { differences, shape, withoutEngineMeta } from './compare';
import { openEmptyStores } from './empty-stores';

jest.setTimeout(240_000);

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const RUNS = 240;
const MIN = 60_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

/**
 * Routes the ClickHouse store answers 404 on purpose, with why (README "Scaling out"). None today:
 * a route added here must say so in the README too.
 */
const CLICKHOUSE_404: Record<string, string> = {};

/** Routes compared by shape only: their values are the engine's or the process's own. */
const SHAPE_ONLY = new Set([
  '/api/v1/health', // engine name, schema version, bytes on disk
  '/api/v1/health/self', // the process: uptime, memory, writer counters
]);

/** Values of keys that are engine-specific (row ids; cursors built from them). */
const ENGINE_KEYS = new Set(['id', 'nextCursor', 'runId']);

/** Query parameters a route needs besides the window. */
const EXTRA_QUERY: Record<string, string> = {
  '/api/v1/compare': `a.model=${FIXTURE_MODELS[0]}&b.model=${FIXTURE_MODELS[1]}&a.range=24h&b.range=24h`,
  '/api/v1/metrics/series': 'name=queue.depth',
};

/** Spans with a genscope.artefact event: the fixture's oldest run gets one. */
function withArtefact(spans: SpanRecord[]): { spans: SpanRecord[]; traceId: string } {
  const root = spans.find((s) => spanRole(s) === 'run');
  if (!root) throw new Error('no root span');
  const copy = spans.map((s) =>
    s === root
      ? {
          ...s,
          events: [
            ...s.events,
            {
              name: EVENT.artefact,
              timeNs: s.startNs,
              attributes: { [ARTEFACT.name]: 'code', [ARTEFACT.mediaType]: 'text/plain', [ARTEFACT.content]: '<Button>Save</Button>' },
            },
            // JSON-looking content: the Map variant keeps it as text, not revived into an object.
            {
              name: EVENT.artefact,
              timeNs: s.startNs,
              attributes: { [ARTEFACT.name]: 'props', [ARTEFACT.mediaType]: 'application/json', [ARTEFACT.content]: '{"component":"Button","props":[1,2]}' },
            },
          ],
        }
      : s,
  );
  return { spans: copy, traceId: root.traceId };
}

function metricPoints(): MetricPointRecord[] {
  const out: MetricPointRecord[] = [];
  for (let m = 60; m > 0; m -= 5) {
    const base = { resource: { 'service.name': 'genscope-fixture' }, timeNs: ns(NOW - m * MIN) };
    out.push({ ...base, name: 'queue.depth', type: 'gauge', attributes: { queue: 'render' }, value: m % 7 });
    out.push({ ...base, name: 'jobs.done', type: 'sum', monotonic: true, temporality: 1, attributes: {}, value: 3 });
  }
  return out;
}

interface Side {
  store: TelemetryStore;
  app: Express;
  /** A run's id, the id of the run with the artefact, an alert rule's id. */
  runId: number;
  artefactRunId: number;
  ruleId: string;
}

async function side(store: TelemetryStore, artefactTrace: string): Promise<Side> {
  ensureDefaultAlertRules(store.alertStateDb, NOW);
  // As `genscope serve` builds it: the alerts routes (rules and states in the store's local file,
  // changes read through the store) and the process's own health.
  const db = store.alertStateDb;
  const now = () => NOW;
  const app = createApp({
    store,
    clock: now,
    alertsRouter: createAlertsRouter({ db, evaluator: new AlertEvaluator({ db, store, now }), changes: store, now }),
    mount: (a) => {
      a.get('/api/v1/health/self', createHealthHandler({ writer: { stats: store.writerStats } }));
    },
  });
  const runs = (await request(app).get('/api/v1/runs?range=24h&limit=500')).body as { runs: { id: number; traceId: string }[] };
  const artefactRun = runs.runs.find((r) => r.traceId === artefactTrace);
  const other = runs.runs.find((r) => r.traceId !== artefactTrace);
  const rules = (await request(app).get('/api/v1/alerts/rules')).body as { rules: { id: string }[] };
  if (!artefactRun || !other || !rules.rules[0]) throw new Error(`fixture without runs or rules: ${runs.runs.length} runs, rules ${JSON.stringify(rules).slice(0, 200)}`);
  return { store, app, runId: other.id, artefactRunId: artefactRun.id, ruleId: rules.rules[0].id };
}

type Operation = { parameters?: { name: string; in: string }[] };
/** The documented query parameters of each GET route. */
const PARAMS = new Map(
  Object.entries(openApiDocument().paths as Record<string, { get?: Operation }>).map(([route, ops]) => [
    route,
    new Set((ops.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)),
  ]),
);

/**
 * Export rows that start in the same instant come in each engine's own order (row id, span id):
 * compared in (time, span id, name) order.
 */
function exportOrder(body: unknown): unknown {
  if (!Array.isArray(body)) return body;
  const key = (r: Record<string, unknown>) => [r.time_ms ?? r.start_ms ?? 0, r.span_id ?? '', r.name ?? ''] as const;
  return [...(body as Record<string, unknown>[])].sort((x, y) => {
    const [a, b] = [key(x), key(y)];
    return Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])) || String(a[2]).localeCompare(String(b[2]));
  });
}

/** A response's bytes (text, or the buffer supertest keeps for binary types). */
function bytes(r: request.Response): Buffer {
  if (typeof r.text === 'string') return Buffer.from(r.text);
  return Buffer.isBuffer(r.body) ? r.body : Buffer.alloc(0);
}

/** Milliseconds are rounded to 3 decimals: a float sum an ulp apart may round the other way. */
const tolerance = (path: string) => (/(Ms|_ms)\b/.test(path) ? 1e-5 : 1e-6);

/** Each path parameter's values (per side where they are ids). */
function pathValues(route: string, param: string, s: Side): string[] {
  switch (param) {
    case 'id':
      if (route.startsWith('/api/v1/alerts/rules/')) return [s.ruleId];
      return [String(route.includes('/artefacts') ? s.artefactRunId : s.runId)];
    case 'name':
      return ['code', 'props'];
    case 'dataset':
      return [...EXPORT_DATASETS];
    case 'panel':
      return [...PANEL_IDS];
    case 'format':
      return route.startsWith('/api/v1/export/panel/') ? [...PANEL_EXPORT_FORMATS] : [...EXPORT_FORMATS];
    default:
      throw new Error(`${route}: no values for path parameter {${param}} in the OpenAPI walk; add them to pathValues`);
  }
}

/** The concrete URLs of a documented route (every combination of its path parameters). */
function urls(route: string, s: Side): string[] {
  let out = [route];
  for (const m of route.matchAll(/\{(\w+)\}/g)) {
    const param = m[1] ?? '';
    out = out.flatMap((u) => pathValues(route, param, s).map((v) => u.replace(`{${param}}`, v)));
  }
  const query = [...(PARAMS.get(route)?.has('range') ? ['range=24h'] : []), ...(EXTRA_QUERY[route] ? [EXTRA_QUERY[route]] : [])].join('&');
  return out.map((u) => (query ? `${u}?${query}` : u));
}

/** Engine-specific values replaced by their type, engine meta left out. */
function comparable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === 'object') {
    const o = withoutEngineMeta(v) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, ENGINE_KEYS.has(k) ? typeof x : comparable(x)]));
  }
  return v;
}

describe('every GET route of the OpenAPI document answers alike on both stores', () => {
  let sqlite: Side;
  let ch: Side;
  const routes = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
    .filter(([, ops]) => 'get' in ops)
    .map(([route]) => route);

  beforeAll(async () => {
    const stores = await openEmptyStores(NOW);
    let artefactTrace = '';
    const batches = fixtureBatches({ runs: RUNS, startMs: NOW - RUNS * MIN, intervalMs: MIN });
    for (let next = batches.next(); !next.done; next = batches.next()) {
      let spans = next.value;
      if (!artefactTrace) ({ spans, traceId: artefactTrace } = withArtefact(spans));
      await stores.ch.writeSpans(spans);
      await stores.sqlite.writeSpans(spans);
    }
    for (const store of [stores.ch, stores.sqlite]) await store.writeMetricPoints(metricPoints());
    [sqlite, ch] = await Promise.all([side(stores.sqlite, artefactTrace), side(stores.ch, artefactTrace)]);
  });
  afterAll(async () => {
    await ch?.store.close();
    await sqlite?.store.close();
  });

  it('walks the whole document', () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const r of Object.keys(CLICKHOUSE_404)) expect(routes).toContain(r);
  });

  it('gives the same status, content type and answer for every documented GET', async () => {
    const problems: string[] = [];
    let walked = 0;
    for (const route of routes) {
      const [us, uc] = [urls(route, sqlite), urls(route, ch)];
      for (const [i, u] of us.entries()) {
        const c = uc[i] ?? '';
        const [a, b] = await Promise.all([request(sqlite.app).get(u), request(ch.app).get(c)]);
        walked++;
        if (a.status !== 200) {
          problems.push(`${u}: SQLite answered ${a.status} (the walk must reach a real answer) ${a.text.slice(0, 200)}`);
          continue;
        }
        const reason = CLICKHOUSE_404[route];
        if (reason !== undefined) {
          if (b.status !== 404)
            problems.push(`${c}: listed as a ClickHouse 404 (${reason}) but answered ${b.status} ${b.text.slice(0, 200)}`);
          continue;
        }
        if (b.status !== a.status) {
          problems.push(`${c}: status sqlite ${a.status} clickhouse ${b.status} ${b.text.slice(0, 200)}`);
          continue;
        }
        const type = (r: request.Response) => String(r.headers['content-type'] ?? '').split(';')[0];
        if (type(a) !== type(b)) problems.push(`${u}: content type sqlite ${type(a)} clickhouse ${type(b)}`);
        else if (type(a) === 'application/json') {
          if (SHAPE_ONLY.has(route)) {
            if (JSON.stringify(shape(a.body)) !== JSON.stringify(shape(b.body))) problems.push(`${u}: shape differs`);
          } else {
            const [x, y] = [comparable(exportOrder(a.body)), comparable(exportOrder(b.body))];
            problems.push(...differences(x, y, tolerance).map((d) => `${u}: ${d}`));
          }
        } else if (type(a) === 'text/csv' || type(a) === 'application/x-ndjson') {
          // The same header (or first record's shape) and the same number of lines.
          const lines = (t: string) => t.split('\n').filter((l) => l.length > 0);
          const [la, lb] = [lines(a.text), lines(b.text)];
          if (la.length !== lb.length) problems.push(`${u}: ${la.length} lines on sqlite, ${lb.length} on clickhouse`);
          const head = (l: string[]) => (type(a) === 'text/csv' ? l[0] : JSON.stringify(shape(JSON.parse(l[0] ?? 'null'))));
          if (head(la) !== head(lb)) problems.push(`${u}: first line sqlite ${head(la)} clickhouse ${head(lb)}`);
        } else if (!bytes(a).equals(bytes(b))) {
          // Anything else (an artefact's content): the same bytes.
          problems.push(`${u}: content differs`);
        }
      }
    }
    expect(walked).toBeGreaterThan(routes.length);
    expect(problems).toEqual([]);
    // The walk met the artefacts themselves, not two empty lists.
    const listed = await request(ch.app).get(`/api/v1/runs/${ch.artefactRunId}/artefacts`);
    expect((listed.body as { artefacts: { name: string }[] }).artefacts.map((x) => x.name)).toEqual(['code', 'props']);
  });
});
