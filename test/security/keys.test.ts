/**
 * Scoped keys over real HTTP against the production server assembly (a child process from
 * dist/): keys made with the real `genscope keys` command in the same database file, each scope
 * on each route family (reads, ingest, admin writes, public pages), the --token admin key,
 * revocation while the server runs, every wrong header form, path spellings, the official OTLP
 * exporter sending its key from OTEL_EXPORTER_OTLP_HEADERS, and that no key reaches the server's
 * output or the database file in clear.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../cli/main';
import { count, fixture, kill, openRaw, otlpJsonBatch, removeDir, send, startChild, startServerChild, tempDir } from '../reliability/helpers';
import type { Child } from '../reliability/helpers';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env: {} });
  return { code, out: out.text(), err: err.text() };
}

async function createKey(file: string, scope: string, name: string): Promise<string> {
  const r = await cli(['keys', 'create', '--scope', scope, '--name', name, '--db', file]);
  expect(r.code).toBe(0);
  expect(r.err).toContain('shown this once only');
  const key = r.out.trim();
  expect(key).toMatch(/^gsk_[A-Za-z0-9_-]{43}$/);
  return key;
}

const TOKEN = 'shared-admin-token-for-the-test';
let batchNo = 1;

describe('scoped keys against a running server', () => {
  let dir: string;
  let file: string;
  let server: { child: Child; url: string };
  const keys: Record<'read' | 'ingest' | 'admin' | 'revoked', string> = { read: '', ingest: '', admin: '', revoked: '' };

  type Family = 'read' | 'ingest' | 'admin' | 'public';
  /** One request per route family; `expectAllowed` is the status of an admitted request. */
  const routes: { family: Family; method: string; path: string; body?: () => Buffer; allowed: number }[] = [
    { family: 'read', method: 'GET', path: '/api/v1/summary?range=7d', allowed: 200 },
    { family: 'read', method: 'GET', path: '/api/v1/export/spans.csv?range=7d', allowed: 200 },
    { family: 'read', method: 'GET', path: '/api/v1/alerts/rules', allowed: 200 },
    { family: 'read', method: 'GET', path: '/api/v1/health/self', allowed: 200 },
    { family: 'read', method: 'HEAD', path: '/api/v1/runs', allowed: 200 },
    { family: 'ingest', method: 'POST', path: '/v1/traces', body: () => otlpJsonBatch(batchNo++, 2, Date.now() - 60_000).body, allowed: 200 },
    { family: 'ingest', method: 'POST', path: '/v1/metrics', body: () => Buffer.from('{"resourceMetrics":[]}'), allowed: 200 },
    { family: 'admin', method: 'POST', path: '/api/v1/alerts/evaluate', allowed: 200 },
    { family: 'admin', method: 'DELETE', path: '/api/v1/alerts/rules/999999', allowed: 404 },
    { family: 'public', method: 'GET', path: '/api/v1/health', allowed: 200 },
    { family: 'public', method: 'GET', path: '/api/v1/openapi.json', allowed: 200 },
    { family: 'public', method: 'GET', path: '/api/docs', allowed: 200 },
  ];

  function call(route: (typeof routes)[number], headers: Record<string, string>, pathOverride?: string) {
    const body = route.body?.();
    return send(`${server.url}${pathOverride ?? route.path}`, {
      method: route.method,
      headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body ? { body } : {}),
    });
  }

  beforeAll(async () => {
    dir = tempDir('genscope-keys-');
    file = path.join(dir, 'keys.db');
    // Keys exist before the server starts; one more is created and one revoked while it runs.
    keys.read = await createKey(file, 'read', 'dashboard');
    keys.ingest = await createKey(file, 'ingest', 'pipeline workers');
    keys.revoked = await createKey(file, 'read', 'old laptop');
    server = await startServerChild(file, { token: TOKEN });
    keys.admin = await createKey(file, 'admin', 'ops');
    const listed = await cli(['keys', 'list', '--db', file]);
    const revokedId = /^(\d+)\s+read\s+old laptop/m.exec(listed.out)?.[1];
    expect(revokedId).toBeDefined();
    expect((await cli(['keys', 'revoke', String(revokedId), '--db', file])).code).toBe(0);
  });

  afterAll(async () => {
    await kill(server.child);
    removeDir(dir);
  });

  const cases: { who: 'none' | 'read' | 'ingest' | 'admin' | 'token' | 'revoked'; allowed: Family[] }[] = [
    { who: 'none', allowed: ['public'] },
    { who: 'read', allowed: ['public', 'read'] },
    { who: 'ingest', allowed: ['public', 'ingest'] },
    { who: 'admin', allowed: ['public', 'read', 'ingest', 'admin'] },
    { who: 'token', allowed: ['public', 'read', 'ingest', 'admin'] },
    { who: 'revoked', allowed: ['public'] },
  ];

  it.each(cases)('admits $who exactly on $allowed', async ({ who, allowed }) => {
    const key = who === 'none' ? null : who === 'token' ? TOKEN : keys[who];
    for (const route of routes) {
      const res = await call(route, key ? { Authorization: `Bearer ${key}` } : {});
      const label = `${who} ${route.method} ${route.path}`;
      if (allowed.includes(route.family)) {
        expect([label, res.status]).toEqual([label, route.allowed]);
      } else {
        // No key or a dead key: 401; a live key of another scope: 403 naming the scope needed.
        const expected = key === null || who === 'revoked' ? 401 : 403;
        expect([label, res.status]).toEqual([label, expected]);
        expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="genscope"/);
        if (route.method !== 'HEAD') {
          const msg = (JSON.parse(res.body.toString('utf8')) as { error: { message: string } }).error.message;
          expect(msg).toContain(who === 'revoked' ? 'not valid (unknown or revoked)' : `--scope ${route.family}`);
          if (key) expect(msg).not.toContain(key);
        }
      }
    }
  });

  it('stores what an ingest key sends, and nothing that was refused', () => {
    const db = openRaw(file);
    try {
      // Two-span traces: accepted by the ingest, admin and token callers, one /v1/traces each.
      expect(count(db, "SELECT count(DISTINCT trace_id) AS n FROM span_view WHERE trace_id LIKE '%' || ?", 'ab'.repeat(12))).toBe(3);
    } finally {
      db.close();
    }
  });

  it('refuses every other header form, naming the accepted one', async () => {
    const summary = routes[0]!;
    const forms: Record<string, string>[] = [
      { 'X-Genscope-Token': keys.admin },
      { 'X-Api-Key': keys.admin },
      { Authorization: keys.admin },
      { Authorization: `Basic ${Buffer.from(`x:${keys.admin}`).toString('base64')}` },
      { Authorization: 'Bearer' },
      { Authorization: `Token ${keys.admin}` },
    ];
    for (const headers of forms) {
      const res = await call(summary, headers);
      expect([headers, res.status]).toEqual([headers, 401]);
      const msg = (JSON.parse(res.body.toString('utf8')) as { error: { message: string } }).error.message;
      expect(msg).toContain('Authorization');
      expect(msg).not.toContain(keys.admin);
    }
    const inQuery = await call(summary, {}, `/api/v1/summary?range=7d&token=${keys.admin}`);
    expect(inQuery.status).toBe(401);
    expect(inQuery.body.toString('utf8')).toContain('query string');
    // The scheme name is case-insensitive (RFC 9110).
    expect((await call(summary, { Authorization: `bearer ${keys.read}` })).status).toBe(200);
  });

  it('guards every spelling of a path', async () => {
    for (const p of ['/API/V1/SUMMARY', '/api//v1/summary', '/api/v1/summary/', '/api/v1/%73ummary', '/api/v1/export/spans.CSV']) {
      const res = await send(`${server.url}${p}`);
      expect([p, res.status]).toEqual([p, 401]);
    }
    const upper = otlpJsonBatch(batchNo++, 1, Date.now() - 60_000).body;
    for (const p of ['/V1/TRACES', '/v1//traces', '/v1/traces/', '/v1/%74races']) {
      const res = await send(`${server.url}${p}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${keys.read}` },
        body: upper,
      });
      expect([p, res.status]).toEqual([p, 403]);
    }
  });

  it('lets the official OTLP exporter send its key from OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const run = async (key: string) => {
      const child = startChild(fixture('otlp-sender'), [server.url, JSON.stringify({ batches: 2, spansPerBatch: 3, concurrency: 1, protocol: 'http/protobuf' })], {
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${key}`,
      });
      await child.exited;
      const line = child.lines.find((l) => l.startsWith('{'));
      if (!line) throw new Error(`otlp-sender printed no report: ${child.stderr.join('\n')}`);
      return JSON.parse(line) as { acknowledged: string[]; failed: { error: string }[] };
    };
    const ok = await run(keys.ingest);
    expect(ok.acknowledged).toHaveLength(2);
    expect(ok.failed).toHaveLength(0);
    const refused = await run(keys.read);
    expect(refused.acknowledged).toHaveLength(0);
    expect(refused.failed).toHaveLength(2);
  });

  it('never writes a key to the server output or to the database file in clear', async () => {
    const listed = await cli(['keys', 'list', '--db', file]);
    const output = [...server.child.lines, ...server.child.stderr, listed.out, listed.err].join('\n');
    const bytes = Buffer.concat(
      [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
    for (const key of [...Object.values(keys), TOKEN]) {
      expect(output).not.toContain(key);
      expect(bytes.includes(Buffer.from(key))).toBe(false);
    }
    // The list shows enough to tell keys apart, never the key.
    expect(listed.out).toContain(`${keys.admin.slice(0, 10)}…`);
  });
});

describe('--open-reads', () => {
  let dir: string;
  let server: { child: Child; url: string };
  beforeAll(async () => {
    dir = tempDir('genscope-open-reads-');
    const file = path.join(dir, 'open.db');
    await createKey(file, 'ingest', 'workers');
    server = await startServerChild(file, { openReads: true });
  });
  afterAll(async () => {
    await kill(server.child);
    removeDir(dir);
  });

  it('serves reads without a key and still guards ingest and writes', async () => {
    expect((await send(`${server.url}/api/v1/summary`)).status).toBe(200);
    expect((await send(`${server.url}/api/v1/export/runs.json`)).status).toBe(200);
    const ingest = await send(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: otlpJsonBatch(batchNo++, 1, Date.now()).body,
    });
    expect(ingest.status).toBe(401);
    expect((await send(`${server.url}/api/v1/alerts/evaluate`, { method: 'POST' })).status).toBe(401);
  });
});
