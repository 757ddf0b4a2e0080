/**
 * The monthly budget as a stored setting: set through PUT /api/v1/budget, kept in the file across
 * a restart, replaced by configuration at start, refused when malformed (nothing stored changes),
 * admin-only on a server with keys, and applied to all spend under a filter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { BudgetResponse, BudgetSettingResponse } from '../../schema/api';
import { SqliteKeyStore, openDatabase } from '../../store';
import { createApp } from '../app';
import { TEST_NOW, count, testWorld } from '../test-support';
import { writeFixture } from '../test-fixtures';

const MONTH_START_NS = BigInt(Date.UTC(2026, 5, 1)) * 1_000_000n;
const NOW_NS = BigInt(TEST_NOW) * 1_000_000n;

describe('the stored monthly budget', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-budget-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is set with PUT, read by the budget panel, and kept across a restart', async () => {
    const file = path.join(dir, 'g.db');
    const db = openDatabase(file);
    writeFixture(db, { runs: 600, startMs: TEST_NOW - 600 * 60_000, intervalMs: 60_000 });
    const app = createApp({ db, clock: () => TEST_NOW });
    const none = await request(app).get('/api/v1/cost/budget').expect(200);
    expect((none.body as BudgetResponse).monthlyBudgetUsd).toBeNull();
    expect((none.body as BudgetResponse).runwayDays).toBeNull();

    const put = await request(app).put('/api/v1/budget').send({ monthlyBudgetUsd: 42.5 }).expect(200);
    expect(put.body as BudgetSettingResponse).toEqual({ monthlyBudgetUsd: 42.5, source: 'api', updatedAtMs: TEST_NOW });
    const b = (await request(app).get('/api/v1/cost/budget').expect(200)).body as BudgetResponse;
    expect(b.monthlyBudgetUsd).toBe(42.5);
    expect(b.budgetSource).toBe('api');
    expect(b.remainingUsd).toBeCloseTo(42.5 - b.monthToDateUsd, 5);
    db.close();

    // A restart: a new process opens the same file with no budget flag.
    const again = openDatabase(file);
    const app2 = createApp({ db: again, clock: () => TEST_NOW + 1000 });
    const after = (await request(app2).get('/api/v1/cost/budget').expect(200)).body as BudgetResponse;
    expect(after.monthlyBudgetUsd).toBe(42.5);
    expect(after.budgetSource).toBe('api');
    expect(((await request(app2).get('/api/v1/budget').expect(200)).body as BudgetSettingResponse).monthlyBudgetUsd).toBe(42.5);

    // Removing it.
    await request(app2).put('/api/v1/budget').send({ monthlyBudgetUsd: null }).expect(200);
    expect(((await request(app2).get('/api/v1/cost/budget').expect(200)).body as BudgetResponse).monthlyBudgetUsd).toBeNull();
    again.close();

    // A budget from configuration at start replaces the stored one.
    const third = openDatabase(file);
    createApp({ db: third, clock: () => TEST_NOW, config: { monthlyBudgetUsd: 7 } });
    const app3 = createApp({ db: third, clock: () => TEST_NOW });
    const cfg = (await request(app3).get('/api/v1/cost/budget').expect(200)).body as BudgetResponse;
    expect([cfg.monthlyBudgetUsd, cfg.budgetSource]).toEqual([7, 'config']);
    third.close();
  });

  it('refuses malformed budgets with a 4xx naming the field and keeps the stored one', async () => {
    const w = testWorld(100);
    const bad: [unknown, RegExp][] = [
      [{ monthlyBudgetUsd: -1 }, /monthlyBudgetUsd.*0 or more/],
      [{ monthlyBudgetUsd: '250' }, /monthlyBudgetUsd/],
      [{ monthlyBudgetUsd: 1e13 }, /monthlyBudgetUsd.*at most/],
      [{}, /monthlyBudgetUsd/],
      [{ monthlyBudgetUsd: 5, scope: 'card' }, /unknown parameter scope/],
      [[5], /./],
    ];
    for (const [body, message] of bad) {
      const r = await request(w.app).put('/api/v1/budget').send(body as object);
      expect([r.status, body]).toEqual([400, body]);
      expect((r.body as { error: { message: string } }).error.message).toMatch(message);
    }
    const text = await request(w.app).put('/api/v1/budget').set('content-type', 'text/plain').send('250');
    expect(text.status).toBe(415);
    expect(((await request(w.app).get('/api/v1/budget')).body as BudgetSettingResponse).monthlyBudgetUsd).toBe(100);
    w.db.close();
  });

  it('takes a budget only from an admin key once keys exist', async () => {
    const db = openDatabase(':memory:');
    const keys = new SqliteKeyStore(db);
    const read = keys.create('read').key;
    const ingest = keys.create('ingest').key;
    const admin = keys.create('admin').key;
    const app = createApp({ db, clock: () => TEST_NOW, keys });
    const put = (key?: string) => {
      const r = request(app).put('/api/v1/budget').send({ monthlyBudgetUsd: 9 });
      return key ? r.set('authorization', `Bearer ${key}`) : r;
    };
    expect((await put()).status).toBe(401);
    expect((await put(read)).status).toBe(403);
    expect((await put(ingest)).status).toBe(403);
    expect(((await request(app).get('/api/v1/budget').set('authorization', `Bearer ${read}`)).body as BudgetSettingResponse).monthlyBudgetUsd).toBeNull();
    expect((await put(admin)).status).toBe(200);
    expect(((await request(app).get('/api/v1/budget').set('authorization', `Bearer ${read}`)).body as BudgetSettingResponse).monthlyBudgetUsd).toBe(9);
    db.close();
  });

  it('applies the budget to all spend under a filter, with the slice and its share beside it', async () => {
    const w = testWorld(3000);
    const all = (await request(w.app).get('/api/v1/cost/budget').expect(200)).body as BudgetResponse;
    const type = (w.db.prepare('SELECT component_type AS t FROM model_call_view WHERE component_type IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1').get() as { t: string }).t;
    const slice = (await request(w.app).get(`/api/v1/cost/budget?componentType=${type}`).expect(200)).body as BudgetResponse;
    const spend = (where: string, ...p: string[]) =>
      (w.db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS c FROM model_call_view WHERE time_ns >= ? AND time_ns < ? ${where}`).get(MONTH_START_NS, NOW_NS, ...p) as { c: number }).c;
    const sliceUsd = spend('AND component_type = ?', type);
    const totalUsd = spend('');
    expect(sliceUsd).toBeGreaterThan(0);
    expect(sliceUsd).toBeLessThan(totalUsd);
    expect(all.filtered).toBe(false);
    expect(all.monthToDateUsd).toBeCloseTo(totalUsd, 6);
    expect(all.shareOfSpend).toBeNull();
    expect(slice.filtered).toBe(true);
    expect(slice.monthToDateUsd).toBeCloseTo(sliceUsd, 6);
    expect(slice.totalMonthToDateUsd).toBeCloseTo(totalUsd, 6);
    expect(slice.shareOfSpend).toBeCloseTo(sliceUsd / totalUsd, 5);
    // The runway, the remaining budget, the burn and "over budget" are those of all spend.
    expect(slice.remainingUsd).toBe(all.remainingUsd);
    expect(slice.runwayDays).toBe(all.runwayDays);
    expect(slice.dailyBurnUsd).toBe(all.dailyBurnUsd);
    expect(slice.projectedOverBudget).toBe(all.projectedOverBudget);
    expect(slice.totalProjectedMonthEndUsd).toBe(all.projectedMonthEndUsd);
    // The slice's chart is its own spend.
    expect(slice.daily.cumulativeUsd.at(-1)).toBeCloseTo(sliceUsd, 6);
    expect(count(w.db, 'SELECT count(*) AS n FROM settings')).toBe(1);
    w.db.close();
  });
});
