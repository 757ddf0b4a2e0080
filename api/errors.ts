/**
 * The API's one error type and its one error handler: every failure leaves the server as
 * `{ "error": { "code", "message", "param"? } }`, zod issues name the parameter, and anything
 * unexpected is logged and answered as a 500 without internals.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiError, ErrorCode } from '../schema/api';
import { QueryError } from '../store';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The most specific message of a zod issue (union branches hide the useful one). */
function issueMessage(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest: its first issue.
    const branch = issue.errors.find((e) => e.length > 0 && e[0]?.code !== 'invalid_type') ?? issue.errors[0];
    const first = branch?.[0];
    if (first) {
      const inner = issueMessage(first);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
  }
  if (issue.code === 'unrecognized_keys') {
    return { path: issue.keys.length === 1 ? [issue.keys[0] ?? ''] : [], message: `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return { path: issue.path, message: 'is required' };
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return { path: issue.path, message: `must be one of ${issue.values.map((v) => String(v)).join(', ')}` };
  }
  return { path: issue.path, message: issue.message };
}

/** A zod error as a 400 naming the first offending parameter (`where` is 'query' or 'path'). */
export function zodToHttpError(err: z.ZodError, where: string): HttpError {
  const first = err.issues[0];
  if (!first) return new HttpError(400, 'invalid_parameter', `invalid ${where}`);
  const { path, message } = issueMessage(first);
  const param = path.map((p) => String(p)).join('.');
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : '';
  return param
    ? new HttpError(400, 'invalid_parameter', `${where} parameter "${param}": ${message}${more}`, param)
    : new HttpError(400, 'invalid_parameter', `${where}: ${message}${more}`);
}

export function errorBody(code: ErrorCode, message: string, param?: string): ApiError {
  return { error: { code, message, ...(param !== undefined ? { param } : {}) } };
}

/** Unknown routes: a JSON 404 (not Express's HTML page). */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.originalUrl.split('?')[0]?.slice(0, 200) ?? ''}`));
};

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

export interface ErrorHandlerOptions {
  /** Where unexpected errors are reported (default console.error). */
  log?: (message: string, err: unknown) => void;
}

/**
 * A read the store could not answer because of the store's condition, not the request: a damaged
 * file, a read-only or failing disk, a lock held elsewhere. A 503 naming the cause and the fix
 * (never a 500), or null for any other error.
 */
export function storeReadFailure(err: unknown): HttpError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
    return new HttpError(503, 'store_unavailable', `the database file is damaged (${code}); see /api/v1/health/self for the file, and restore it from a backup`);
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new HttpError(503, 'store_unavailable', `the store is busy (${code}); retry later`);
  if (/^SQLITE_(IOERR|CANTOPEN|READONLY|FULL|PROTOCOL)/.test(code))
    return new HttpError(503, 'store_unavailable', `the disk holding the database failed (${code}); see /api/v1/health/self`);
  return null;
}

/** The one error middleware: HttpError, zod and body-parser errors -> their status; store conditions -> 503; rest -> 500. */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const log = options.log ?? ((message: string, err: unknown) => console.error(message, err));
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // A stream failed mid-answer: nothing sensible can be sent; cut the connection.
      log(`genscope api: ${req.method} ${req.path} failed after the response started`, err);
      res.destroy();
      return;
    }
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err instanceof QueryError) e = new HttpError(err.status, err.code, err.message, err.param);
    else if (err instanceof z.ZodError) e = zodToHttpError(err, 'request');
    else {
      const bp = err as BodyParserError;
      if (bp && typeof bp === 'object' && typeof bp.type === 'string' && typeof bp.status === 'number') {
        // body-parser / raw-body errors carry a status and a type; their messages are safe.
        if (bp.type === 'entity.too.large') e = new HttpError(413, 'payload_too_large', 'request body too large');
        else if (bp.type === 'entity.parse.failed') e = new HttpError(400, 'bad_request', 'request body is not valid JSON');
        else if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported')
          e = new HttpError(415, 'unsupported_media_type', 'unsupported content encoding or charset');
        else e = new HttpError(bp.status >= 400 && bp.status < 500 ? bp.status : 400, 'bad_request', 'malformed request body');
      } else if (err instanceof URIError) {
        e = new HttpError(400, 'bad_request', 'malformed URL encoding');
      } else {
        const store = storeReadFailure(err);
        if (store) {
          log(`genscope api: ${req.method} ${req.path}: ${store.message}`, err);
          res.setHeader('Retry-After', '30');
          res.status(store.status).json(errorBody(store.code, store.message));
          return;
        }
        log(`genscope api: ${req.method} ${req.path} failed`, err);
        e = new HttpError(500, 'internal', 'internal error');
      }
    }
    res.status(e.status).json(errorBody(e.code, e.message, e.param));
  };
}
