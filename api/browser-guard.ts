/**
 * Defences for a server that browsers can reach:
 * - a Host allow-list, against DNS rebinding: a page on a name the attacker controls, re-pointed
 *   at 127.0.0.1, is same-origin with genscope as far as the browser knows, so neither CORS nor
 *   the Origin check below stops it; only the Host header (still the attacker's name) tells;
 * - headers on every response that stop sniffing, framing, referrer leaks and any script but the
 *   server's own files (a strict CSP: no inline script, no eval, no other origin);
 * - a refusal of state-changing requests sent by a page of another origin (a cross-site form or
 *   fetch carries an Origin header naming that page; OTLP exporters, curl and the CLI send none).
 */
import net from 'node:net';
import type { RequestHandler } from 'express';
import { errorBody } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The policy of every response. Styles: the stylesheets are files, and the dashboard's charts set
 * styles through the CSSOM (el.style), which CSP does not govern, so no 'unsafe-inline' is needed.
 * img-src data: is the empty favicon; blob: is where authenticated export downloads come from.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** nosniff, no framing (both the old header and CSP frame-ancestors), no referrer, strict CSP. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

/** The host name of a Host header (no port, no brackets, no trailing dot, lower case), or null. */
export function hostName(header: string): string | null {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9._-]+?)\.?(?::\d{1,5})?$/.exec(h);
  return m?.[1] ?? null;
}

/**
 * The names this server answers to besides IP literals and localhost: the bind address (when it
 * is a name) and the host of --public-url. IP literals are always accepted: a rebinding page's
 * Host header carries its own domain name, and a page whose origin is an IP literal and port is
 * this server itself.
 */
export function allowedHostNames(options: { host?: string | undefined; publicUrl?: string | undefined; extra?: readonly string[] }): string[] {
  const names = new Set<string>();
  const add = (h: string | undefined): void => {
    const n = h ? hostName(h) : null;
    if (n && !net.isIP(n)) names.add(n);
  };
  add(options.host);
  if (options.publicUrl) add(new URL(options.publicUrl).host);
  for (const h of options.extra ?? []) add(h);
  return [...names];
}

function isLoopbackName(n: string): boolean {
  // RFC 6761: browsers resolve localhost and *.localhost to loopback themselves, never through DNS.
  return n === 'localhost' || n.endsWith('.localhost');
}

/**
 * 421 for a request whose Host is not one of this server's names. A request without a Host
 * header (HTTP/1.0 tools) is not a browser's, and passes.
 */
export function hostAllowList(names: readonly string[]): RequestHandler {
  const allowed = new Set(names.map((n) => n.toLowerCase()));
  return (req, res, next) => {
    const header = req.headers.host;
    if (header === undefined || header === '') return next();
    const name = hostName(header);
    if (name !== null && (net.isIP(name) !== 0 || isLoopbackName(name) || allowed.has(name))) return next();
    const shown = header.slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
    res
      .status(421)
      .json(
        errorBody(
          'misdirected_request',
          `Host "${shown}" is not a name of this server (it answers to IP addresses, localhost${allowed.size ? `, ${[...allowed].join(', ')}` : ''}). ` +
            'If people reach genscope by this name, start it with --public-url http://NAME:PORT (or GENSCOPE_PUBLIC_URL).',
        ),
      );
  };
}

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
