import request from 'supertest';
import { openDatabase } from '../db';
import { SCORE } from '../../../schema/names';
import { SimulatedClock, startTelemetry } from '../../../instrumentation';
import { createApp } from '../../../api/app';

const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 20);

/** Runs of one type and model through the real instrumentation, each with scores and a priced call. */
async function history(db: ReturnType<typeof openDatabase>) {
  const clock = new SimulatedClock(BigInt(END - 5 * DAY) * 1_000_000n, { realTime: false });
  const t = startTelemetry({ db, otlp: false, clock });
  const p = t.pipeline({ name: 'test', version: '1' });
  const cases = [
    { type: 'button', model: 'big', runs: 40, quality: 0.9, cost: 0.01 },
    { type: 'button', model: 'small', runs: 25, quality: 0.895, cost: 0.002 },
    { type: 'card', model: 'big', runs: 40, quality: 0.9, cost: 0.01 },
    { type: 'card', model: 'small', runs: 25, quality: 0.8, cost: 0.002 },
  ];
  for (const c of cases) {
    const generate = p.stage('generate', () =>
      t.modelCall({ provider: 'test', operation: 'chat', requestModel: c.model }, async () => ({
        usage: { inputTokens: 100, outputTokens: 50, costUsd: c.cost },
      })),
    );
    const validate = p.stage('validate', () => {
      t.recordScore(SCORE.pixelSimilarity, c.quality);
      t.recordScore(SCORE.structuralSimilarity, c.quality);
      t.recordScore(SCORE.codeQuality, c.quality);
    });
    for (let i = 0; i < c.runs; i++) {
      clock.advance(60_000);
      await p.run({ componentId: `${c.type}-${i % 3}`, componentType: c.type, model: c.model }, async () => {
        await generate();
        validate();
      });
    }
  }
  await t.shutdown();
}

describe('GET /api/v1/cost/opportunities', () => {
  it('lists a cheaper model within tolerance on every score, with the savings, and not one beyond it', async () => {
    const db = openDatabase(':memory:');
    await history(db);
    const app = createApp({ db, clock: () => END });
    const res = await request(app).get('/api/v1/cost/opportunities?range=30d').expect(200);
    expect(res.body.componentType).toEqual(['button']);
    expect(res.body.currentModel).toEqual(['big']);
    expect(res.body.candidateModel).toEqual(['small']);
    expect(res.body.currentCostPerRunUsd[0]).toBeCloseTo(0.01, 9);
    expect(res.body.candidateCostPerRunUsd[0]).toBeCloseTo(0.002, 9);
    expect(res.body.savingsUsd[0]).toBeCloseTo((0.01 - 0.002) * 40, 9);
    expect(res.body.worstDelta[0]).toBeCloseTo(-0.005, 6);

    const strict = await request(app).get('/api/v1/cost/opportunities?range=30d&tolerance=0.001').expect(200);
    expect(strict.body.componentType).toEqual([]);
    const thin = await request(app).get('/api/v1/cost/opportunities?range=30d&minSamples=30').expect(200);
    expect(thin.body.componentType).toEqual([]);
  });

  it('rejects a tolerance outside 0..1 with a 400 naming it, and exports as CSV', async () => {
    const db = openDatabase(':memory:');
    await history(db);
    const app = createApp({ db, clock: () => END });
    const bad = await request(app).get('/api/v1/cost/opportunities?tolerance=2').expect(400);
    expect(bad.body.error.message).toMatch(/tolerance/);
    const csv = await request(app).get('/api/v1/export/panel/cost-opportunities.csv?range=30d').expect(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toMatch(/^componentType,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^button,big,small,/);
  });
});
