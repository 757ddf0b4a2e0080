import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { benchmarkRecord, gaussian, runRecords, seededRandom, writeRecords } from '../alerts/test-fixtures';
import { runGate } from '../cli/gate';
import type { CompareResponse } from '../schema/api';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { createApp } from './app';

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const TYPES = ['button', 'card', 'input', 'modal', 'table'];
const COMPONENTS = 10;

interface BenchOptions {
  model: string;
  /** Quality drop on every component, or only on these types. */
  qualityDrop?: number;
  dropTypes?: string[];
  latencyFactor?: number;
  costFactor?: number;
}

/** One benchmark run over the corpus: every component once, fresh noise (as cli/gate.test.ts). */
function bench(db: Db, id: string, startMs: number, seed: number, o: BenchOptions): void {
  const random = seededRandom(seed);
  let t = startMs;
  const records = [];
  for (let i = 0; i < COMPONENTS; i++) {
    const type = TYPES[i % TYPES.length] ?? 'button';
    const drop = o.dropTypes === undefined || o.dropTypes.includes(type) ? (o.qualityDrop ?? 0) : 0;
    const offset = (i % 5) * 0.03 - 0.06;
    const q = (v: number) => Math.min(1, Math.max(0, v - drop));
    records.push(
      ...runRecords({
        startMs: t,
        durationMs: (900 + 300 * (i % 3) + gaussian(random, 60)) * (o.latencyFactor ?? 1),
        componentId: `comp-${i}`,
        componentType: type,
        model: o.model,
        benchmarkRunId: id,
        scores: {
          'mapping.confidence': q(0.8 + offset + gaussian(random, 0.02)),
          'code.quality': q(0.75 + offset + gaussian(random, 0.02)),
        },
        calls: [{ costUsd: (0.002 + (i % 4) * 0.0005) * (1 + gaussian(random, 0.03)) * (o.costFactor ?? 1) }],
      }),
    );
    t += 2000;
  }
  records.push(benchmarkRecord({ id, startMs, endMs: t, model: o.model, components: COMPONENTS }));
  writeRecords(db, records);
}

async function gateJson(db: Db, argv: string[]): Promise<{ code: number; json: { metrics: { metric: string; verdict: string; pValue: number | null }[] } }> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const code = await runGate([...argv, '--json'], { db, stdout: sink, stderr: sink });
  return { code, json: JSON.parse(out) as { metrics: { metric: string; verdict: string; pValue: number | null }[] } };
}

describe('GET /api/v1/compare', () => {
  let dir: string;
  let db: Db;
  const NOW = T0 + 3 * 86_400_000;
  const app = () => createApp({ db, clock: () => NOW });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-compare-'));
    db = openDatabase(path.join(dir, 'genscope.db'));
    // Two models, eight benchmark runs each, interleaved: model-b is worse on cards only.
    for (let i = 0; i < 8; i++) {
      bench(db, `a-${i}`, T0 + 2 * i * HOUR, 100 + i, { model: 'model-a' });
      bench(db, `b-${i}`, T0 + (2 * i + 1) * HOUR, 200 + i, { model: 'model-b', qualityDrop: 0.3, dropTypes: ['card'] });
    }
    // And a run that regresses everywhere against the one before it, for the gate.
    bench(db, 'base', T0 + 20 * HOUR, 300, { model: 'model-c' });
    bench(db, 'worse', T0 + 21 * HOUR, 301, { model: 'model-c', qualityDrop: 0.1, latencyFactor: 1.6, costFactor: 2 });
  });
  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the gate’s verdicts for two benchmark runs, metric by metric', async () => {
    const res = await request(app()).get('/api/v1/compare').query({ 'a.benchmarkRun': 'base', 'b.benchmarkRun': 'worse' });
    expect(res.status).toBe(200);
    const body = res.body as CompareResponse;
    const gate = await gateJson(db, ['--run', 'worse', '--baseline', 'base']);
    expect(gate.code).toBe(1);
    const asGate: Record<string, string> = { better: 'improved', worse: 'regressed', 'no significant change': 'unchanged', 'insufficient data': 'insufficient data' };
    const key = (m: string) => (m === 'cost_per_run' ? 'cost_per_component' : m);
    expect(body.metrics.map((m) => [key(m.metric), asGate[m.verdict]])).toEqual(gate.json.metrics.map((m) => [m.metric, m.verdict]));
    body.metrics.forEach((m, i) => expect(m.pValue).toBeCloseTo(gate.json.metrics[i]?.pValue ?? NaN, 9));
    expect(body.metrics.filter((m) => m.verdict === 'worse').map((m) => m.metric)).toEqual(
      expect.arrayContaining(['quality:mapping.confidence', 'quality:code.quality', 'cost_per_run']),
    );
    expect(body.a.kpis.runs).toBe(COMPONENTS);
    expect(body.b.kpis.totalCostUsd).toBeGreaterThan(body.a.kpis.totalCostUsd * 1.5);
    expect(body.a.fromMs).toBeNull();
    expect(body.meta.capped).toBe(false);
  });

  it('compares two models over the default range: worse on cards, and names the card components', async () => {
    const res = await request(app()).get('/api/v1/compare').query({ 'a.model': 'model-a', 'b.model': 'model-b' });
    expect(res.status).toBe(200);
    const body = res.body as CompareResponse;
    expect(body.a.kpis.runs).toBe(8 * COMPONENTS);
    expect(body.b.kpis.runs).toBe(8 * COMPONENTS);
    expect(body.a.toMs).toBe(NOW);
    expect(body.a.label).toBe('model model-a, last 30d');
    const card = body.componentTypes.find((g) => g.key === 'card');
    expect(card?.metrics.find((m) => m.metric === 'quality:mapping.confidence')?.verdict).toBe('worse');
    for (const g of body.componentTypes.filter((x) => x.key !== 'card')) expect(g.worse).toBe(0);
    const cardComponents = Array.from({ length: COMPONENTS }, (_, i) => i)
      .filter((i) => TYPES[i % TYPES.length] === 'card')
      .map((i) => `comp-${i}`);
    expect(body.components.map((c) => c.key).sort()).toEqual(cardComponents.sort());
    for (const c of body.components) expect(c.worse).toBeGreaterThan(0);
    expect(body.componentsCompared).toBe(COMPONENTS);
    // Filtered to one type, both sides hold that type's runs only.
    const typed = await request(app()).get('/api/v1/compare').query({ 'a.model': 'model-a', 'b.model': 'model-b', componentType: 'button' });
    expect(typed.status).toBe(200);
    const t = typed.body as CompareResponse;
    expect(t.componentTypes.map((g) => g.key)).toEqual(['button']);
    expect(t.metrics.filter((m) => m.verdict === 'worse')).toEqual([]);
  });

  it('compares two time ranges and applies alpha', async () => {
    const q = { 'a.from': String(T0), 'a.to': String(T0 + 8 * HOUR), 'b.from': String(T0 + 8 * HOUR), 'b.to': String(T0 + 16 * HOUR) };
    const res = await request(app()).get('/api/v1/compare').query(q);
    expect(res.status).toBe(200);
    const body = res.body as CompareResponse;
    expect(body.a.kpis.runs).toBe(8 * COMPONENTS);
    expect(body.a.fromMs).toBe(T0);
    const strict = await request(app()).get('/api/v1/compare').query({ ...q, alpha: '0.0000001', minChange: '50' });
    expect(strict.status).toBe(200);
    expect((strict.body as CompareResponse).meta.alpha).toBe(0.0000001);
    expect((strict.body as CompareResponse).metrics.some((m) => m.verdict === 'better' || m.verdict === 'worse')).toBe(false);
  });

  it.each([
    [{ 'b.model': 'model-b' }, 'a.model', /side a is missing/],
    [{ 'a.model': 'model-a' }, 'b.model', /side b is missing/],
    [{ 'a.model': 'model-a', 'a.benchmarkRun': 'a-1', 'b.model': 'model-b' }, 'a.benchmarkRun', /not both/],
    [{ 'a.model': 'model-a', 'b.model': 'model-b', stage: 'generate' }, 'stage', /not supported/],
    [{ 'a.model': 'model-a', 'b.range': '7d', 'b.from': String(T0) }, 'b.range', /not both/],
    [{ 'a.model': 'model-a', 'b.from': String(T0 + HOUR), 'b.to': String(T0) }, 'b.from', /before/],
    [{ 'a.model': 'model-a', 'b.model': 'model-b', alpha: '0.7' }, 'alpha', /less than 0.5/],
    [{ 'a.model': 'model-a', 'b.model': 'model-b', minChange: '5000' }, 'minChange', /at most 1000/],
    [{ 'a.model': 'model-a', 'b.model': 'model-b', minChange: '-3' }, 'minChange', /non-negative/],
    [{ 'a.model': 'model-a', 'b.model': 'model-b', 'c.model': 'x' }, 'c.model', /unknown parameter/],
    [{ 'a.model': 'model-a', 'b.range': 'forever' }, 'b.range', /must be one of/],
    [{ 'a.benchmarkRun': 'base', 'b.benchmarkRun': 'no-such-run' }, 'b.benchmarkRun', /no benchmark run with id "no-such-run"/],
  ])('refuses %j with a 400 naming %s', async (query, param, message) => {
    const res = await request(app()).get('/api/v1/compare').query(query);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
    expect(res.body.error.message).toMatch(message);
  });

  it('is in the OpenAPI document with its side parameters', async () => {
    const res = await request(app()).get('/api/v1/openapi.json');
    const op = res.body.paths['/api/v1/compare'].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['a.model', 'b.benchmarkRun', 'a.from', 'b.range', 'alpha', 'minChange']));
  });
});
