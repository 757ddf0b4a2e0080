/**
 * The self-observation health report: the store writer's, ingest gate's, span processor's and
 * retention's counters and the process memory, with a status that turns 'degraded' while
 * something is failing or saturated. Served by the server as JSON (createHealthHandler); the
 * same counters are stored as metrics by self-metrics.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SelfObservationSources } from '../instrumentation';

export interface SelfHealth {
  status: 'ok' | 'degraded';
  /** Why the status is degraded, one line each (empty when ok). */
  problems: string[];
  timeMs: number;
  process: { rssBytes: number; heapUsedBytes: number; uptimeSeconds: number };
  store: {
    batches: number;
    spans: number;
    metricPoints: number;
    logRecords: number;
    evaluationScores: number;
    rejected: number;
    busyRetries: number;
    failures: number;
    foldedValues: number;
    lastError: string | null;
    lastFailureAtMillis: number | null;
  } | null;
  spanProcessor: { queued: number; exported: number; failedSpans: number; dropped: number } | null;
  /** The store's write queue: records waiting while the database is busy, retries, records given up. */
  writeQueue: { pendingJobs: number; pendingRecords: number; retries: number; gaveUp: number; gaveUpRecords: number } | null;
  ingest: {
    inFlight: number;
    inFlightBytes: number;
    peakInFlight: number;
    peakInFlightBytes: number;
    requests: number;
    refused: number;
    maxInFlightRequests: number;
    maxInFlightBytes: number;
  } | null;
  /** The last damage check of the database file (PRAGMA quick_check at start and on a schedule). */
  quickCheck: { file: string; runs: number; lastRunAtMillis: number | null; lastDurationMillis: number | null; ok: boolean | null; problems: string[] } | null;
  retention: {
    runs: number;
    failures: number;
    running: boolean;
    lastRunAtMillis: number | null;
    lastError: string | null;
    deleted: Record<string, number>;
  } | null;
}

export interface HealthOptions {
  /** Epoch ms (injected in tests). Default Date.now. */
  clock?: () => number;
  /** A failure this recent makes the status degraded. Default 5 minutes. */
  recentMillis?: number;
}

/** The report at this moment. */
export function selfHealth(sources: SelfObservationSources, options: HealthOptions = {}): SelfHealth {
  const now = (options.clock ?? Date.now)();
  const recent = options.recentMillis ?? 5 * 60_000;
  const problems: string[] = [];
  const mem = process.memoryUsage();

  const w = sources.writer?.stats ?? null;
  if (w && w.lastFailureAtMillis !== null && now - w.lastFailureAtMillis <= recent)
    problems.push(`store: a write failed ${Math.round((now - w.lastFailureAtMillis) / 1000)} s ago (${w.failures} in all): ${w.lastError ?? ''}`);

  const sp = sources.spanProcessor?.() ?? null;
  if (sp && sp.failedSpans > 0) problems.push(`exporter: ${sp.failedSpans} spans could not be stored`);
  if (sp?.dropped) problems.push(`exporter: ${sp.dropped} spans dropped on a full queue while the store was busy`);

  const q = sources.queue?.stats ?? null;
  if (q && q.gaveUpRecords > 0)
    problems.push(`store: ${q.gaveUpRecords} records given up after the database stayed busy past the retry limit`);

  const gate = sources.ingest ?? null;
  const g = gate ? { ...gate.stats, ...gate.bounds } : null;
  if (g && g.inFlight >= g.maxInFlightRequests)
    problems.push(`ingest: at capacity (${g.inFlight} requests in flight); senders are told to retry`);

  const r = sources.retention?.stats ?? null;
  if (r && r.lastError !== null && r.lastRunAtMillis !== null && now - r.lastRunAtMillis <= recent && r.lastResult === null)
    problems.push(`retention: the last prune failed: ${r.lastError}`);

  const qc = sources.quickCheck?.stats ?? null;
  const qcOk = qc?.lastResult ? qc.lastResult.length === 1 && qc.lastResult[0] === 'ok' : null;
  if (qc && qcOk === false)
    problems.push(
      `store: ${qc.file} is damaged (quick_check: ${(qc.lastResult ?? []).slice(0, 3).join('; ')}). Stop genscope, restore the file from a backup or move it aside (\`sqlite3 ${qc.file} .recover\` may save its rows), and restart`,
    );

  return {
    status: problems.length > 0 ? 'degraded' : 'ok',
    problems,
    timeMs: now,
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, uptimeSeconds: Math.round(process.uptime()) },
    store: w ? { ...w } : null,
    spanProcessor: sp ? { queued: sp.queued, exported: sp.exported, failedSpans: sp.failedSpans, dropped: sp.dropped ?? 0 } : null,
    writeQueue: q
      ? {
          pendingJobs: q.pendingJobs,
          pendingRecords: q.pendingRecords,
          retries: q.retries,
          gaveUp: q.gaveUp,
          gaveUpRecords: q.gaveUpRecords,
        }
      : null,
    ingest: g,
    quickCheck: qc
      ? { file: qc.file, runs: qc.runs, lastRunAtMillis: qc.lastRunAtMillis, lastDurationMillis: qc.lastDurationMillis, ok: qcOk, problems: qcOk === false ? [...(qc.lastResult ?? [])] : [] }
      : null,
    retention: r
      ? {
          runs: r.runs,
          failures: r.failures,
          running: r.running,
          lastRunAtMillis: r.lastRunAtMillis,
          lastError: r.lastError,
          deleted: { ...r.deleted },
        }
      : null,
  };
}

/**
 * A node/Express GET handler answering the report as JSON (200 even when degraded: the body
 * says why; a probe that wants a failing status code can read `status`).
 * Mount: `createApp({ ..., mount: (app) => app.get('/api/v1/health/self', createHealthHandler(sources)) })`.
 */
export function createHealthHandler(
  sources: SelfObservationSources,
  options: HealthOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const body = Buffer.from(JSON.stringify(selfHealth(sources, options)));
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', String(body.length));
    res.end(body);
  };
}
