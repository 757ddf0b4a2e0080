import { AlertRuleInput } from '../schema/alerts';
import type { AlertRuleInputBody } from '../schema/alerts';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { defaultAlertRules } from './defaults';
import { evaluateRules, replayRules } from './evaluate';
import { createRule, listEvents, listStates } from './store';
import { gaussian, runRecords, seededRandom, writeRecords } from './test-fixtures';
import type { FixtureRun } from './test-fixtures';

const T0 = Date.UTC(2024, 4, 1);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function addRule(db: Db, body: AlertRuleInputBody) {
  return createRule(db, AlertRuleInput.parse(body), T0);
}

function run(startMs: number, extra: Partial<FixtureRun> = {}): FixtureRun {
  return { startMs, durationMs: 100, componentId: 'c', componentType: 'button', model: 'model-a', ...extra };
}

describe('evaluateRules: threshold state machine', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
    // One run a minute for an hour; minutes 20-35 fail, and minute 45 fails alone.
    const runs: FixtureRun[] = [];
    for (let m = 0; m < 60; m++) runs.push(run(T0 + m * MIN + 1000, { error: (m >= 20 && m < 36) || m === 45 }));
    writeRecords(db, runs.flatMap(runRecords));
    addRule(db, {
      kind: 'threshold',
      name: 'Success rate low',
      metric: 'success_rate',
      operator: '<',
      value: 0.95,
      windowMillis: '10m',
      forDurationMillis: '5m',
    });
  });
  afterEach(() => db.close());

  it('goes pending, fires after the for-duration, stays quiet while firing, and resolves once', () => {
    expect(evaluateRules(db, T0 + 10 * MIN)).toMatchObject({ pending: 0, firing: 0, events: [] });
    // Window 15-25: half the runs failed.
    expect(evaluateRules(db, T0 + 25 * MIN)).toMatchObject({ pending: 1, firing: 0, events: [] });
    expect(listStates(db, 'all')).toMatchObject([{ state: 'pending', sinceMs: T0 + 25 * MIN }]);
    expect(evaluateRules(db, T0 + 28 * MIN).events).toEqual([]);
    const fired = evaluateRules(db, T0 + 31 * MIN);
    expect(fired.firing).toBe(1);
    expect(fired.events).toHaveLength(1);
    expect(fired.events[0]).toMatchObject({
      state: 'firing',
      ruleName: 'Success rate low',
      metric: 'success_rate',
      timeMs: T0 + 31 * MIN,
      episodeStartMs: T0 + 25 * MIN,
      details: { operator: '<', threshold: 0.95, count: 10, windowStartMs: T0 + 21 * MIN },
    });
    expect(fired.events[0]?.value).toBeCloseTo(0, 10);
    expect(evaluateRules(db, T0 + 33 * MIN).events).toEqual([]);
    // Evaluating the same instant again creates nothing new.
    expect(evaluateRules(db, T0 + 33 * MIN).events).toEqual([]);
    expect(listStates(db)).toMatchObject([{ state: 'firing', firingSinceMs: T0 + 31 * MIN }]);
    // Window 34-44: minutes 34 and 35 failed -> 0.8, still firing.
    expect(evaluateRules(db, T0 + 44 * MIN).events).toEqual([]);
    // Window 46-56 is clean.
    const resolved = evaluateRules(db, T0 + 56 * MIN);
    expect(resolved.events).toMatchObject([{ state: 'resolved', episodeStartMs: T0 + 25 * MIN, value: 1 }]);
    expect(resolved.events[0]?.message).toMatch(/^resolved: /);
    expect(listStates(db, 'all')).toEqual([]);
    expect(listEvents(db, { limit: 10 }).map((e) => e.state)).toEqual(['resolved', 'firing']);
  });

  it('does not page for one bad point shorter than the for-duration', () => {
    // Minute 45 alone: windows ending 46..55 contain it (0.9 < 0.95).
    expect(evaluateRules(db, T0 + 46 * MIN)).toMatchObject({ pending: 1, events: [] });
    expect(evaluateRules(db, T0 + 50 * MIN)).toMatchObject({ pending: 1, events: [] });
    // Window 46-56 no longer holds it: back to inactive without any event.
    expect(evaluateRules(db, T0 + 56 * MIN)).toMatchObject({ pending: 0, firing: 0, events: [] });
    expect(listEvents(db, { limit: 10 })).toEqual([]);
  });

  it('replays history into events without leaving states behind', () => {
    const r = replayRules(db, { fromMs: T0, toMs: T0 + 60 * MIN, stepMillis: MIN });
    expect(r.evaluations).toBe(61);
    expect(r.events.map((e) => [e.state, (e.timeMs - T0) / MIN])).toEqual([
      // Minute 20's failure enters the window at 21 (0.9 < 0.95): pending, firing 5 minutes later;
      // the last failure (minute 45) leaves the window at 56.
      ['firing', 26],
      ['resolved', 56],
    ]);
    expect(listStates(db, 'all')).toEqual([]);
    // Replaying again adds nothing: the events are keyed by episode.
    expect(replayRules(db, { fromMs: T0, toMs: T0 + 60 * MIN, stepMillis: MIN }).events).toEqual([]);
  });

  it('keeps firing for keepFiringForMillis after the condition clears, against flapping', () => {
    db.prepare('DELETE FROM alert_rules').run();
    addRule(db, { kind: 'threshold', name: 'sticky', metric: 'success_rate', operator: '<', value: 0.95, windowMillis: '10m', keepFiringForMillis: '10m' });
    expect(evaluateRules(db, T0 + 31 * MIN).events.map((e) => e.state)).toEqual(['firing']);
    // Window 36-46 holds minute 45's failure (0.9): still holding.
    expect(evaluateRules(db, T0 + 46 * MIN).firing).toBe(1);
    // Clear from 56 (window 46-56): keeps firing, then resolves 10 minutes later.
    expect(evaluateRules(db, T0 + 56 * MIN)).toMatchObject({ firing: 1, events: [] });
    expect(evaluateRules(db, T0 + 62 * MIN)).toMatchObject({ firing: 1, events: [] });
    const r = evaluateRules(db, T0 + 66 * MIN);
    expect(r.events.map((e) => [e.state, e.episodeStartMs])).toEqual([['resolved', T0 + 31 * MIN]]);
    expect(listStates(db, 'all')).toEqual([]);
  });

  it('labels a series with the rule filters too', () => {
    db.prepare('DELETE FROM alert_rules').run();
    addRule(db, { kind: 'threshold', name: 'model a', metric: 'success_rate', filters: { model: 'model-a' }, groupBy: ['component_type'], operator: '<', value: 0.95, windowMillis: '10m' });
    const e = evaluateRules(db, T0 + 30 * MIN).events[0];
    expect(e?.labels).toEqual({ component_type: 'button', model: 'model-a' });
    expect(e?.seriesKey).toBe('{"component_type":"button","model":"model-a"}');
    expect(e?.message).toMatch(/^model a \{component_type=button, model=model-a\}: success_rate 0\.000 < 0\.950/);
  });

  it('needs minSamples points before judging', () => {
    db.prepare('DELETE FROM alert_rules').run();
    addRule(db, { kind: 'threshold', name: 'strict', metric: 'success_rate', operator: '<', value: 0.95, windowMillis: '10m', minSamples: 11 });
    expect(evaluateRules(db, T0 + 30 * MIN)).toMatchObject({ firing: 0, pending: 0 });
  });
});

describe('evaluateRules: statistical, relative and spike rules', () => {
  /** Eight days of hourly runs; the last day's mapping confidence drops when degrade is set. */
  function history(degrade: boolean, seed: number): Db {
    const db = openDatabase(':memory:');
    const random = seededRandom(seed);
    const runs: FixtureRun[] = [];
    const start = T0;
    for (let h = 0; h < 8 * 24; h++) {
      const lastDay = h >= 7 * 24;
      for (let k = 0; k < 3; k++) {
        const level = degrade && lastDay ? 0.68 : 0.8;
        runs.push(
          run(start + h * HOUR + k * 10 * MIN, {
            componentType: k === 0 ? 'button' : 'card',
            scores: { 'mapping.confidence': Math.min(1, Math.max(0, level + gaussian(random, 0.06))) },
            calls: [{ costUsd: 0.01 * (1 + 0.2 * gaussian(random, 1)) }],
          }),
        );
      }
    }
    writeRecords(db, runs.flatMap(runRecords));
    return db;
  }
  const NOW = T0 + 8 * DAY;
  const qualityRule: AlertRuleInputBody = {
    kind: 'statistical',
    name: 'Quality degradation',
    metric: 'quality_score',
    groupBy: ['score', 'model'],
    windowMillis: '1d',
    baselineWindowMillis: '7d',
    alpha: 0.001,
    minEffect: 0.05,
  };

  it('fires a statistical rule on a real degradation, with the test values', () => {
    const db = history(true, 1);
    addRule(db, qualityRule);
    const r = evaluateRules(db, NOW);
    expect(r.errors).toEqual([]);
    expect(r.events).toHaveLength(1);
    const e = r.events[0];
    expect(e?.labels).toEqual({ score: 'mapping.confidence', model: 'model-a' });
    expect(e?.details.test).toBe('welch');
    expect(e?.details.pValue).toBeLessThan(1e-6);
    expect(e?.details.nRecent).toBe(72);
    expect(e?.details.nBaseline).toBe(7 * 72);
    expect(e?.value).toBeLessThan(0.72);
    expect(e?.message).toMatch(/mapping\.confidence.*vs baseline/);
    db.close();
  });

  it('stays quiet on stable data, whatever the noise', () => {
    for (const seed of [2, 3, 4, 5, 6]) {
      const db = history(false, seed);
      addRule(db, { ...qualityRule, alpha: 0.01, minEffect: 0 });
      addRule(db, { ...qualityRule, name: 'per type', groupBy: ['score', 'component_type', 'model'], alpha: 0.001 });
      const r = evaluateRules(db, NOW);
      expect(r.events).toEqual([]);
      db.close();
    }
  });

  it('does not judge below the minimum sample size', () => {
    const db = history(true, 7);
    addRule(db, { ...qualityRule, minSamples: 100 });
    const r = evaluateRules(db, NOW);
    expect(r.events).toEqual([]);
    expect(r.series).toBe(1);
    db.close();
  });

  it('fires a relative rule on mean latency against the previous hour', () => {
    const db = openDatabase(':memory:');
    const runs: FixtureRun[] = [];
    for (let m = 0; m < 70; m++) runs.push(run(T0 + m * MIN + 1000, { durationMs: m < 60 ? 100 : 180 }));
    writeRecords(db, runs.flatMap(runRecords));
    addRule(db, { kind: 'relative', name: 'Latency up', metric: 'latency_mean', windowMillis: '10m', baselineWindowMillis: '1h', changePercent: 50 });
    const r = evaluateRules(db, T0 + 70 * MIN);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.details).toMatchObject({ value: 180, baseline: 100, threshold: 50 });
    expect(r.events[0]?.details.changePercent).toBeCloseTo(80, 10);
    // The direction defaults to the worse one: a latency drop would not fire.
    addRule(db, { kind: 'relative', name: 'Latency down', metric: 'latency_mean', windowMillis: '10m', baselineWindowMillis: '1h', changePercent: 10, direction: 'decrease' });
    expect(evaluateRules(db, T0 + 70 * MIN).events).toEqual([]);
    db.close();
  });

  it('the default latency rule fires on a slower day of one model, not on noise or a switch to a slower model', () => {
    const latency = defaultAlertRules().find((r) => r.name === 'Latency degradation');
    if (!latency) throw new Error('no default latency rule');
    /** Eight days of runs every 20 min, lognormal durations; the last day as `last` says. */
    const days = (last: 'same' | 'slower' | 'switch', seed: number): Db => {
      const db = openDatabase(':memory:');
      const random = seededRandom(seed);
      const runs: FixtureRun[] = [];
      for (let i = 0; i < 8 * 72; i++) {
        const lastDay = i >= 7 * 72;
        const model = last === 'switch' && lastDay ? 'model-b' : 'model-a';
        const median = last === 'slower' && lastDay ? 2400 : last === 'switch' && lastDay ? 4000 : 1200;
        runs.push(run(T0 + i * 20 * MIN + 1000, { model, durationMs: Math.round(median * Math.exp(0.3 * gaussian(random, 1))) }));
      }
      writeRecords(db, runs.flatMap(runRecords));
      createRule(db, latency, T0);
      return db;
    };
    // Two passes, the rule's for-duration (30 min) apart: pending, then firing.
    const twice = (db: Db) => [...evaluateRules(db, NOW - 31 * MIN).events, ...evaluateRules(db, NOW).events].filter((e) => e.state === 'firing');
    const slower = days('slower', 1);
    const r = { events: twice(slower) };
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.labels).toMatchObject({ model: 'model-a' });
    expect(r.events[0]?.details.changePercent).toBeGreaterThan(50);
    slower.close();
    for (const [kind, seed] of [['same', 2], ['same', 3], ['switch', 4]] as const) {
      const db = days(kind, seed);
      expect(twice(db)).toEqual([]);
      db.close();
    }
  });

  it('fires a spike rule on hourly cost per model, and not on ordinary hours', () => {
    const db = history(false, 8);
    addRule(db, {
      kind: 'spike',
      name: 'Cost spike',
      metric: 'cost_per_hour',
      groupBy: ['model'],
      windowMillis: '1h',
      baselineWindowMillis: '7d',
      bucketMillis: '1h',
      minBaselineBuckets: 24,
    });
    expect(evaluateRules(db, NOW).events).toEqual([]);
    // Ten expensive runs in the next hour.
    writeRecords(db, Array.from({ length: 10 }, (_, i) => runRecords(run(NOW + i * MIN, { calls: [{ costUsd: 0.01 }] }))).flat());
    const r = evaluateRules(db, NOW + HOUR);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.labels).toEqual({ model: 'model-a' });
    expect(r.events[0]?.details.ratio).toBeGreaterThan(2.5);
    expect(r.events[0]?.details.z).toBeGreaterThan(3.5);
    expect(r.events[0]?.details.nBaseline).toBe(7 * 24);
    db.close();
  });

  it('reports a failing rule and still evaluates the others', () => {
    const db = history(false, 9);
    addRule(db, qualityRule);
    db.prepare("UPDATE alert_rules SET definition = json_set(definition, '$.groupBy', json('[\"stage\"]')) WHERE name = ?").run(qualityRule.name);
    addRule(db, { kind: 'threshold', name: 'ok rule', metric: 'success_rate', operator: '<', value: 0.5, windowMillis: '1h' });
    const r = evaluateRules(db, NOW);
    expect(r.rulesEvaluated).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.message).toMatch(/stored rule is invalid: .*no stage dimension/);
    db.close();
  });
});
