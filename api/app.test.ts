import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { ENDPOINTS } from '../schema/api';
import { openDatabase } from '../store';
import { createApp } from './app';
import { TEST_NOW, testWorld } from './test-support';
import type { TestWorld } from './test-support';

let w: TestWorld;
beforeAll(() => {
  w = testWorld(200);
});

/** A stand-in for a router mounted by the lead (ingest, alerts): records what reached it. */
function echoRouter(prefix: string) {
  const r = express.Router();
  r.post(`${prefix}`, (req, res) => {
    res.json({ got: req.body as unknown });
  });
  r.get(`${prefix}`, (_req, res) => {
    res.json({ ok: true });
  });
  return r;
}

describe('createApp', () => {
  it('answers every documented GET endpoint with no parameters (compare: with its two sides)', async () => {
    const runId = (w.db.prepare("SELECT id FROM span_view WHERE role = 'run' LIMIT 1").get() as { id: number }).id;
    // Compare has no default sides: it needs to be told what to compare.
    const required: Record<string, string> = { '/compare': '?a.range=24h&b.range=7d' };
    for (const [p, e] of Object.entries(ENDPOINTS)) {
      const res = await request(w.app).get(`/api/v1${p.replace('{id}', String(runId))}${required[p] ?? ''}`);
      expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
      const parsed = e.response.safeParse(res.body);
      if (!parsed.success) throw new Error(`${p}: response does not match its schema: ${z.prettifyError(parsed.error)}`);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    for (const p of ['/api/v1/nope', '/api/v2/summary', '/nothing-here', '/api/v1/runs/1/extra']) {
      const res = await request(w.app).get(p);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no route') } });
    }
    const run = await request(w.app).get('/api/v1/runs/999999999');
    expect(run.status).toBe(404);
    expect(run.body.error.code).toBe('not_found');
  });

  it('names the parameter and the problem in a 400', async () => {
    const cases: [string, string][] = [
      ['/api/v1/summary?from=yesterday', 'from'],
      ['/api/v1/summary?range=3w', 'range'],
      ['/api/v1/summary?range=7d&from=2026-01-01', 'range'],
      ['/api/v1/summary?from=2026-06-02&to=2026-06-01', 'from'],
      ['/api/v1/performance/latency?bucket=-5', 'bucket'],
      ['/api/v1/performance/latency?bucket=1&range=365d', 'bucket'],
      ['/api/v1/runs?limit=0', 'limit'],
      ['/api/v1/runs?limit=abc', 'limit'],
      ['/api/v1/runs?cursor=xyz', 'cursor'],
      ['/api/v1/runs?status=maybe', 'status'],
      ['/api/v1/cost/breakdown?groupBy=colour', 'groupBy'],
      ['/api/v1/quality/scores?groupBy=model&score=a,b', 'score'],
      ['/api/v1/summary?componentTypes=card', 'componentTypes'],
      ['/api/v1/runs/abc', 'id'],
      ['/api/v1/export/spans.xml', 'format'],
      ['/api/v1/export/people.csv', 'dataset'],
      ['/api/v1/export/panel/nope.csv', 'panel'],
      ['/api/v1/trends?window=0', 'window'],
      ['/api/v1/summary?benchmarkRun=', 'benchmarkRun'],
    ];
    for (const [url, param] of cases) {
      const res = await request(w.app).get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.error.code).toBe('invalid_parameter');
      expect(res.body.error.param).toBe(param);
      expect(res.body.error.message).toContain(param);
    }
  });

  it('never leaks internals on an unexpected error', async () => {
    const logged: unknown[] = [];
    const app = createApp({
      db: w.db,
      config: { logError: (_m, err) => logged.push(err) },
      mount: (a) =>
        a.get('/api/v1/boom', () => {
          throw new Error('secret at /home/x/db.sqlite line 42');
        }),
    });
    const res = await request(app).get('/api/v1/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(res.text).not.toContain('secret');
    expect(logged).toHaveLength(1);
  });

  it('answers malformed URL encoding with a 400', async () => {
    const res = await request(w.app).get('/api/v1/summary?model=%E0%A4%A');
    expect(res.status).toBeLessThan(500);
  });

  it('serves the OpenAPI 3.1 document and a reference page', async () => {
    const doc = await request(w.app).get('/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const p of Object.keys(ENDPOINTS)) expect(doc.body.paths[`/api/v1${p}`]).toBeDefined();
    const latency = doc.body.paths['/api/v1/performance/latency'].get;
    const names = latency.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['range', 'from', 'to', 'componentType', 'model', 'stage', 'benchmarkRun', 'bucket']));
    expect(doc.body.paths['/api/v1/export/{dataset}.{format}']).toBeDefined();
    const page = await request(w.app).get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('/api/v1/openapi.json');
    // Nothing from elsewhere, and no inline script or style (the CSP allows neither).
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.text).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>|<style/);
    for (const [file, type] of [['/api/docs/docs.js', 'text/javascript'], ['/api/docs/docs.css', 'text/css']] as const) {
      const asset = await request(w.app).get(file);
      expect([file, asset.status, asset.type]).toEqual([file, 200, type]);
    }
  });
});

describe('token', () => {
  const token = 's3cret-token';
  let app: express.Express;
  beforeAll(() => {
    app = createApp({
      db: w.db,
      clock: () => TEST_NOW,
      config: { token, maxBodyBytes: 1024 },
      ingestRouter: echoRouter('/v1/traces'),
      alertsRouter: echoRouter('/'),
    });
  });

  it('is required for ingest', async () => {
    expect((await request(app).post('/v1/traces').send({ a: 1 })).status).toBe(401);
    expect((await request(app).post('/v1/traces').set('Authorization', 'Bearer wrong').send({ a: 1 })).status).toBe(401);
    const ok = await request(app).post('/v1/traces').set('Authorization', `Bearer ${token}`).send({ a: 1 });
    expect(ok.status).toBe(200);
    // Ingest reads its own body: the API's JSON parser has not consumed it.
    expect(ok.body).toEqual({ got: undefined });
  });

  it('is an admin key: required for writes and reads, in the Authorization form only', async () => {
    expect((await request(app).get('/api/v1/summary')).status).toBe(401);
    expect((await request(app).get('/api/v1/summary').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).get('/api/v1/alerts').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const denied = await request(app).post('/api/v1/alerts').send({ a: 1 });
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe('unauthorized');
    const otherForm = await request(app).post('/api/v1/alerts').set('X-Genscope-Token', token).send({ a: 1 });
    expect(otherForm.status).toBe(401);
    expect(otherForm.body.error.message).toContain('Authorization: Bearer');
    const ok = await request(app).post('/api/v1/alerts').set('Authorization', `Bearer ${token}`).send({ a: 1 });
    expect(ok.body).toEqual({ got: { a: 1 } });
  });

  it('leaves reads open with openReads', async () => {
    const open = createApp({ db: w.db, clock: () => TEST_NOW, config: { token, openReads: true }, alertsRouter: echoRouter('/') });
    expect((await request(open).get('/api/v1/summary')).status).toBe(200);
    expect((await request(open).post('/api/v1/alerts').send({ a: 1 })).status).toBe(401);
  });

  it('limits request bodies', async () => {
    const res = await request(app)
      .post('/api/v1/alerts')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const bad = await request(app).post('/api/v1/alerts').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"a":');
    expect(bad.status).toBe(400);
  });

  it('is not asked for when none is configured', async () => {
    const open = createApp({ db: w.db, alertsRouter: echoRouter('/') });
    expect((await request(open).post('/api/v1/alerts').send({ a: 1 })).status).toBe(200);
  });
});

describe('static files', () => {
  it('serves the dashboard at / and keeps API 404s in JSON', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-static-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dash</title>');
    const db = openDatabase(':memory:');
    const app = createApp({ db, staticDir: dir });
    const index = await request(app).get('/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('dash');
    const api404 = await request(app).get('/api/v1/missing');
    expect(api404.status).toBe(404);
    expect(api404.body.error.code).toBe('not_found');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
