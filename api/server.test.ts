import http from 'node:http';
import { openDatabase } from '../store';
import { startServer } from './server';
import type { ServerHandle } from './server';
import { writeFixture } from './test-fixtures';
import { TEST_NOW, count } from './test-support';

const db = openDatabase(':memory:');
let server: ServerHandle;

beforeAll(async () => {
  writeFixture(db, { runs: 1500, startMs: TEST_NOW - 1500 * 60_000, intervalMs: 60_000 });
  server = await startServer({ db, clock: () => TEST_NOW, config: {} });
});

afterAll(async () => {
  await server.close();
});

/** GET with a reader that pauses after every chunk, so the server meets a full socket buffer. */
function slowGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          parts.push(c);
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('startServer', () => {
  it('listens on 127.0.0.1 and serves the API', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/api/v1/summary`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { kpis: { runs: { value: number } } };
    expect(body.kpis.runs.value).toBe(1440);
  });

  it('streams a large export through a slow reader without losing rows', async () => {
    const r = await slowGet(`${server.url}/api/v1/export/spans.ndjson?range=2d`);
    expect(r.status).toBe(200);
    const lines = r.body.split('\n').filter(Boolean);
    expect(lines.length).toBe(count(db, 'SELECT count(*) AS n FROM span_view'));
  });

  it('survives a client that disconnects mid-export', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get(`${server.url}/api/v1/export/spans.csv?range=2d`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => resolve());
    });
    const after = await fetch(`${server.url}/api/v1/health`);
    expect(after.status).toBe(200);
  });

  it('answers errors in JSON over a real socket', async () => {
    const res = await fetch(`${server.url}/api/v1/summary?range=forever`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('range');
  });

  it('closes gracefully, letting a request in flight finish, and can be closed twice', async () => {
    const other = await startServer({ db, clock: () => TEST_NOW });
    const arrived = new Promise((r) => other.server.once('request', r));
    const inflight = fetch(`${other.url}/api/v1/export/spans.json?range=2d`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await arrived;
    const closed = other.close();
    const res = await inflight;
    await closed;
    await other.close();
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as unknown[]).length).toBe(count(db, 'SELECT count(*) AS n FROM span_view'));
    await expect(fetch(`${other.url}/api/v1/health`)).rejects.toThrow();
  });
});
