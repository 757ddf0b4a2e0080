/**
 * Who may do what. Three scopes: `read` (GET/HEAD of the API: panels, runs, exports, alert rules
 * and events, /health/self), `ingest` (OTLP/HTTP under /v1) and `admin` (everything, writes
 * included). Keys come from `genscope keys create` (stored hashed, see store/sqlite/keys.ts); the
 * shared `--token` / GENSCOPE_TOKEN is an admin key that lives in the process only.
 *
 * With no key and no token the server is open, as before keys existed. Once any key exists (or a
 * token is set) ingest needs an ingest key, writes an admin key, and reads a read key unless the
 * server runs with `--open-reads`. Liveness (/api/v1/health), the OpenAPI document, /api/docs and
 * the dashboard's static files stay public: they hold no telemetry.
 *
 * One form only: `Authorization: Bearer <key>` (what OTLP exporters send from
 * OTEL_EXPORTER_OTLP_HEADERS). Other forms (X-Genscope-Token, a bare key, Basic, a query
 * parameter) are refused with a message naming the right form, so a misconfigured client learns
 * why instead of being silently treated as anonymous. Presented keys are never echoed or logged.
 */
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { hashKey } from '../store';
import type { ApiKeyLookup, KeyScope } from '../store';
import { errorBody } from './errors';

/** What a request needs: nothing, or a key of this scope (admin satisfies every scope). */
export type Access = 'public' | KeyScope;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** API paths that hold no telemetry: probes and documentation. */
const PUBLIC_API_PATHS = new Set(['/api/v1/health', '/api/v1/openapi.json', '/api/docs', '/api/docs/docs.js', '/api/docs/docs.css']);

/**
 * The path as routing will see it, for deciding access: percent-decoded, lower case (Express
 * routes case-insensitively), repeated and trailing slashes folded. Null when it cannot be
 * decoded; the caller then asks for the strictest scope.
 */
function normalisedPath(path: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    return null;
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

/** The scope a request needs. Fails closed: anything under /api or /v1 that is not listed needs a key. */
export function requiredAccess(method: string, rawPath: string): Access {
  const p = normalisedPath(rawPath);
  if (p === null) return 'admin';
  if (p === '/v1' || p.startsWith('/v1/')) return 'ingest';
  if (!SAFE_METHODS.has(method.toUpperCase())) return 'admin';
  if (PUBLIC_API_PATHS.has(p)) return 'public';
  if (p === '/api' || p.startsWith('/api/')) return 'read';
  return 'public';
}

export interface AuthOptions {
  /** The shared token (--token / GENSCOPE_TOKEN): an admin key kept in memory only. */
  token?: string | undefined;
  /** The stored keys (SqliteKeyStore); looked up on every request, so revocation is immediate. */
  keys?: ApiKeyLookup | undefined;
  /** Reads need no key even when keys exist (`--open-reads`). */
  openReads?: boolean | undefined;
}

type Presented = { key: string } | { problem: string } | null;

/** Headers and query parameters people try instead of the one accepted form. */
const WRONG_HEADERS = ['x-genscope-token', 'x-api-key', 'x-auth-token', 'api-key'];
const WRONG_QUERY = ['token', 'key', 'api_key', 'apikey', 'access_token'];

function presented(req: Request): Presented {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (m?.[1]) return { key: m[1] };
    return { problem: 'the Authorization header must be "Bearer <key>"' };
  }
  const header = WRONG_HEADERS.find((h) => req.headers[h] !== undefined);
  if (header) return { problem: `the ${header} header is not accepted; send the key as "Authorization: Bearer <key>"` };
  const q = typeof req.url === 'string' ? req.url.indexOf('?') : -1;
  if (q >= 0) {
    const params = new URLSearchParams(req.url.slice(q + 1));
    const name = WRONG_QUERY.find((n) => params.has(n));
    if (name) return { problem: `keys are not accepted in the query string (${name}=); send "Authorization: Bearer <key>"` };
  }
  return null;
}

const SCOPE_HINT: Record<KeyScope, string> = {
  read: 'a read key (genscope keys create --scope read)',
  ingest: 'an ingest key (genscope keys create --scope ingest)',
  admin: 'an admin key (genscope keys create --scope admin, or the server --token)',
};

function refuse(res: Response, status: 401 | 403, wwwAuthenticate: string, message: string): void {
  res.setHeader('WWW-Authenticate', wwwAuthenticate);
  res.status(status).json(errorBody(status === 401 ? 'unauthorized' : 'forbidden', message));
}

/** The guard. Mount once, before every route (ingest included). */
export function authGuard(options: AuthOptions): RequestHandler {
  const tokenDigest = options.token ? crypto.createHash('sha256').update(options.token, 'utf8').digest() : null;
  const keys = options.keys;
  const authOn = (): boolean => tokenDigest !== null || (keys?.anyKeys() ?? false);

  function scopeOf(key: string): KeyScope | null {
    const hex = hashKey(key);
    // Constant time against the token; the stored keys are found by their hash (see keys.ts).
    if (tokenDigest && crypto.timingSafeEqual(Buffer.from(hex, 'hex'), tokenDigest)) return 'admin';
    return keys?.findByHash(hex)?.scope ?? null;
  }

  return (req, res, next) => {
    const need = requiredAccess(req.method, req.path);
    if (need === 'public') return next();
    if (need === 'read' && options.openReads) return next();
    if (!authOn()) return next();
    const given = presented(req);
    const realm = `Bearer realm="genscope", scope="${need}"`;
    if (given === null) return refuse(res, 401, realm, `this request needs ${SCOPE_HINT[need]}, sent as "Authorization: Bearer <key>"`);
    if ('problem' in given) return refuse(res, 401, `${realm}, error="invalid_request"`, given.problem);
    const scope = scopeOf(given.key);
    if (scope === null) return refuse(res, 401, `${realm}, error="invalid_token"`, 'the key is not valid (unknown or revoked)');
    if (scope !== 'admin' && scope !== need)
      return refuse(res, 403, `${realm}, error="insufficient_scope"`, `this key has the ${scope} scope; this request needs ${SCOPE_HINT[need]}`);
    next();
  };
}
