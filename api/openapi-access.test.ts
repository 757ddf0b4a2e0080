/**
 * The OpenAPI document against the server's behaviour: every route the server assembly serves is
 * documented, and every operation's `security` says what the key guard really does (401 without
 * a key exactly where the document asks for one; admitted with an admin key).
 */
import request from 'supertest';
import { createAlertsRouter } from '../alerts';
import { StoreWriter } from '../store';
import { createApp } from './app';
import { createHealthHandler } from './health';
import { createIngestRouter } from './ingest';
import { openApiDocument } from './openapi';
import { testWorld } from './test-support';

const TOKEN = 'openapi-test-token';

type Op = { security?: { bearerKey?: string[] }[]; 'x-genscope-scope'?: string };

function app() {
  const w = testWorld(20);
  const writer = new StoreWriter(w.db);
  return createApp({
    db: w.db,
    clock: () => w.now,
    config: { token: TOKEN },
    ingestRouter: createIngestRouter({ writer }),
    alertsRouter: createAlertsRouter({ db: w.db }),
    mount: (a) => a.get('/api/v1/health/self', createHealthHandler({ writer })),
  });
}

/** A concrete URL for a documented path. */
function concrete(path: string): string {
  return path
    .replace('{dataset}.{format}', 'runs.json')
    .replace('{panel}.{format}', 'summary.json')
    .replace('{id}', '1');
}

describe('OpenAPI security', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, unknown> } };
  const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.entries(m).map(([method, op]) => ({ p, method, op })));

  it('documents the alerts API, /health/self and OTLP ingest', () => {
    for (const p of ['/api/v1/alerts/rules', '/api/v1/alerts/rules/{id}', '/api/v1/alerts/events', '/api/v1/alerts/evaluate', '/api/v1/health/self', '/v1/traces', '/v1/metrics'])
      expect(Object.keys(doc.paths)).toContain(p);
    expect(Object.keys(doc.paths['/api/v1/alerts/rules/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(doc.components.securitySchemes.bearerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('gives every operation a security requirement', () => {
    for (const { p, method, op } of ops) expect([p, method, Array.isArray(op.security)]).toEqual([p, method, true]);
    const publicOps = ops.filter((o) => o.op.security?.length === 0).map((o) => `${o.method} ${o.p}`);
    expect(publicOps.sort()).toEqual(['get /api/v1/health', 'get /api/v1/openapi.json']);
    expect(doc.paths['/v1/traces']?.post?.security).toEqual([{ bearerKey: ['ingest'] }]);
    expect(doc.paths['/api/v1/alerts/rules']?.post?.security).toEqual([{ bearerKey: ['admin'] }]);
    expect(doc.paths['/api/v1/summary']?.get?.security).toEqual([{ bearerKey: ['read'] }]);
  });

  it('matches what the server enforces on every documented operation', async () => {
    const a = app();
    for (const { p, method, op } of ops) {
      const url = concrete(p);
      const anonymous = await request(a)[method as 'get'](url);
      const keyed = await request(a)[method as 'get'](url).set('Authorization', `Bearer ${TOKEN}`);
      const label = `${method} ${p}`;
      expect([label, anonymous.status === 401]).toEqual([label, (op.security?.length ?? 0) > 0]);
      expect([label, [401, 403].includes(keyed.status)]).toEqual([label, false]);
    }
  });
});
