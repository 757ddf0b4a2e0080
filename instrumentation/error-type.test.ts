import { errorTypeOf, ERROR_TYPE_OTHER } from './error-type';

class RateLimited extends Error {
  readonly status = 429;
  readonly code = 'rate_limit_exceeded';
}
class ServerError extends Error {
  readonly status = 500;
  readonly code = null;
}
class NoCode extends Error {
  override name = 'NoCodeInResponseError';
}

describe('errorTypeOf', () => {
  it('prefers the provider code, then the HTTP status', () => {
    expect(errorTypeOf(new RateLimited('Rate limit reached for gpt-4o'))).toBe('rate_limit_exceeded');
    expect(errorTypeOf(new ServerError('The server had an error'))).toBe('500');
  });

  it('reads the socket error a fetch failure wraps', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(errorTypeOf(new TypeError('fetch failed', { cause: socket }))).toBe('ECONNREFUSED');
  });

  it('uses a named exception class, and _OTHER for a bare Error or a non-error', () => {
    expect(errorTypeOf(new NoCode('no code'))).toBe('NoCodeInResponseError');
    expect(errorTypeOf(new DOMException('signal timed out', 'TimeoutError'))).toBe('TimeoutError');
    expect(errorTypeOf(new Error('something'))).toBe(ERROR_TYPE_OTHER);
    // Never the typeof of a thrown value (it used to be `string`).
    expect(errorTypeOf('boom')).toBe('_OTHER');
    expect(errorTypeOf(undefined)).toBe('_OTHER');
    expect(errorTypeOf({ code: 'a message with spaces' })).toBe('_OTHER');
  });
});
