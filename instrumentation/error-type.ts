/**
 * error.type of a failed call, stage or run, as the OpenTelemetry conventions ask: a
 * low-cardinality class of error, never a message. In order: the provider's or library's error
 * code (`rate_limit_exceeded`, Node's `ECONNREFUSED`), else the HTTP status (`429`, `500`), else
 * the exception's class name when it names something (`TimeoutError`, `NoCodeInResponseError`),
 * else `_OTHER`. The first two are looked for on the error and on its `cause` (fetch wraps the
 * socket error in a TypeError).
 */

/** The conventions' fallback value of error.type. */
export const ERROR_TYPE_OTHER = '_OTHER';

// Codes are identifiers; anything longer or with spaces is a message and would explode cardinality.
const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

interface ErrorLike {
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  cause?: unknown;
}

function codeOrStatus(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as ErrorLike;
  if (typeof e.code === 'string' && CODE.test(e.code)) return e.code;
  for (const s of [e.status, e.statusCode]) {
    if (typeof s === 'number' && Number.isInteger(s) && s >= 100 && s <= 599) return String(s);
  }
  return null;
}

export function errorTypeOf(err: unknown): string {
  const direct = codeOrStatus(err);
  if (direct !== null) return direct;
  // Errors from another realm (DOMException under jest, a worker's errors) fail instanceof Error.
  if (typeof err === 'object' && err !== null) {
    const e = err as ErrorLike & { name?: unknown };
    const fromCause = codeOrStatus(e.cause);
    if (fromCause !== null) return fromCause;
    // A bare Error says nothing about the class of failure, nor does fetch's wrapping TypeError.
    const name = e.name;
    if (typeof name === 'string' && name !== 'Error' && CODE.test(name) && !(name === 'TypeError' && e.cause !== undefined))
      return name;
  }
  return ERROR_TYPE_OTHER;
}
