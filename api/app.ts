/**
 * The Express app factory. Order matters: browser defences, the key guard (api/auth.ts), then OTLP ingest (which reads
 * its own raw protobuf/JSON bodies, so it comes before JSON parsing), then the JSON body parser
 * with a size limit, the alerts router, the read API, exports, docs, static files, a JSON 404 and
 * the one error handler.
 */
import express from 'express';
import type { Express, RequestHandler, Router } from 'express';
import { SqliteStore, writeBudget } from '../store';
import type { ApiKeyLookup, Db, TelemetryStore } from '../store';
import { authGuard } from './auth';
import { hostAllowList, sameOriginWrites, securityHeaders } from './browser-guard';
import { DEFAULT_EXACT_PERCENTILE_MAX_ROWS, DEFAULT_MAX_BODY_BYTES } from './config';
import type { ApiConfig } from './config';
import type { RouteDeps } from './deps';
import { DOCS_PAGE_CSS, DOCS_PAGE_HTML, DOCS_PAGE_JS } from './docs-page';
import { errorHandler, notFoundHandler } from './errors';
import { openApiDocument } from './openapi';
import { exportRouter } from './routes/export';
import { readRouter } from './routes/read';
import { settingsRouter } from './routes/settings';

export interface CreateAppOptions {
  /** The store every read goes through (openStore). */
  store?: TelemetryStore;
  /** Shorthand for tests and tools: a SQLite database, wrapped in a SqliteStore (not closed by the app). */
  db?: Db;
  config?: ApiConfig;
  /** Current time in epoch ms (default Date.now); tests pass a fixed clock. */
  clock?: () => number;
  /**
   * Scoped API keys (SqliteKeyStore). With keys or a token, ingest needs an ingest key, writes an
   * admin key and reads a read key (unless config.openReads); see api/auth.ts.
   */
  keys?: ApiKeyLookup;
  /**
   * OTLP/HTTP ingest (api/ingest createIngestRouter: POST /v1/traces, /v1/metrics, /v1/logs), mounted at
   * the root before any body parsing; everything under /v1 needs an ingest key when keys exist.
   */
  ingestRouter?: Router | RequestHandler;
  /** Alerts routes, mounted at /api/v1/alerts after JSON parsing; writes need an admin key. */
  alertsRouter?: Router | RequestHandler;
  /** Built dashboard files, served at / (index.html for /). */
  staticDir?: string;
  /** Extra routes, added after the API and before static files and the 404 handler. */
  mount?: (app: Express) => void;
}

export function createApp(options: CreateAppOptions): Express {
  const config = options.config ?? {};
  const token = config.token && config.token.length > 0 ? config.token : undefined;
  const store =
    options.store ??
    (options.db
      ? new SqliteStore(options.db, { ownsDb: false, exactPercentileMaxRows: config.exactPercentileMaxRows ?? DEFAULT_EXACT_PERCENTILE_MAX_ROWS })
      : null);
  if (!store) throw new Error('createApp needs a store (or a db)');
  const deps: RouteDeps = { store, clock: options.clock ?? Date.now };
  // A budget from configuration (--budget-usd, GENSCOPE_MONTHLY_BUDGET_USD) is stored at start, so
  // it wins over one set from the dashboard before this start and can be changed from it after.
  if (config.monthlyBudgetUsd !== undefined) writeBudget(store.alertStateDb, config.monthlyBudgetUsd, 'config', deps.clock());
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('etag', false);
  // Before everything, ingest included: every response carries the headers, and no page of
  // another origin can make this server change state.
  app.use(securityHeaders);
  app.use(hostAllowList(config.allowedHosts ?? []));
  app.use(sameOriginWrites);
  // One guard decides from method and path, before any route, so no route can be left unguarded.
  app.use(authGuard({ token, keys: options.keys, openReads: config.openReads }));

  // The ingest router carries its own absolute paths (/v1/traces, /v1/metrics, /v1/logs).
  if (options.ingestRouter) app.use(options.ingestRouter);

  app.use('/api', express.json({ limit: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (options.alertsRouter) app.use('/api/v1/alerts', options.alertsRouter);

  app.use('/api/v1', readRouter(deps));
  app.use('/api/v1', exportRouter(deps));
  app.use('/api/v1', settingsRouter(deps));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.type('html').send(DOCS_PAGE_HTML);
  });
  app.get('/api/docs/docs.js', (_req, res) => {
    res.type('text/javascript').send(DOCS_PAGE_JS);
  });
  app.get('/api/docs/docs.css', (_req, res) => {
    res.type('text/css').send(DOCS_PAGE_CSS);
  });

  if (options.mount) options.mount(app);
  // Unknown API paths are JSON 404s even when static files are served.
  app.use('/api', notFoundHandler);
  if (options.staticDir) app.use(express.static(options.staticDir, { index: 'index.html', fallthrough: true }));
  app.use(notFoundHandler);
  app.use(errorHandler({ ...(config.logError ? { log: config.logError } : {}) }));
  return app;
}
