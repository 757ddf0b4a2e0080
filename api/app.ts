/**
 * The Express app factory. Order matters: the shared token guard, then OTLP ingest (which reads
 * its own raw protobuf/JSON bodies, so it comes before JSON parsing), then the JSON body parser
 * with a size limit, the alerts router, the read API, exports, docs, static files, a JSON 404 and
 * the one error handler.
 */
import express from 'express';
import type { Express, RequestHandler, Router } from 'express';
import type { Db } from '../store';
import { requireToken, requireTokenForWrites } from './auth';
import { sameOriginWrites, securityHeaders } from './browser-guard';
import { DEFAULT_EXACT_PERCENTILE_MAX_ROWS, DEFAULT_MAX_BODY_BYTES } from './config';
import type { ApiConfig } from './config';
import type { RouteDeps } from './deps';
import { DOCS_PAGE_HTML } from './docs-page';
import { errorHandler, notFoundHandler } from './errors';
import { openApiDocument } from './openapi';
import { exportRouter } from './routes/export';
import { readRouter } from './routes/read';

export interface CreateAppOptions {
  db: Db;
  config?: ApiConfig;
  /** Current time in epoch ms (default Date.now); tests pass a fixed clock. */
  clock?: () => number;
  /**
   * OTLP/HTTP ingest (api/ingest createIngestRouter: POST /v1/traces, /v1/metrics, /v1/logs), mounted at
   * the root before any body parsing; everything under /v1 needs the token when one is configured.
   */
  ingestRouter?: Router | RequestHandler;
  /** Alerts routes, mounted at /api/v1/alerts after JSON parsing; writes need the token. */
  alertsRouter?: Router | RequestHandler;
  /** Built dashboard files, served at / (index.html for /). */
  staticDir?: string;
  /** Extra routes, added after the API and before static files and the 404 handler. */
  mount?: (app: Express) => void;
}

export function createApp(options: CreateAppOptions): Express {
  const config = options.config ?? {};
  const token = config.token && config.token.length > 0 ? config.token : undefined;
  const deps: RouteDeps = {
    db: options.db,
    clock: options.clock ?? Date.now,
    monthlyBudgetUsd: config.monthlyBudgetUsd ?? null,
    exactPercentileMaxRows: config.exactPercentileMaxRows ?? DEFAULT_EXACT_PERCENTILE_MAX_ROWS,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('etag', false);
  // Before everything, ingest included: every response carries the headers, and no page of
  // another origin can make this server change state.
  app.use(securityHeaders);
  app.use(sameOriginWrites);

  if (options.ingestRouter) {
    // The ingest router carries its own absolute paths (/v1/traces, /v1/metrics, /v1/logs).
    app.use('/v1', requireToken(token));
    app.use(options.ingestRouter);
  }

  // Every other write anywhere needs the token.
  app.use(requireTokenForWrites(token));
  app.use('/api', express.json({ limit: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (options.alertsRouter) app.use('/api/v1/alerts', options.alertsRouter);

  app.use('/api/v1', readRouter(deps));
  app.use('/api/v1', exportRouter(deps));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.type('html').send(DOCS_PAGE_HTML);
  });

  if (options.mount) options.mount(app);
  // Unknown API paths are JSON 404s even when static files are served.
  app.use('/api', notFoundHandler);
  if (options.staticDir) app.use(express.static(options.staticDir, { index: 'index.html', fallthrough: true }));
  app.use(notFoundHandler);
  app.use(errorHandler({ ...(config.logError ? { log: config.logError } : {}) }));
  return app;
}
