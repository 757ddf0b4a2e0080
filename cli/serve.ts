/**
 * `genscope serve` and `genscope start`: the server process. One database, one StoreWriter
 * shared by OTLP ingest; the REST API, alerts (rules, evaluation loop, webhooks), retention,
 * and the dashboard's static files. Graceful shutdown on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiConfigFromEnv, startServer } from '../api';
import type { ServerHandle } from '../api';
import { DecodePool, createIngestRouter } from '../api/ingest';
import {
  AlertEvaluator,
  createAlertsRouter,
  ensureDefaultAlertRules,
  replayRules,
  seedAlertRulesFromFile,
  webhookNotifiers,
} from '../alerts';
import express from 'express';
import { createPriceBook, loadPriceOverrides } from '../exporter';
import { openDatabase, openStore, parseStoreUrl, readBudget, redactStoreUrl, simulatedPresent, SqliteKeyStore, StoreIngestWriter, StoreUrlError, writeBudget } from '../store';
import type { Db, TelemetryStore } from '../store';
import { dbPath, intOption, numberOption, parse, UsageError, write } from './args';
import type { Io } from './args';
import { formatDemoReport, generateDemo } from './demo';
import { QuickCheck, RetentionScheduler, SqliteStore, StoreWriter, WriteQueue } from '../store';
import { IngestGate, allowedHostNames, createHealthHandler } from '../api';
import { startSelfTelemetry } from '../instrumentation';
import type { SelfObservationSources } from '../instrumentation';
import { resolveDbPath } from '../instrumentation';

/** The monthly budget shown with the simulated demo history (its spend is about $13 a month). */
export const DEMO_MONTHLY_BUDGET_USD = 15;

const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  'open-reads': { type: 'boolean' },
  'public-url': { type: 'string' },
  'webhook-hosts': { type: 'string' },
  'budget-usd': { type: 'string' },
  alerts: { type: 'string' },
  prices: { type: 'string' },
  'retention-days': { type: 'string' },
  'alert-interval-seconds': { type: 'string' },
  'no-demo': { type: 'boolean' },
  store: { type: 'string' },
} as const;

const HELP = (command: 'serve' | 'start') => `Usage: genscope ${command} [--db PATH] [--host H] [--port N] [options]

${
  command === 'start'
    ? `Opens the database (default: GENSCOPE_DB, else the per-user data directory), fills it with the labelled SIMULATED demo
history when it is empty (--no-demo to skip), builds nothing, serves the API, OTLP ingest and
the dashboard, and prints the URL. \`npm start\` builds first, then runs this.`
    : 'Serves the REST API (/api/v1), OTLP/HTTP ingest (/v1/traces, /v1/metrics, /v1/logs) and the dashboard (/).'
}

  --store URL                  the telemetry store (GENSCOPE_STORE; default: the SQLite file of --db):
                               clickhouse://user:pass@host:8123/db reads the Collector's otel_traces and
                               writes OTLP ingest there; chdb:///abs/dir?database=db is the embedded
                               engine (testing, one machine; creates otel_traces). --db then names the
                               local SQLite file for alert rules, states, keys and self-metrics.
                               Options in the URL: query_timeout_s (default 30), traces_table, cluster,
                               replicated=1, retention_days, rollup_retention_days
  --host H                     address to bind (GENSCOPE_HOST; default 127.0.0.1: loopback only)
  --port N                     port (GENSCOPE_PORT; default 4000; 0 = any free port)
  --token T                    an admin key T ("Authorization: Bearer T"); like any key, it makes
                               ingest, writes and reads need a key (GENSCOPE_TOKEN)
  --public-url URL             how people reach this server (GENSCOPE_PUBLIC_URL), e.g.
                               http://genscope.internal:4000; requests naming any other host than
                               it, --host, localhost or an IP address are refused (DNS rebinding)
  --open-reads                 reads (dashboard data, exports) need no key even when keys exist
                               (GENSCOPE_OPEN_READS=1). Keys: genscope keys --help
  --budget-usd N               monthly model budget for the runway panel (GENSCOPE_MONTHLY_BUDGET_USD)
  --alerts FILE                alert rules and webhooks to seed: {"rules": [...], "webhooks": [...]}
  --webhook-hosts H,H          the only hosts (or host:port) webhooks may send to (GENSCOPE_WEBHOOK_HOSTS);
                               a webhook elsewhere stops start-up. Redirects to another origin are never followed
  --prices FILE                price overrides for ingested GenAI spans
  --retention-days N           prune raw spans older than N days (GENSCOPE_RETENTION_DAYS; default 90)
  --alert-interval-seconds N   how often alert rules are evaluated (default 60)${command === 'start' ? '\n  --no-demo                    do not fill an empty database with the demo history' : ''}
`;

/**
 * Opens the server's database, turning SQLite's terse refusals of a damaged or read-only file
 * into one line naming the file and the fix (a server must never start on such a file silently).
 */
function openOrExplain(file: string, busyTimeoutMillis: number, log: (line: string) => void): Db {
  try {
    // FULL: a batch answered 200 is on disk even after a power loss (ingest acknowledges commits).
    const db = openDatabase(file, {
      busyTimeoutMillis,
      synchronous: 'FULL',
      // An upgrade runs before the server listens: say what it is doing (minutes on a big file).
      onMigration: (m, phase, ms) =>
        log(
          phase === 'start'
            ? `store: upgrading ${file} to schema ${m.version} (${m.name}), once; on a large file this takes a while ...`
            : `store: schema ${m.version} (${m.name}) applied in ${(ms / 1000).toFixed(1)} s`,
        ),
    });
    // SQLite opens a file it may not write read-only without a word, and an up-to-date schema
    // needs no write to migrate: a rolled-back write of the header proves the file is writable.
    // (A write lock held by another process proves nothing either way: the server starts, as before.)
    try {
      db.exec('BEGIN IMMEDIATE');
      db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
    } catch (err) {
      if (!/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? ''))) {
        db.close();
        throw err;
      }
    } finally {
      if (db.open && db.inTransaction) db.exec('ROLLBACK');
    }
    return db;
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    const why = err instanceof Error ? err.message : String(err);
    if (/^SQLITE_(NOTADB|CORRUPT)/.test(code))
      throw new Error(
        `${file} is damaged or not a genscope database (${code}: ${why}). Restore it from a backup, or move it aside to start with a new one; \`sqlite3 ${file} .recover\` may save its rows`,
      );
    if (/^SQLITE_(READONLY|CANTOPEN)/.test(code))
      throw new Error(`${file} cannot be written (${code}: ${why}). genscope serve needs write access to the file and its directory; fix the permissions or choose another --db`);
    throw err;
  }
}

/** A comma-separated list option, trimmed, empty entries dropped. */
function listOption(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Where the built dashboard lives (dist/ is next to the sources after `npm run build`). */
function dashboardDir(): string | undefined {
  const candidates = [
    path.join(__dirname, '..', '..', 'dashboard', 'dist'),
    path.join(__dirname, '..', 'dashboard', 'dist'),
  ];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
}

export interface RunningServer {
  handle: ServerHandle;
  /** The SQLite file: the telemetry store's, or with --store clickhouse the local state file. */
  db: Db;
  /** The scheduled damage check (runNow() checks on demand). */
  quickCheck: QuickCheck;
  /** The ClickHouse store when --store named one, else null (SQLite). */
  store: TelemetryStore | null;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The database file. Default: GENSCOPE_DB of env, else the per-user data directory. */
  db?: string;
  /**
   * A ClickHouse store URL (clickhouse://, clickhouses://, chdb://; default GENSCOPE_STORE of env):
   * reads and OTLP ingest go there, and `db` becomes the local state file.
   */
  store?: string;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 4000; 0 = any free port (see handle.url). */
  port?: number;
  /** An admin key held in memory (see api/auth.ts). */
  token?: string;
  /** Reads need no key even when keys exist. */
  openReads?: boolean;
  /** The URL people use to reach the server; its host joins the Host allow-list. */
  publicUrl?: string;
  /** The only hosts (host or host:port) webhooks may send to; default: any. */
  webhookHosts?: string[];
  monthlyBudgetUsd?: number;
  alertsFile?: string;
  pricesFile?: string;
  /** Default 90. */
  retentionDays?: number;
  /** Default 60 000. */
  alertIntervalMillis?: number;
  /** Where GENSCOPE_* settings are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: nothing is logged. */
  log?: (line: string) => void;
  /** Bounds of OTLP requests held at once; past them ingest answers 503 + Retry-After. */
  maxInFlightRequests?: number;
  maxInFlightBytes?: number;
  retryAfterSeconds?: number;
  selfMetricsIntervalMillis?: number;
  /** Distinct values per rollup dimension per hour before folding into '(other)'. */
  maxValuesPerHour?: number;
  /**
   * SQLite's busy timeout: a blocking wait, so a few ms at most on a server. A lock held longer by
   * another process is waited for by the write queue on a timer (other requests are served).
   * Default 5.
   */
  busyTimeoutMillis?: number;
  /** How long an ingest request's write is retried on a busy database before a 503 + Retry-After. Default 2 000. */
  busyRetryMillis?: number;
  /** How often the file is checked for damage (PRAGMA quick_check; also once at start). Default 6 hours. */
  quickCheckIntervalMillis?: number;
}

/** Opens the database and starts every part of the server; stop() undoes it in order. */
export async function startGenscopeServer(options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const o = {
    ...options,
    env,
    log: options.log ?? (() => undefined),
    retentionDays: options.retentionDays ?? 90,
    alertIntervalMillis: options.alertIntervalMillis ?? 60_000,
  };
  const file = resolveDbPath(options.db, env);
  const prices = createPriceBook(o.pricesFile ? loadPriceOverrides(o.pricesFile) : { models: {} });
  const storeUrl = options.store ?? env.GENSCOPE_STORE;
  const selection = parseStoreUrl(storeUrl);
  let store: TelemetryStore | null = null;
  if (selection.kind !== 'sqlite' && storeUrl) {
    store = await openStore(storeUrl, {
      stateFile: file,
      writer: { prices },
      // The embedded engine has no Collector in front: genscope writes otel_traces itself.
      ...(selection.kind === 'chdb' ? { createTracesTable: 'map' as const } : {}),
    });
    o.log(`store: ClickHouse ${selection.kind === 'chdb' ? 'embedded engine' : 'server'} ${redactStoreUrl(storeUrl)} (state file ${file})`);
  }
  const db = store ? store.alertStateDb : openOrExplain(file, o.busyTimeoutMillis ?? 5, o.log);
  const writer = new StoreWriter(db, {
    prices,
    ...(o.maxValuesPerHour ? { cardinality: { maxValuesPerHour: o.maxValuesPerHour } } : {}),
  });
  // Requests arriving together share a transaction; a busy database is retried on a timer.
  const queue = new WriteQueue(writer, { coalesce: true, maxRetryMillis: o.busyRetryMillis ?? 2_000 });
  const now = () => Date.now();
  const config = apiConfigFromEnv(o.env, {
    ...(o.token ? { token: o.token } : {}),
    ...(o.openReads !== undefined ? { openReads: o.openReads } : {}),
    allowedHosts: allowedHostNames({ host: o.host, publicUrl: o.publicUrl ?? env.GENSCOPE_PUBLIC_URL }),
    ...(o.monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd: o.monthlyBudgetUsd } : {}),
  });

  ensureDefaultAlertRules(db, now());
  let webhooks: ReturnType<typeof webhookNotifiers> = [];
  if (o.alertsFile) {
    const seeded = seedAlertRulesFromFile(db, o.alertsFile, now());
    const hosts = o.webhookHosts ?? listOption(env.GENSCOPE_WEBHOOK_HOSTS);
    webhooks = webhookNotifiers(seeded.config.webhooks ?? [], hosts.length ? { allowedHosts: hosts } : {});
  }
  // Panels and alerts read through one store that knows the retention, so the grain planner never
  // expects minute rollups or raw rows that retention has already pruned.
  const reader: TelemetryStore =
    store ??
    new SqliteStore(db, {
      ownsDb: false,
      existingWriter: writer,
      retentionDays: o.retentionDays,
      // The alert evaluator's reads (seconds at 10M spans) must not stall the requests.
      offThreadMetricReads: true,
      ...(config.exactPercentileMaxRows !== undefined ? { exactPercentileMaxRows: config.exactPercentileMaxRows } : {}),
    });
  const evaluator = new AlertEvaluator({ db, store: reader, now, notifiers: webhooks });
  const retention = new RetentionScheduler(db, {
    retentionDays: o.retentionDays,
    onError: (err) => o.log(`retention: ${String(err)}`),
  });
  const gate = new IngestGate({
    ...(o.maxInFlightRequests ? { maxInFlightRequests: o.maxInFlightRequests } : {}),
    ...(o.maxInFlightBytes ? { maxInFlightBytes: o.maxInFlightBytes } : {}),
  });
  // Decoding runs in worker threads with bounded heaps, so no body stalls the event loop.
  const decoder = new DecodePool();
  const ingestRouter = express.Router();
  ingestRouter.use(gate.middleware);
  ingestRouter.use(
    createIngestRouter({
      writer: store ? new StoreIngestWriter(store) : queue,
      decoder,
      onBackpressure: gate.overloaded,
      // No token here: the app's key guard (api/auth.ts) has already admitted the request.
      retryAfterSeconds: o.retryAfterSeconds ?? 1,
    }),
  );
  const quickCheck = new QuickCheck(file);
  const sources: SelfObservationSources = { writer: store ? { stats: store.writerStats } : writer, queue, ingest: gate, retention, quickCheck };
  const self = startSelfTelemetry({ writer: queue, sources, exportIntervalMillis: o.selfMetricsIntervalMillis ?? 10_000 });

  const staticDir = dashboardDir();
  let handle: ServerHandle;
  try {
    handle = await startServer({
      db,
      store: reader,
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 4000,
      config,
      keys: new SqliteKeyStore(db),
      ingestRouter,
      alertsRouter: createAlertsRouter({ db, evaluator, now, changes: reader }),
      mount: (app) => {
        app.get('/api/v1/health/self', createHealthHandler(sources));
      },
      ...(staticDir ? { staticDir } : {}),
    });
  } catch (err) {
    await self.shutdown();
    await decoder.close();
    if (store) await store.close();
    else db.close();
    throw err;
  }
  evaluator.start(o.alertIntervalMillis, { immediate: true });
  retention.start(3_600_000);
  quickCheck.start(o.quickCheckIntervalMillis ?? 6 * 3_600_000, (result) => {
    if (!quickCheck.healthy) o.log(`store: ${file} is damaged (quick_check: ${result.join('; ')}); see /api/v1/health/self`);
  });
  if (!staticDir) o.log('note: the dashboard is not built (run `npm run build`); the API and ingest are served.');
  let stopping: Promise<void> | null = null;
  return {
    handle,
    db,
    quickCheck,
    store,
    stop() {
      stopping ??= (async () => {
        quickCheck.stop();
        await handle.close();
        await decoder.close();
        await evaluator.stop();
        await retention.stop();
        await self.shutdown();
        await queue.flush();
        if (store) await store.close();
        else {
          await reader.close();
          db.close();
        }
      })();
      return stopping;
    },
  };
}

async function serveCommand(argv: string[], io: Io, command: 'serve' | 'start'): Promise<number> {
  const { values } = parse(argv, SERVE_OPTIONS, command);
  if (values.help) {
    write(io.stdout, HELP(command));
    return 0;
  }
  const file = dbPath(values.db, io.env);
  const storeUrl = values.store ?? io.env.GENSCOPE_STORE;
  let clickhouse = false;
  try {
    clickhouse = parseStoreUrl(storeUrl).kind !== 'sqlite';
  } catch (err) {
    if (err instanceof StoreUrlError) throw new UsageError(`--store: ${err.message}`);
    throw err;
  }
  if (values.store !== undefined && !clickhouse)
    throw new UsageError(`--store "${redactStoreUrl(values.store)}" is not a clickhouse://, clickhouses:// or chdb:// URL (the SQLite file is --db)`);
  const host = values.host ?? io.env.GENSCOPE_HOST ?? '127.0.0.1';
  const port = intOption('port', values.port ?? io.env.GENSCOPE_PORT, 4000, 0, 65_535);
  const budget = values['budget-usd'];
  const retentionDays = intOption('retention-days', values['retention-days'] ?? io.env.GENSCOPE_RETENTION_DAYS, 90, 1, 36_500);
  const publicUrl = values['public-url'] ?? io.env.GENSCOPE_PUBLIC_URL;
  if (publicUrl !== undefined) {
    let u: URL | null = null;
    try {
      u = new URL(publicUrl);
    } catch {
      u = null;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname)
      throw new UsageError(`--public-url must be an http:// or https:// URL such as http://genscope.internal:4000 (got "${publicUrl}")`);
  }
  const alertIntervalMillis = numberOption('alert-interval-seconds', values['alert-interval-seconds'], 60, 1, 86_400) * 1000;

  if (command === 'start' && !values['no-demo'] && !clickhouse) {
    const db = openDatabase(file);
    const spans = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    db.close();
    if (spans === 0) {
      write(io.stdout, `${file} is empty: generating the labelled demo history (SIMULATED data; --no-demo to skip) ...`);
      const report = await generateDemo({ db: file, log: (l) => write(io.stdout, l) });
      write(io.stdout, formatDemoReport(report, file));
      // Let the default alert rules see the history as if the server had been running, so
      // the alerts panel and chart markers have past events (replayed events send no webhooks).
      const db = openDatabase(file);
      const nowMs = Date.now();
      ensureDefaultAlertRules(db, nowMs);
      const replay = replayRules(db, { fromMs: Date.parse(`${report.startDate}T00:00:00Z`), toMs: nowMs, stepMillis: 6 * 3_600_000 });
      db.close();
      write(io.stdout, `  alert rules replayed over the history: ${replay.events.length} alert events`);
    }
  }

  // A demo database gets a labelled demo budget once, so the runway panel has something to show;
  // it is stored like any budget, so it stays across restarts until the dashboard, PUT
  // /api/v1/budget or --budget-usd replaces it.
  if (command === 'start' && budget === undefined && !io.env.GENSCOPE_MONTHLY_BUDGET_USD && !clickhouse) {
    const db = openDatabase(file);
    try {
      if (readBudget(db) === null && simulatedPresent(db)) writeBudget(db, DEMO_MONTHLY_BUDGET_USD, 'demo', Date.now());
    } finally {
      db.close();
    }
  }

  let running: RunningServer;
  try {
    running = await startGenscopeServer({
      db: file,
      ...(clickhouse && storeUrl ? { store: storeUrl } : {}),
      host,
      port,
      ...(values.token ? { token: values.token } : {}),
      ...(values['open-reads'] ? { openReads: true } : {}),
      ...(publicUrl ? { publicUrl } : {}),
      ...(values['webhook-hosts'] !== undefined ? { webhookHosts: listOption(values['webhook-hosts']) } : {}),
      ...(budget !== undefined ? { monthlyBudgetUsd: numberOption('budget-usd', budget, 0) } : {}),
      ...(values.alerts ? { alertsFile: values.alerts } : {}),
      ...(values.prices ? { pricesFile: values.prices } : {}),
      retentionDays,
      alertIntervalMillis,
      env: io.env,
      log: (l) => write(io.stdout, l),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use; choose another with --port N or GENSCOPE_PORT`);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new UsageError(`cannot listen on ${host}:${port} (${code}); choose another --host or --port`);
    throw err;
  }
  write(io.stdout, `genscope is serving ${clickhouse && storeUrl ? `${redactStoreUrl(storeUrl)} (state: ${file})` : file}`);
  write(io.stdout, `  dashboard  ${running.handle.url}/${publicUrl ? `  (public: ${publicUrl})` : ''}`);
  write(io.stdout, `  API        ${running.handle.url}/api/v1  (reference: ${running.handle.url}/api/docs)`);
  write(io.stdout, `  OTLP/HTTP  ${running.handle.url}/v1/traces, /v1/metrics, /v1/logs`);
  const stored = readBudget(running.db);
  write(
    io.stdout,
    stored === null
      ? '  budget     none set (set one on the dashboard, with PUT /api/v1/budget or --budget-usd)'
      : `  budget     $${stored.monthlyUsd}/month${stored.source === 'demo' ? ' for the SIMULATED demo' : stored.source === 'config' ? ' (--budget-usd / GENSCOPE_MONTHLY_BUDGET_USD)' : ' (set from the dashboard or the API)'}; change it on the dashboard or with PUT /api/v1/budget`,
  );
  const keyStore = new SqliteKeyStore(running.db);
  const liveKeys = keyStore.list().filter((k) => k.revokedAtMs === null).length;
  const keyed = keyStore.anyKeys() || Boolean(values.token || io.env.GENSCOPE_TOKEN?.trim());
  const openReads = Boolean(values['open-reads']) || ['1', 'true'].includes(io.env.GENSCOPE_OPEN_READS?.trim().toLowerCase() ?? '');
  write(
    io.stdout,
    keyed
      ? `  access     keys required for ingest and writes${openReads ? '; reads are open (--open-reads)' : ' and reads'} (${liveKeys} stored key${liveKeys === 1 ? '' : 's'}${values.token || io.env.GENSCOPE_TOKEN ? ' + the --token admin key' : ''})`
      : '  access     open: no keys (create one with `genscope keys create --scope admin`)',
  );
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1' && !running.handle.url.includes('127.0.0.1'))
    write(io.stdout, `  note: bound to ${host}, reachable from other machines${keyed ? '' : ' with NO key: create keys with `genscope keys create` or set --token'}`);

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      write(io.stdout, 'shutting down ...');
      running.stop().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

export const runServe = (argv: string[], io: Io) => serveCommand(argv, io, 'serve');
export const runStart = (argv: string[], io: Io) => serveCommand(argv, io, 'start');
