/**
 * The OTLP/HTTP receiver: POST /v1/traces, /v1/metrics and /v1/logs, JSON or protobuf, identity or gzip,
 * answered in the request's encoding as the OTLP specification asks. It reads raw bodies itself,
 * so it must be mounted before any body parser. The request is answered after its records are
 * committed: a 200 means they are stored. With a WriteQueue as the writer, requests arriving
 * together share one transaction, and a busy database is retried on a timer (other requests keep
 * being served) until the queue gives up, then answered 503 + Retry-After.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Router } from 'express';
import { contentCodingOf, readRawBody } from './body';
import type { DecodeBounds } from './bounds';
import { encodingOf } from './decode';
import { inlineDecoder } from './decode-pool';
import type { IngestDecoder } from './decode-pool';
import type { DecodeResult } from './decode-task';
import type { OtlpEncoding } from './decode';
import { IngestError } from './errors';
import type { IngestLimits } from './limits';
import { statusBody, successBody } from './respond';
import type { ResponseBody, Signal } from './respond';
import { writeJob } from '../../store';
import type { AnyTelemetryWriter, WriteResult } from '../../store';

export interface IngestRouterOptions {
  /** Where accepted records go (a coalescing WriteQueue over the StoreWriter in production). */
  writer: AnyTelemetryWriter;
  /** When set, every request must carry `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Limit on the request body, before and after decompression (413 past it). Default 16 MiB. */
  maxBodyBytes?: number;
  /** Asked before each request; true means the writer is behind, so answer 503 + Retry-After. */
  onBackpressure?: () => boolean;
  /** Retry-After sent with 503 answers. Default 5. */
  retryAfterSeconds?: number;
  /** Bounds on strings, attributes, events and links per record. */
  limits?: Partial<IngestLimits>;
  /** Bounds on the work of decoding one body (elements, nesting); 413 / 400 past them. */
  bounds?: Partial<DecodeBounds>;
  /**
   * Where bodies are decompressed and decoded. The server passes a DecodePool (worker threads);
   * the default decodes on the event loop, which blocks other requests while it runs.
   */
  decoder?: IngestDecoder;
  /** Told about unexpected failures (a 500 or a 503 from the store). Default: console.error. */
  onError?: (err: unknown, context: string) => void;
}

/**
 * The OTLP spec recommends 64 MiB; decoded telemetry takes several times its wire size in memory
 * and SDK batches are far smaller (512 spans), so we default lower. Configurable.
 */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

interface Outcome {
  /** Records refused by the decoder and the writer together. */
  rejected: number;
  messages: string[];
}

const NOTHING_WRITTEN: WriteResult = { accepted: 0, rejected: 0, warnings: [] };

const OTLP_PATHS: Readonly<Record<Signal, string>> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };

function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m || m[1] === undefined) return false;
  return crypto.timingSafeEqual(sha256(m[1]), expectedDigest);
}

/** SQLite errors that pass (a lock held elsewhere, a full or failing disk): the client should retry. */
/**
 * What to answer when the store refused a batch (nothing of it is committed): a status and a
 * message naming the cause and the fix, or null for an error that is not the store's condition.
 * Disk full is 507 (the sender learns it is not a busy moment); the others are 503 + Retry-After,
 * as they pass (a lock, an I/O hiccup) or need an operator (read-only or damaged file) while
 * reads keep working.
 */
export function storeFailure(err: unknown): { status: 503 | 507; message: string } | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_FULL'))
    return { status: 507, message: 'the disk holding the database is full (SQLITE_FULL): nothing of this request was stored; free space, or lower --retention-days, and retry' };
  if (code.startsWith('SQLITE_READONLY'))
    return { status: 503, message: `the database is read-only (${code}): nothing was stored; make the file and its directory writable and restart genscope` };
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))
    return { status: 503, message: `the database file is damaged (${code}): nothing was stored; see /api/v1/health and restore it from a backup` };
  if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL)/.test(code)) return { status: 503, message: 'the store is busy; retry later' };
  return null;
}

function send(
  res: ServerResponse,
  status: number,
  reply: ResponseBody,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', reply.contentType);
  res.setHeader('Content-Length', String(reply.body.length));
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(reply.body);
}

/** Express router serving POST /v1/traces, /v1/metrics and /v1/logs. Mount it before body parsers. */
export function createIngestRouter(options: IngestRouterOptions): Router {
  const { writer, onBackpressure } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const retryAfter = String(Math.max(1, Math.round(options.retryAfterSeconds ?? 5)));
  const tokenDigest = options.token ? sha256(options.token) : null;
  const { limits, bounds } = options;
  const decoder = options.decoder ?? inlineDecoder;
  const onError =
    options.onError ??
    ((err: unknown, context: string): void => {
      console.error(`genscope ingest: ${context}:`, err);
    });

  /** When this resolves, the accepted records are committed. */
  async function store(result: DecodeResult): Promise<Outcome> {
    const decoded = result.decoded;
    let written: WriteResult = NOTHING_WRITTEN;
    if (result.signal === 'traces') {
      if (result.decoded.spans.length > 0) written = await writeJob(writer, { kind: 'spans', records: result.decoded.spans });
    } else if (result.signal === 'metrics') {
      if (result.decoded.points.length > 0) written = await writeJob(writer, { kind: 'points', records: result.decoded.points });
    } else if (result.decoded.records.length > 0) {
      written = await writeJob(writer, { kind: 'logs', records: result.decoded.records });
    }
    return {
      rejected: decoded.rejected + written.rejected,
      messages: [...decoded.warnings, ...written.warnings],
    };
  }

  async function handle(signal: Signal, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const encoding = encodingOf(req.headers['content-type']);
    // Errors go back in the request's encoding; JSON when the request named no OTLP type.
    const replyEncoding: OtlpEncoding = encoding ?? 'json';
    try {
      if (tokenDigest && !tokenMatches(req.headers.authorization, tokenDigest)) {
        send(res, 401, statusBody(replyEncoding, 401, 'missing or wrong bearer token'), {
          'WWW-Authenticate': 'Bearer',
        });
        req.resume();
        return;
      }
      if (encoding === null)
        throw new IngestError(
          415,
          `unsupported Content-Type "${req.headers['content-type'] ?? ''}": use application/json or application/x-protobuf`,
        );
      const coding = contentCodingOf(req.headers['content-encoding']);
      if (coding === null)
        throw new IngestError(
          415,
          `unsupported Content-Encoding "${req.headers['content-encoding'] ?? ''}": use gzip or identity`,
        );
      if (onBackpressure?.()) {
        send(res, 503, statusBody(encoding, 503, 'the store is behind; retry later'), {
          'Retry-After': retryAfter,
        });
        req.resume();
        return;
      }
      if (req.readableEnded)
        throw new IngestError(
          500,
          'ingest misconfigured: a body parser consumed the request; mount the ingest router first',
        );

      const raw = await readRawBody(req, maxBodyBytes);
      const decoded = await decoder.decode({
        signal,
        body: raw,
        contentType: req.headers['content-type'] ?? '',
        coding,
        maxBodyBytes,
        limits,
        bounds,
      });
      let outcome: Outcome;
      try {
        outcome = await store(decoded);
      } catch (err) {
        // The store refused the batch in its transaction: nothing from this request is committed.
        const failure = err instanceof IngestError ? null : storeFailure(err);
        if (failure) {
          onError(err, `storing ${signal} failed (${failure.status})`);
          send(res, failure.status, statusBody(encoding, failure.status, failure.message), {
            'Retry-After': retryAfter,
          });
          return;
        }
        throw err;
      }
      send(res, 200, successBody(signal, encoding, outcome.rejected, outcome.messages));
    } catch (err) {
      if (err instanceof IngestError) {
        // A 413 may leave part of the body unread: close rather than reuse the connection.
        const headers: Record<string, string> = err.status === 413 ? { Connection: 'close' } : {};
        send(res, err.status, statusBody(replyEncoding, err.status, err.message), headers);
        return;
      }
      onError(err, `handling ${OTLP_PATHS[signal]}`);
      send(res, 500, statusBody(replyEncoding, 500, 'internal error while storing telemetry'));
    }
  }

  // Strict and case-sensitive: only the spellings the OTLP specification names reach ingest.
  const router = express.Router({ caseSensitive: true, strict: true });
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const path = OTLP_PATHS[signal];
    router.post(path, (req, res) => handle(signal, req, res));
    router.all(path, (req, res) => {
      send(
        res,
        405,
        statusBody(
          encodingOf(req.headers['content-type']) ?? 'json',
          405,
          `${req.method} not allowed; use POST`,
        ),
        {
          Allow: 'POST',
        },
      );
    });
  }
  return router;
}
