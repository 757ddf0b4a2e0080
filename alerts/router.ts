/**
 * The alerts REST API, an Express 5 Router the server mounts at /api/v1/alerts:
 *   GET    /rules               -> { rules }
 *   POST   /rules               -> 201 { rule }           (body: AlertRuleInput)
 *   GET    /rules/:id           -> { rule }
 *   PUT    /rules/:id           -> { rule }               (body: AlertRuleInput, full replace)
 *   PATCH  /rules/:id           -> { rule }               (body: any subset; the merged rule is validated)
 *   DELETE /rules/:id           -> 204
 *   GET    /events              -> { events }             (query: state, from, to, rule, limit)
 *   GET    /firing              -> { alerts }             (query: include=firing|all)
 *   GET    /changes             -> ChangeReport           (query: from, to, directions; quality shifts,
 *                                                             cost spikes and model switches by day)
 *   POST   /evaluate            -> { evaluation, deliveries } (only with an evaluator)
 * Invalid input is a 400 `{ error: { code: 'invalid_parameter', message, param } }` naming the
 * parameter; an unknown id a 404. The router answers its own errors, in the API's error shape.
 */
import express from 'express';
import type { ErrorRequestHandler, Request, Router } from 'express';
import { z } from 'zod';
import { AlertChangesQuery, AlertEventsQuery, AlertRuleIdParams, AlertRuleInput, AlertRulePatch, AlertStatesQuery } from '../schema/alerts';
import type { AlertEventsResponse, ChangeReport, AlertRuleResponse, AlertRulesResponse, AlertStatesResponse } from '../schema/alerts';
import { SqliteStore, dataVersion } from '../store';
import type { Db } from '../store';
import { formatIssuePath, formatZodIssues } from './config';
import type { AlertEvaluator } from './evaluator';
import { detectChanges } from './detect-changes';
import type { ChangeSource } from './detect-changes';
import { DuplicateRuleNameError, createRule, deleteRule, getRule, listEvents, listRules, listStates, replaceRule, ruleDefinition } from './store';

export interface AlertsRouterOptions {
  db: Db;
  /** Enables POST /evaluate (an evaluation pass on demand); rule changes otherwise apply at the next tick. */
  evaluator?: AlertEvaluator;
  /** The telemetry GET /changes scans (the store of the server); default the SQLite store on db. */
  changes?: ChangeSource;
  /** Epoch ms now, for created/updated times (default Date.now). */
  now?: () => number;
}

type ErrorCode = 'invalid_parameter' | 'bad_request' | 'not_found' | 'payload_too_large' | 'internal';

const NO_QUERY = z.object({}).strict();

class AlertsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const lines = formatZodIssues(r.error.issues);
  const param = first ? formatIssuePath(first.path) : undefined;
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''}: ${lines.slice(1).join('; ')})` : '';
  throw new AlertsHttpError(400, 'invalid_parameter', `${where} ${lines[0] ?? 'is invalid'}${more}`, param || undefined);
}

function idOf(req: Request): number {
  return parseOrThrow(AlertRuleIdParams, req.params, 'path').id;
}

function notFound(id: number): AlertsHttpError {
  return new AlertsHttpError(404, 'not_found', `no alert rule with id ${id}`);
}

/** The alerts API router (mount at /api/v1/alerts). */
export function createAlertsRouter(options: AlertsRouterOptions): Router {
  const { db, evaluator } = options;
  const now = options.now ?? (() => Date.now());
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));

  router.get('/rules', (req, res) => {
    parseOrThrow(NO_QUERY, req.query, 'query');
    const body: AlertRulesResponse = { rules: listRules(db) };
    res.json(body);
  });

  router.post('/rules', (req, res) => {
    const def = parseOrThrow(AlertRuleInput, req.body, 'body');
    const body: AlertRuleResponse = { rule: createRule(db, def, now(), 'api') };
    res.status(201).location(`${req.baseUrl}/rules/${body.rule.id}`).json(body);
  });

  router.get('/rules/:id', (req, res) => {
    const id = idOf(req);
    const rule = getRule(db, id);
    if (!rule) throw notFound(id);
    const body: AlertRuleResponse = { rule };
    res.json(body);
  });

  router.put('/rules/:id', (req, res) => {
    const id = idOf(req);
    const def = parseOrThrow(AlertRuleInput, req.body, 'body');
    const rule = replaceRule(db, id, def, now());
    if (!rule) throw notFound(id);
    const body: AlertRuleResponse = { rule };
    res.json(body);
  });

  router.patch('/rules/:id', (req, res) => {
    const id = idOf(req);
    const patch = parseOrThrow(AlertRulePatch, req.body, 'body');
    const existing = getRule(db, id);
    if (!existing) throw notFound(id);
    // Merge on the client's view of the rule; the whole result must still be a valid rule.
    const merged: Record<string, unknown> = { ...ruleDefinition(existing), ...patch };
    if (patch.filters && typeof patch.filters === 'object') merged.filters = { ...existing.filters, ...(patch.filters as object) };
    const def = parseOrThrow(AlertRuleInput, merged, 'body');
    const rule = replaceRule(db, id, def, now());
    if (!rule) throw notFound(id);
    const body: AlertRuleResponse = { rule };
    res.json(body);
  });

  router.delete('/rules/:id', (req, res) => {
    const id = idOf(req);
    if (!deleteRule(db, id)) throw notFound(id);
    res.status(204).end();
  });

  router.get('/events', (req, res) => {
    const query = parseOrThrow(AlertEventsQuery, req.query, 'query');
    const body: AlertEventsResponse = { events: listEvents(db, query) };
    res.json(body);
  });

  router.get('/firing', (req, res) => {
    const query = parseOrThrow(AlertStatesQuery, req.query, 'query');
    const body: AlertStatesResponse = { alerts: listStates(db, query.include) };
    res.json(body);
  });

  let changes = options.changes;
  // Reports of a SQLite store, by query, while its data has not changed (a scan of the whole
  // history takes a second at a million spans; a dashboard asks for the same one on every load).
  const reports = new Map<string, { version: string; report: ChangeReport }>();
  router.get('/changes', async (req, res) => {
    const query = parseOrThrow(AlertChangesQuery, req.query, 'query');
    changes ??= new SqliteStore(db, { ownsDb: false });
    // Taken before the scan: a write during it makes the next request scan again.
    const version = changes instanceof SqliteStore ? dataVersion(changes.db) : null;
    const key = JSON.stringify([query.from, query.to, query.directions]);
    const kept = reports.get(key);
    if (version !== null && kept?.version === version) {
      res.json(kept.report);
      return;
    }
    const report: ChangeReport = await detectChanges(changes, {
      ...(query.from !== undefined ? { fromMs: query.from } : {}),
      ...(query.to !== undefined ? { toMs: query.to } : {}),
      directions: query.directions,
    });
    if (version !== null) {
      if (reports.size >= 16) reports.clear();
      reports.set(key, { version, report });
    }
    res.json(report);
  });

  router.post('/evaluate', async (_req, res) => {
    if (!evaluator) throw new AlertsHttpError(404, 'not_found', 'no alert evaluator runs in this server');
    const r = await evaluator.tick();
    res.json({ evaluation: { ...r.evaluation }, deliveries: r.deliveries });
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let e: AlertsHttpError;
    if (err instanceof AlertsHttpError) e = err;
    else if (err instanceof DuplicateRuleNameError) e = new AlertsHttpError(409, 'invalid_parameter', err.message, 'name');
    else if ((err as { type?: unknown }).type === 'entity.parse.failed') e = new AlertsHttpError(400, 'bad_request', 'request body is not valid JSON');
    else if ((err as { type?: unknown }).type === 'entity.too.large') e = new AlertsHttpError(413, 'payload_too_large', 'request body is too large');
    else {
      console.error('genscope alerts API:', err);
      e = new AlertsHttpError(500, 'internal', 'internal error');
    }
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.param ? { param: e.param } : {}) } });
  };
  router.use(onError);
  return router;
}
