/**
 * Defences for a server that browsers can reach: headers on every response that stop sniffing,
 * framing and referrer leaks, and a refusal of state-changing requests sent by a page of another
 * origin (a cross-site form or fetch carries an Origin header that names that page; OTLP exporters,
 * curl and the CLI send none).
 */
import type { RequestHandler } from 'express';
import { errorBody } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** nosniff, no framing (both the old header and CSP frame-ancestors), no referrer. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'");
  next();
};

/** 403 for a write whose Origin is not this server's own (same scheme-less host and port). */
export const sameOriginWrites: RequestHandler = (req, res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const origin = req.headers.origin;
  if (origin === undefined) return next();
  let host: string | null = null;
  try {
    host = origin === 'null' ? null : new URL(origin).host.toLowerCase();
  } catch {
    host = null;
  }
  if (host !== null && host === (req.headers.host ?? '').toLowerCase()) return next();
  res
    .status(403)
    .json(errorBody('forbidden', `cross-origin ${req.method} refused: Origin ${origin.slice(0, 200)} is not this server`));
};
