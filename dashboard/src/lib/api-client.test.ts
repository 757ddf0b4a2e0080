import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, buildQuery, createApiClient, isAbortError } from './api-client';

describe('buildQuery', () => {
  it('repeats array values, sorts keys and leaves out empty values', () => {
    expect(buildQuery({ model: ['a', 'b'], range: '24h', stage: [], from: undefined, x: null })).toBe('?model=a&model=b&range=24h');
    expect(buildQuery({})).toBe('');
  });
});

describe('ApiClient against a real HTTP server', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/echo') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          if (req.method === 'DELETE') {
            res.statusCode = 204;
            res.end();
            return;
          }
          if (req.headers.authorization !== 'Bearer gsk_admin') {
            res.statusCode = 403;
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ error: { code: 'forbidden', message: 'this needs an admin key' } }));
            return;
          }
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) as unknown }));
        });
        return;
      }
      if (url.pathname === '/ok') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ echo: url.searchParams.getAll('model') }));
      } else if (url.pathname === '/bad') {
        res.statusCode = 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { code: 'invalid_parameter', message: 'query parameter "range": invalid' } }));
      } else if (url.pathname === '/html') {
        res.end('<html>not json</html>');
      } else if (url.pathname === '/slow') {
        const t = setTimeout(() => {
          timers.delete(t);
          res.end('{}');
        }, 800);
        timers.add(t);
      } else {
        res.statusCode = 404;
        res.end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends writes with a JSON body and the key header, and turns a refusal into an ApiError', async () => {
    let key = 'gsk_read';
    const client = createApiClient({ baseUrl: base, headers: () => ({ authorization: `Bearer ${key}` }) });
    const refused = await client.send('POST', '/echo', { a: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, message: 'this needs an admin key' });
    key = 'gsk_admin';
    await expect(client.send('PATCH', '/echo', { enabled: false })).resolves.toEqual({ method: 'PATCH', type: 'application/json', body: { enabled: false } });
    await expect(client.send('DELETE', '/echo')).resolves.toBeUndefined();
  });

  it('sends the query and parses JSON', async () => {
    const client = createApiClient({ baseUrl: base });
    await expect(client.get('/ok', { model: ['a', 'b'] })).resolves.toEqual({ echo: ['a', 'b'] });
    expect(client.inflight()).toBe(0);
  });

  it('turns the API error body into an ApiError with its code and message', async () => {
    const err = await createApiClient({ baseUrl: base })
      .get('/bad')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_parameter', message: 'query parameter "range": invalid' });
  });

  it('reports a status without an error body, and non-JSON success', async () => {
    const client = createApiClient({ baseUrl: base });
    await expect(client.get('/missing')).rejects.toMatchObject({ status: 404, code: 'http_404' });
    await expect(client.get('/html')).rejects.toMatchObject({ code: 'bad_json' });
  });

  it('times out with a message that says so', async () => {
    await expect(createApiClient({ baseUrl: base, timeoutMillis: 100 }).get('/slow')).rejects.toMatchObject({ status: 0, code: 'timeout' });
  });

  it('rejects with an AbortError, not an ApiError, when the caller aborts', async () => {
    const ctrl = new AbortController();
    const p = createApiClient({ baseUrl: base }).get('/slow', {}, ctrl.signal);
    ctrl.abort();
    const err = await p.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(err).not.toBeInstanceOf(ApiError);
  });

  it('shares one request between identical GETs in flight; one caller aborting does not cancel the other', async () => {
    const client = createApiClient({ baseUrl: base });
    const ctrl = new AbortController();
    const a = client.get('/slow', { k: 'shared' }, ctrl.signal);
    const b = client.get('/slow', { k: 'shared' });
    await Promise.resolve();
    expect(client.inflight()).toBe(1);
    ctrl.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    await expect(b).resolves.toEqual({});
    expect(seen.filter((u) => u === '/slow?k=shared')).toHaveLength(1);
  });

  it('sends low-priority requests only after the normal ones have finished', async () => {
    const client = createApiClient({ baseUrl: base });
    const order: string[] = [];
    const low = client.get('/ok', { model: 'low' }, undefined, { priority: 'low' }).then(() => order.push('low'));
    const normal = client.get('/slow', { k: 'normal' }).then(() => order.push('normal'));
    await Promise.all([low, normal]);
    expect(order).toEqual(['normal', 'low']);
    expect(seen.indexOf('/slow?k=normal')).toBeLessThan(seen.indexOf('/ok?model=low'));
  });

  it('says the server cannot be reached when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(createApiClient({ baseUrl: `http://127.0.0.1:${port}` }).get('/ok')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
