import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store';
import { AlertsConfigError, loadAlertRulesFile, seedAlertRulesFromFile } from './config';
import { defaultAlertRules, ensureDefaultAlertRules } from './defaults';
import { deleteRule, getRuleByName, listRules, seedRules, setMeta } from './store';

const T0 = Date.UTC(2024, 4, 1);

describe('alerts config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-alerts-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  const valid = {
    rules: [
      { kind: 'threshold', name: 'p95 slow', metric: 'latency_p95', filters: { stage: 'generate' }, operator: '>', value: 2000, windowMillis: '15m', forDurationMillis: '5m' },
      { kind: 'spike', name: 'cost', metric: 'cost_per_hour', windowMillis: '1h', baselineWindowMillis: '7d', bucketMillis: '1h' },
    ],
    webhooks: [{ name: 'slack', url: 'https://hooks.slack.example/T/B/x', format: 'slack' }],
  };

  it('loads rules and webhooks with defaults applied and durations parsed', () => {
    const cfg = loadAlertRulesFile(write('ok.json', JSON.stringify(valid)));
    expect(cfg.rules[0]).toMatchObject({ windowMillis: 900_000, forDurationMillis: 300_000, severity: 'warning', enabled: true });
    expect(cfg.webhooks[0]).toMatchObject({ name: 'slack', format: 'slack', timeoutMillis: 5000 });
  });

  it('gives clear errors: missing file, bad JSON, each invalid field with its place', () => {
    expect(() => loadAlertRulesFile(path.join(dir, 'nope.json'))).toThrow(/nope\.json: file not found/);
    expect(() => loadAlertRulesFile(write('bad.json', '{"rules": ['))).toThrow(/not valid JSON/);
    const broken = { rules: [valid.rules[0], { ...valid.rules[1], windowMillis: '1 fortnight' }], webhooks: [{ name: 'x', url: 'ftp://x' }] };
    try {
      loadAlertRulesFile(write('broken.json', JSON.stringify(broken)));
      throw new Error('expected an error');
    } catch (err) {
      expect(err).toBeInstanceOf(AlertsConfigError);
      expect((err as AlertsConfigError).problems).toEqual([
        'rules[1].windowMillis: "1 fortnight" is not a duration (use milliseconds or e.g. 90s, 15m, 1h, 7d)',
        'webhooks[0].url: must be an http(s) URL',
      ]);
    }
  });

  it('seeds rules by name: creates, then leaves identical ones, then updates changed ones', () => {
    const db = openDatabase(':memory:');
    const file = write('seed.json', JSON.stringify(valid));
    expect(seedAlertRulesFromFile(db, file, T0)).toMatchObject({ created: ['p95 slow', 'cost'], updated: [], unchanged: [] });
    expect(seedAlertRulesFromFile(db, file, T0)).toMatchObject({ created: [], updated: [], unchanged: ['p95 slow', 'cost'] });
    const changed = { ...valid, rules: [{ ...valid.rules[0], value: 3000 }] };
    expect(seedAlertRulesFromFile(db, write('seed2.json', JSON.stringify(changed)), T0 + 1)).toMatchObject({ updated: ['p95 slow'] });
    expect(getRuleByName(db, 'p95 slow')).toMatchObject({ value: 3000, source: 'config', updatedMs: T0 + 1 });
    expect(listRules(db)).toHaveLength(2);
    db.close();
  });
});

describe('default rules', () => {
  it('are valid and cover quality degradation, latency degradation and cost spikes', () => {
    const rules = defaultAlertRules();
    expect(rules.map((r) => [r.kind, r.metric])).toEqual([
      ['statistical', 'quality_score'],
      ['relative', 'latency_p95'],
      ['spike', 'cost_per_hour'],
      ['spike', 'cost_per_day'],
    ]);
  });

  it('are seeded once: a deleted default rule does not come back', () => {
    const db = openDatabase(':memory:');
    expect(ensureDefaultAlertRules(db, T0)?.created).toHaveLength(4);
    const quality = getRuleByName(db, 'Quality degradation');
    expect(quality?.source).toBe('default');
    deleteRule(db, quality?.id ?? -1);
    expect(ensureDefaultAlertRules(db, T0 + 1)).toBeNull();
    expect(listRules(db).map((r) => r.name)).toEqual(['Latency degradation', 'Cost spike (hourly)', 'Cost spike (daily)']);
    db.close();
  });

  it('reach a database seeded before the latency rule existed, once, without bringing back deleted ones', () => {
    const db = openDatabase(':memory:');
    // The state an earlier version left: its three defaults seeded, one deleted by the user.
    seedRules(db, defaultAlertRules().filter((r) => r.name !== 'Latency degradation' && r.name !== 'Cost spike (daily)'), T0, 'default');
    setMeta(db, 'default_rules_seeded', String(T0));
    expect(ensureDefaultAlertRules(db, T0 + 1)?.created).toEqual(['Latency degradation']);
    expect(listRules(db).map((r) => r.name).sort()).toEqual(['Cost spike (hourly)', 'Latency degradation', 'Quality degradation']);
    deleteRule(db, getRuleByName(db, 'Latency degradation')?.id ?? -1);
    expect(ensureDefaultAlertRules(db, T0 + 2)).toBeNull();
    expect(getRuleByName(db, 'Latency degradation')).toBeNull();
    db.close();
  });
});
