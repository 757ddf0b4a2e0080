import { SqliteStore, openDatabase } from '../store';
import type { Db } from '../store';
import { detectChanges, findingDays } from './detect-changes';
import { benchmarkRecord, gaussian, runRecords, seededRandom, writeRecords } from './test-fixtures';
import type { SpanRecord } from '../schema/records';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2024, 3, 1); // 2024-04-01
const TYPES = ['button', 'card', 'input', 'modal', 'navbar', 'table'];

interface HistoryOptions {
  seed: number;
  days?: number;
  runsPerDay?: number;
  /** Day index from which the second model runs everything. */
  switchDay?: number;
  /** Day index with 4x token use (a cost spike), or none. */
  spikeDay?: number;
  /** Time (ms) from which quality drops, or none. */
  regressionFromMs?: number;
}

/**
 * A simulated (demo-shaped) history: benchmark runs a few times a day over a fixed corpus of 24
 * components, two models with a switch, optional injected cost spike and quality regression.
 */
function history(db: Db, o: HistoryOptions): void {
  const random = seededRandom(o.seed);
  const days = o.days ?? 35;
  const runsPerDay = o.runsPerDay ?? 3;
  const corpus = TYPES.flatMap((type, t) => Array.from({ length: 4 }, (_, i) => ({ id: `${type}-${i}`, type, offset: ((t * 4 + i) % 7) * 0.02 - 0.06 })));
  const records: SpanRecord[] = [];
  for (let d = 0; d < days; d++) {
    for (let r = 0; r < runsPerDay; r++) {
      const runStart = START + d * DAY + (2 + r * 8) * HOUR + Math.floor(random() * HOUR);
      const model = o.switchDay !== undefined && d >= o.switchDay ? 'model-b' : 'model-a';
      const id = `bench-${d}-${r}`;
      const price = model === 'model-b' ? 1.6e-6 : 1e-6;
      const tokens = o.spikeDay === d ? 4 : 1;
      let t = runStart;
      for (const c of corpus) {
        const regressed = o.regressionFromMs !== undefined && t >= o.regressionFromMs;
        const quality = (model === 'model-b' ? 0.02 : 0) - (regressed ? 0.15 : 0);
        const clamp = (v: number) => Math.min(1, Math.max(0, v));
        const inputTokens = Math.round(tokens * (1500 + gaussian(random, 300)));
        const outputTokens = Math.round(tokens * (400 + gaussian(random, 100)));
        records.push(
          ...runRecords({
            startMs: t,
            durationMs: 800 + random() * 400,
            componentId: c.id,
            componentType: c.type,
            model,
            benchmarkRunId: id,
            scores: {
              'classification.accuracy': random() < 0.9 + quality / 2 ? 1 : 0,
              'mapping.confidence': clamp(0.8 + c.offset + quality + gaussian(random, 0.05)),
              'visual.pixel_similarity': clamp(0.9 + c.offset / 2 + gaussian(random, 0.03)),
              'code.quality': clamp(0.75 + c.offset + quality + gaussian(random, 0.08)),
            },
            calls: [{ costUsd: (inputTokens + 4 * outputTokens) * price, inputTokens, outputTokens }],
          }),
        );
        t += 1500;
      }
      records.push(benchmarkRecord({ id, startMs: runStart, endMs: t, model, components: corpus.length }));
    }
  }
  writeRecords(db, records);
}

/** Change detection reads through the store interface: the SQLite store on the file. */
const scan = (db: Db, options?: Parameters<typeof detectChanges>[1]) => detectChanges(new SqliteStore(db, { ownsDb: false }), options);

describe('detectChanges on a demo-shaped history', () => {
  it('finds the injected quality regression and cost spike on their days, and the model switch as context', async () => {
    const db = openDatabase(':memory:');
    history(db, { seed: 11, switchDay: 18, spikeDay: 9, regressionFromMs: START + 26 * DAY });
    const report = (await scan(db));
    expect(report.buckets).toBe(35);
    expect(findingDays(report, 'cost_spike')).toEqual(['2024-04-10']);
    expect(findingDays(report, 'quality_regression')).toEqual(['2024-04-27']);
    expect(report.findings.every((f) => f.kind === 'cost_spike' || f.kind === 'quality_regression')).toBe(true);
    const spike = report.findings.find((f) => f.kind === 'cost_spike');
    expect(spike).toMatchObject({ scope: { model: 'model-a' }, endDay: '2024-04-10' });
    expect(spike?.ratio).toBeGreaterThan(3);
    // One finding for the change, the other series that show it folded in.
    const regressions = report.findings.filter((f) => f.kind === 'quality_regression');
    expect(regressions).toHaveLength(1);
    const all = regressions.flatMap((f) => [f, ...f.related]);
    // The two scores that dropped by 0.15 (accuracy drops by half as much, may or may not pass
    // the Bonferroni level); pixel similarity does not move and must not appear.
    const scores = [...new Set(all.map((f) => f.scope.score))];
    expect(scores).toEqual(expect.arrayContaining(['mapping.confidence', 'code.quality']));
    expect(scores).not.toContain('visual.pixel_similarity');
    expect(regressions[0]?.scope.componentType).toBe('');
    expect(all.every((f) => f.scope.model === 'model-b' && (f.pValue ?? 1) < 0.001 && (f.changePercent ?? 0) < -10)).toBe(true);
    expect(all.filter((f) => f.scope.componentType !== '').length).toBeGreaterThan(0);
    expect(report.modelSwitches).toEqual([{ day: '2024-04-19', startMs: START + 18 * DAY, from: 'model-a', to: 'model-b' }]);
    db.close();
  });

  it('raises nothing on stable histories, model switch included', async () => {
    for (const seed of [21, 22, 23, 24]) {
      const db = openDatabase(':memory:');
      history(db, { seed, switchDay: 15, runsPerDay: 2 + (seed % 3) });
      const report = (await scan(db));
      expect(report.findings.map((f) => f.message)).toEqual([]);
      expect(report.modelSwitches).toHaveLength(1);
      db.close();
    }
  });

  it('dates a regression that starts mid-day to that day', async () => {
    const db = openDatabase(':memory:');
    history(db, { seed: 31, days: 20, runsPerDay: 4, regressionFromMs: START + 14 * DAY + 13 * HOUR });
    const report = (await scan(db));
    expect(findingDays(report, 'quality_regression')).toEqual(['2024-04-15']);
    db.close();
  });

  it('reports improvements and drops only when asked', async () => {
    const db = openDatabase(':memory:');
    history(db, { seed: 41, days: 24, regressionFromMs: START + 12 * DAY });
    // Quality recovers: drop the regression after day 18 by rewriting later scores up.
    db.prepare('UPDATE scores_rows SET value = MIN(1, value + 0.15) WHERE time_ns >= ? AND name_ref = (SELECT id FROM strings WHERE value = ?)').run(BigInt(START + 18 * DAY) * 1_000_000n, 'mapping.confidence');
    expect(findingDays((await scan(db)), 'quality_improvement')).toEqual([]);
    const both = (await scan(db, { directions: 'both' }));
    expect(findingDays(both, 'quality_regression')).toEqual(['2024-04-13']);
    expect(findingDays(both, 'quality_improvement')).toEqual(['2024-04-19']);
    db.close();
  });

  it('returns an empty report on an empty database', async () => {
    const db = openDatabase(':memory:');
    expect((await scan(db))).toMatchObject({ findings: [], modelSwitches: [], buckets: 0 });
    db.close();
  });
});
