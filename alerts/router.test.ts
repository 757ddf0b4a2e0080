import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { AlertEvaluator } from './evaluator';
import { createAlertsRouter } from './router';
import { runRecords, writeRecords } from './test-fixtures';

const T0 = Date.UTC(2024, 4, 1);
const MIN = 60_000;

const thresholdRule = {
  kind: 'threshold',
  name: 'Success rate low',
  metric: 'success_rate',
  operator: '<',
  value: 0.9,
  windowMillis: '10m',
};

describe('alerts router', () => {
  let db: Db;
  let app: express.Express;
  let nowMs: number;

  beforeEach(() => {
    db = openDatabase(':memory:');
    nowMs = T0;
    const evaluator = new AlertEvaluator({ db, now: () => nowMs });
    app = express();
    app.use('/api/v1/alerts', createAlertsRouter({ db, evaluator, now: () => nowMs }));
  });
  afterEach(() => db.close());

  it('creates, lists, reads, replaces, patches and deletes rules', async () => {
    const created = await request(app).post('/api/v1/alerts/rules').send(thresholdRule).expect(201);
    const id = created.body.rule.id as number;
    expect(created.headers.location).toBe(`/api/v1/alerts/rules/${id}`);
    expect(created.body.rule).toMatchObject({ ...thresholdRule, windowMillis: 600_000, forDurationMillis: 0, enabled: true, source: 'api', createdMs: T0 });

    expect((await request(app).get('/api/v1/alerts/rules').expect(200)).body.rules).toHaveLength(1);
    expect((await request(app).get(`/api/v1/alerts/rules/${id}`).expect(200)).body.rule.name).toBe('Success rate low');

    nowMs = T0 + MIN;
    const replaced = await request(app)
      .put(`/api/v1/alerts/rules/${id}`)
      .send({ ...thresholdRule, value: 0.8, forDurationMillis: 120000 })
      .expect(200);
    expect(replaced.body.rule).toMatchObject({ value: 0.8, forDurationMillis: 120_000, updatedMs: T0 + MIN, createdMs: T0 });

    const patched = await request(app).patch(`/api/v1/alerts/rules/${id}`).send({ enabled: false, filters: { model: 'model-a' } }).expect(200);
    expect(patched.body.rule).toMatchObject({ enabled: false, value: 0.8, filters: { model: 'model-a' } });

    await request(app).delete(`/api/v1/alerts/rules/${id}`).expect(204);
    await request(app).get(`/api/v1/alerts/rules/${id}`).expect(404);
  });

  it('answers 400 naming the bad parameter', async () => {
    const bad = await request(app).post('/api/v1/alerts/rules').send({ ...thresholdRule, windowMillis: -5 }).expect(400);
    expect(bad.body).toEqual({ error: { code: 'invalid_parameter', message: 'body windowMillis: must be positive', param: 'windowMillis' } });

    const kind = await request(app).post('/api/v1/alerts/rules').send({ ...thresholdRule, kind: 'magic' }).expect(400);
    expect(kind.body.error.param).toBe('kind');

    const cross = await request(app).post('/api/v1/alerts/rules').send({ ...thresholdRule, metric: 'quality_score' }).expect(400);
    expect(cross.body.error).toMatchObject({ param: 'filters.score' });
    expect(cross.body.error.message).toMatch(/needs a score name/);

    const unknown = await request(app).post('/api/v1/alerts/rules').send({ ...thresholdRule, treshold: 1 }).expect(400);
    expect(unknown.body.error.message).toMatch(/unknown field treshold/);

    const json = await request(app).post('/api/v1/alerts/rules').set('content-type', 'application/json').send('{"kind":').expect(400);
    expect(json.body.error.code).toBe('bad_request');

    await request(app).get('/api/v1/alerts/rules/abc').expect(400);
    const q = await request(app).get('/api/v1/alerts/events?state=burning').expect(400);
    expect(q.body.error.param).toBe('state');
    const range = await request(app).get('/api/v1/alerts/events?from=2024-05-02&to=2024-05-01').expect(400);
    expect(range.body.error.param).toBe('from');
    await request(app).get('/api/v1/alerts/events?colour=red').expect(400);
  });

  it('refuses a duplicate name with 409, and patches into an invalid rule with 400', async () => {
    const { body } = await request(app).post('/api/v1/alerts/rules').send(thresholdRule).expect(201);
    const dup = await request(app).post('/api/v1/alerts/rules').send(thresholdRule).expect(409);
    expect(dup.body.error.param).toBe('name');
    const bad = await request(app).patch(`/api/v1/alerts/rules/${body.rule.id as number}`).send({ operator: '!=' }).expect(400);
    expect(bad.body.error.param).toBe('operator');
    await request(app).patch('/api/v1/alerts/rules/999').send({ value: 1 }).expect(404);
    await request(app).put('/api/v1/alerts/rules/999').send(thresholdRule).expect(404);
    await request(app).delete('/api/v1/alerts/rules/999').expect(404);
  });

  it('shows firing alerts and events after an evaluation', async () => {
    writeRecords(
      db,
      Array.from({ length: 20 }, (_, m) =>
        runRecords({ startMs: T0 + m * MIN + 1000, durationMs: 100, componentId: `c${m}`, componentType: 'button', model: 'model-a', error: m >= 10 }),
      ).flat(),
    );
    await request(app).post('/api/v1/alerts/rules').send(thresholdRule).expect(201);
    nowMs = T0 + 20 * MIN;
    const evaluated = await request(app).post('/api/v1/alerts/evaluate').expect(200);
    expect(evaluated.body.evaluation).toMatchObject({ firing: 1, rulesEvaluated: 1 });

    const firing = await request(app).get('/api/v1/alerts/firing').expect(200);
    expect(firing.body.alerts).toMatchObject([{ ruleName: 'Success rate low', state: 'firing', value: 0, sinceMs: nowMs, metric: 'success_rate' }]);

    const events = await request(app).get(`/api/v1/alerts/events?state=firing&from=${T0}&to=${nowMs}`).expect(200);
    expect(events.body.events).toHaveLength(1);
    expect(events.body.events[0]).toMatchObject({ state: 'firing', timeMs: nowMs, details: { count: 10, threshold: 0.9 } });
    expect((await request(app).get('/api/v1/alerts/events?state=resolved').expect(200)).body.events).toEqual([]);
    expect((await request(app).get(`/api/v1/alerts/events?rule=99`).expect(200)).body.events).toEqual([]);
  });

  it('serves change detection over history', async () => {
    const empty = await request(app).get('/api/v1/alerts/changes').expect(200);
    expect(empty.body).toMatchObject({ findings: [], modelSwitches: [], buckets: 0 });
    const bad = await request(app).get(`/api/v1/alerts/changes?from=${T0}&to=${T0}`).expect(400);
    expect(bad.body.error.param).toBe('from');
    await request(app).get('/api/v1/alerts/changes?directions=sideways').expect(400);
  });

  it('answers change detection again after a write, from this connection or another', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-changes-'));
    const file = path.join(dir, 'changes.db');
    const served = openDatabase(file);
    const other = openDatabase(file);
    try {
      const changesApp = express();
      changesApp.use('/api/v1/alerts', createAlertsRouter({ db: served }));
      const run = (m: number) => runRecords({ startMs: T0 + m * 86_400_000, durationMs: 100, componentId: `c${m}`, componentType: 'button', model: 'model-a', scores: { q: 0.5 } });
      expect((await request(changesApp).get('/api/v1/alerts/changes').expect(200)).body.buckets).toBe(0);
      writeRecords(served, run(0));
      const one = (await request(changesApp).get('/api/v1/alerts/changes').expect(200)).body;
      expect(one.buckets).toBe(1);
      // The same request with no write in between: the same report.
      expect((await request(changesApp).get('/api/v1/alerts/changes').expect(200)).body).toEqual(one);
      writeRecords(other, run(2));
      expect((await request(changesApp).get('/api/v1/alerts/changes').expect(200)).body.buckets).toBe(3);
    } finally {
      served.close();
      other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
