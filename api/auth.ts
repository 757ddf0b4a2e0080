/**
 * The optional shared token: when configured, required for ingest and for any write. Accepted as
 * `Authorization: Bearer <token>` (what OTLP exporters send through OTEL_EXPORTER_OTLP_HEADERS) or
 * `X-Genscope-Token`. Compared in constant time.
 */
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

function digest(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return crypto.timingSafeEqual(digest(expected), digest(given));
}

function presented(header: string | undefined, alt: string | string[] | undefined): string | undefined {
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) return m[1]?.trim();
  }
  return typeof alt === 'string' ? alt.trim() : undefined;
}

/** Requires the token on every request it sees (mount before ingest). No-op without a token. */
export function requireToken(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token) return next();
    if (tokenMatches(token, presented(req.headers.authorization, req.headers['x-genscope-token']))) return next();
    next(new HttpError(401, 'unauthorized', 'a valid token is required (Authorization: Bearer <token>)'));
  };
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requires the token on writes only (anything but GET, HEAD, OPTIONS). */
export function requireTokenForWrites(token: string | undefined): RequestHandler {
  const check = requireToken(token);
  return (req, res, next) => (READ_METHODS.has(req.method) ? next() : check(req, res, next));
}
