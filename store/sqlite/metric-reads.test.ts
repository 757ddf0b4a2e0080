import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './db';
import type { Db } from './db';
import { SqliteStore } from './store';
import type { MetricScope, TimeRange } from './alert-metrics';
import { runRecords, writeRecords } from '../../alerts/test-fixtures';

const T0 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;

describe('alert metric reads in a worker thread', () => {
  let dir: string;
  let db: Db;
  let inThread: SqliteStore;
  let offThread: SqliteStore;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-metric-reads-'));
    db = openDatabase(path.join(dir, 'g.db'));
    for (let i = 0; i < 40; i++)
      writeRecords(
        db,
        runRecords({
          startMs: T0 + i * 7 * 60_000,
          durationMs: 100 + ((i * 37) % 300),
          componentId: `c${i % 5}`,
          componentType: i % 3 === 0 ? 'card' : 'button',
          model: i % 4 === 0 ? 'model-b' : 'model-a',
          error: i % 9 === 0,
          scores: { 'mapping.confidence': 0.5 + ((i * 13) % 50) / 100, 'code.quality': ((i * 7) % 10) / 10 },
          calls: [{ costUsd: 0.001 * (1 + (i % 6)) }],
          cacheHit: i % 2 === 0,
        }),
      );
    const clock = () => T0 + 6 * HOUR;
    inThread = new SqliteStore(db, { ownsDb: false, clock });
    offThread = new SqliteStore(db, { ownsDb: false, clock, offThreadMetricReads: { idleMillis: 60_000 } });
  });
  afterAll(async () => {
    await offThread.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const range: TimeRange = { fromMs: T0, toMs: T0 + 5 * HOUR };
  const scopes: MetricScope[] = [
    { metric: 'quality_score', filters: {}, groupBy: ['score', 'model'] },
    { metric: 'quality_score', filters: { score: 'mapping.confidence' }, groupBy: ['component_type'] },
    { metric: 'latency_p95', filters: { stage: '(run)' }, groupBy: ['model'] },
    { metric: 'success_rate', filters: {}, groupBy: [] },
    { metric: 'cost_per_hour', filters: {}, groupBy: ['model'] },
    { metric: 'cache_hit_rate', filters: {}, groupBy: [] },
  ];

  it('answers every read as the caller connection does', async () => {
    for (const scope of scopes) {
      expect(await offThread.metricAggregates(scope, range)).toEqual(await inThread.metricAggregates(scope, range));
      expect(await offThread.metricSamples(scope, range, 7)).toEqual(await inThread.metricSamples(scope, range, 7));
      expect(await offThread.metricSeries(scope, range, HOUR)).toEqual(await inThread.metricSeries(scope, range, HOUR));
    }
    // Not vacuous: the fixture has samples of both models.
    const samples = await offThread.metricSamples(scopes[0] as MetricScope, range, 7);
    expect(samples.map((g) => g.labels.model).sort()).toEqual(['model-a', 'model-a', 'model-b', 'model-b']);
  });

  it('sees rows committed after it started', async () => {
    const scope: MetricScope = { metric: 'success_rate', filters: {}, groupBy: [] };
    const later = { fromMs: T0 + 5 * HOUR, toMs: T0 + 6 * HOUR };
    expect(await offThread.metricAggregates(scope, later)).toEqual([]);
    writeRecords(db, runRecords({ startMs: later.fromMs + 1000, durationMs: 50, componentId: 'late', componentType: 'card', model: 'model-a' }));
    expect(await offThread.metricAggregates(scope, later)).toEqual(await inThread.metricAggregates(scope, later));
    expect((await offThread.metricAggregates(scope, later))[0]?.count).toBe(1);
  });

  it('refuses a read with the message the caller connection gives', async () => {
    const bad = { metric: 'quality_score', filters: {}, groupBy: ['stage'] } as MetricScope;
    const expected = await inThread.metricSamples(bad, range).then(
      () => 'no error',
      (err: Error) => err.message,
    );
    expect(expected).not.toBe('no error');
    await expect(offThread.metricSamples(bad, range)).rejects.toThrow(expected);
    // The worker survives a refused read.
    expect(await offThread.metricAggregates(scopes[3] as MetricScope, range)).toEqual(await inThread.metricAggregates(scopes[3] as MetricScope, range));
  });
});
