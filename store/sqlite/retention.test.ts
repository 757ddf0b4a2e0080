import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from './db';
import type { Db } from './db';
import { ATTR, EVENT, GEN_AI, SPAN } from '../../schema/names';
import { pruneOnce, Pruner, RetentionScheduler, SCHEDULED_BATCH_ROWS } from './retention';
import { StoreWriter } from './writer';
import type { MetricPointRecord, SpanRecord } from '../../schema/records';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 0, 31, 12, 0, 0);
const RESOURCE = { [ATTR.serviceName]: 'retention-test' };

let seq = 0;
function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** One component run at atMs: a run span, a stage span with a score and a cache lookup, a model call. */
function componentRun(atMs: number, componentId = `c${seq % 7}`): SpanRecord[] {
  const n = ++seq;
  const traceId = hex(n, 32);
  const startNs = BigInt(atMs) * 1_000_000n;
  const common = { traceId, kind: 0, statusCode: 0, links: [], resource: RESOURCE };
  const runAttrs = { [ATTR.componentId]: componentId, [ATTR.componentType]: 'button', [ATTR.model]: 'gpt-4o' };
  return [
    {
      ...common,
      spanId: hex(n * 4 + 1, 16),
      name: SPAN.run,
      startNs,
      endNs: startNs + 50_000_000n,
      attributes: runAttrs,
      events: [],
    },
    {
      ...common,
      spanId: hex(n * 4 + 2, 16),
      parentSpanId: hex(n * 4 + 1, 16),
      name: 'classify',
      startNs: startNs + 1_000_000n,
      endNs: startNs + 20_000_000n,
      attributes: { ...runAttrs, [ATTR.stage]: 'classify' },
      events: [
        {
          name: GEN_AI.evaluationEvent,
          timeNs: startNs + 19_000_000n,
          attributes: { [GEN_AI.evaluationName]: 'classification.accuracy', [GEN_AI.evaluationScoreValue]: 1 },
        },
        { name: EVENT.cacheLookup, timeNs: startNs + 2_000_000n, attributes: { [ATTR.cacheName]: 'c', [ATTR.cacheHit]: true } },
      ],
    },
    {
      ...common,
      spanId: hex(n * 4 + 3, 16),
      parentSpanId: hex(n * 4 + 2, 16),
      name: 'chat gpt-4o',
      startNs: startNs + 3_000_000n,
      endNs: startNs + 18_000_000n,
      attributes: {
        ...runAttrs,
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.providerName]: 'openai',
        [GEN_AI.requestModel]: 'gpt-4o',
        [GEN_AI.inputTokens]: 100,
        [GEN_AI.outputTokens]: 20,
        [ATTR.costUsd]: 0.001,
      },
      events: [],
    },
  ];
}

function metricPoint(atMs: number, name = 'pipeline.stage.duration'): MetricPointRecord {
  return { name, type: 'sum', resource: RESOURCE, attributes: {}, timeNs: BigInt(atMs) * 1_000_000n, value: 1 };
}

/** Writes `runs` component runs spread over one hour starting at startMs, and as many metric points. */
function fill(writer: StoreWriter, startMs: number, runs: number): void {
  const spans: SpanRecord[] = [];
  const points: MetricPointRecord[] = [];
  for (let i = 0; i < runs; i++) {
    const at = startMs + Math.floor((i * 3_600_000) / runs);
    spans.push(...componentRun(at));
    points.push(metricPoint(at, i % 2 ? 'pipeline.stage.duration' : 'gen_ai.client.token.usage'));
    if (spans.length >= 3000) writer.writeSpans(spans.splice(0));
  }
  writer.writeSpans(spans);
  writer.writeMetricPoints(points);
}

function count(db: Db, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number | null }).n ?? 0;
}

const beforeNs = (ms: number) => BigInt(ms) * 1_000_000n;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-retention-'));
}

function fileBytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) total += fs.statSync(f).size;
  return total;
}

describe('pruneOnce', () => {
  it('deletes raw rows past retention and keeps newer rows, hour rollups, component rollups and benchmarks', () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db);
    const oldStart = NOW_MS - 40 * DAY_MS;
    const midStart = NOW_MS - 10 * DAY_MS;
    const newStart = NOW_MS - 1 * DAY_MS;
    fill(writer, oldStart, 300);
    fill(writer, midStart, 200);
    fill(writer, newStart, 100);
    db.prepare(
      `INSERT INTO benchmark_runs (id, started_ns, ended_ns, duration_ns, status_code, attributes)
       VALUES ('old-bench', ?, ?, 0, 1, '{}')`,
    ).run(beforeNs(oldStart), beforeNs(oldStart));
    const hourRunsBefore = count(db, "SELECT sum(count) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = '(run)'");
    const componentsBefore = count(db, 'SELECT sum(runs) AS n FROM rollup_components');
    const hourCallsBefore = count(db, 'SELECT sum(calls) AS n FROM rollup_model_calls WHERE grain_s = 3600');
    expect(hourRunsBefore).toBe(600);

    const result = pruneOnce(db, { retentionDays: 30, minuteRollupRetentionDays: 7, nowMillis: NOW_MS, batchRows: 100 });

    const cutoff = beforeNs(NOW_MS - 30 * DAY_MS);
    expect(result.cutoffNs).toBe(cutoff);
    // Raw rows: only the two newer fills remain, nothing older than the cutoff.
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(300 * 3);
    expect(count(db, 'SELECT count(*) AS n FROM span_view WHERE start_ns < ?', cutoff)).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM model_call_view')).toBe(300);
    expect(count(db, 'SELECT count(*) AS n FROM score_view')).toBe(300);
    expect(count(db, 'SELECT count(*) AS n FROM metric_points')).toBe(300);
    expect(result.deleted).toMatchObject({ spans: 900, model_calls: 300, scores: 300, metric_points: 300 });
    // Minute rollups: only the newest fill (inside 7 days) keeps them.
    const minuteCutoff = beforeNs(NOW_MS - 7 * DAY_MS);
    for (const t of ['rollup_spans', 'rollup_scores', 'rollup_model_calls', 'rollup_cache']) {
      expect(count(db, `SELECT count(*) AS n FROM ${t} WHERE grain_s = 60 AND bucket_ns < ?`, minuteCutoff)).toBe(0);
      expect(count(db, `SELECT count(*) AS n FROM ${t} WHERE grain_s = 60`)).toBeGreaterThan(0);
    }
    expect(count(db, "SELECT sum(count) AS n FROM rollup_spans WHERE grain_s = 60 AND stage = '(run)'")).toBe(100);
    // Aggregates outlive the raw rows.
    expect(count(db, "SELECT sum(count) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = '(run)'")).toBe(hourRunsBefore);
    expect(count(db, 'SELECT sum(calls) AS n FROM rollup_model_calls WHERE grain_s = 3600')).toBe(hourCallsBefore);
    expect(count(db, 'SELECT sum(runs) AS n FROM rollup_components')).toBe(componentsBefore);
    expect(count(db, "SELECT count(*) AS n FROM benchmark_runs WHERE id = 'old-bench'")).toBe(1);
    // The cardinality bound's bookkeeping goes with the raw rows.
    expect(count(db, 'SELECT count(*) AS n FROM rollup_dimension_values WHERE bucket_ns < ?', cutoff)).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM rollup_dimension_values')).toBeGreaterThan(0);
    // Small batches: 900 spans at 100 per transaction is at least 9 transactions for spans alone.
    expect(result.batches).toBeGreaterThanOrEqual(9 + 3 + 3 + 3);
  });

  it('is idempotent and deletes nothing when everything is inside retention', () => {
    const db = openDatabase(':memory:');
    fill(new StoreWriter(db), NOW_MS - DAY_MS, 50);
    const first = pruneOnce(db, { retentionDays: 30, nowMillis: NOW_MS });
    expect(first.deleted).toEqual({});
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(150);
    expect(pruneOnce(db, { retentionDays: 30, nowMillis: NOW_MS }).batches).toBe(0);
  });

  it('refuses a nonsensical retention setting', () => {
    const db = openDatabase(':memory:');
    expect(() => pruneOnce(db, { retentionDays: -1, nowMillis: NOW_MS })).toThrow(/retentionDays/);
    expect(() => pruneOnce(db, { retentionDays: Number.NaN, nowMillis: NOW_MS })).toThrow(/retentionDays/);
    expect(() => pruneOnce(db, { retentionDays: 1, minuteRollupRetentionDays: -2, nowMillis: NOW_MS })).toThrow(
      /minuteRollupRetentionDays/,
    );
  });

  it('never holds the lock between batches: readers and another writer get in after every batch', () => {
    const dir = tempDir();
    const file = path.join(dir, 'g.db');
    const db = openDatabase(file);
    fill(new StoreWriter(db), NOW_MS - 40 * DAY_MS, 1000);
    // Another connection, as another process would have: no busy wait at all, so a held lock
    // would fail at once instead of being waited out.
    const other = openDatabase(file, { busyTimeoutMillis: 0 });
    const otherWriter = new StoreWriter(other);
    // A long-running reader that opened its snapshot before the prune started.
    const reader = new Database(file, { readonly: true });
    reader.pragma('busy_timeout = 0');
    reader.exec('BEGIN');
    expect(count(reader, 'SELECT count(*) AS n FROM span_view')).toBe(3000);

    let batches = 0;
    let spansDeleted = 0;
    pruneOnce(db, {
      retentionDays: 30,
      nowMillis: NOW_MS,
      batchRows: 250,
      onBatch: ({ table, deleted }) => {
        if (table === 'spans') spansDeleted += deleted;
        // The old snapshot is still whole; a fresh read sees every batch committed so far.
        expect(count(reader, 'SELECT count(*) AS n FROM span_view')).toBe(3000);
        expect(count(other, 'SELECT count(*) AS n FROM span_view')).toBe(3000 - spansDeleted + batches * 3);
        otherWriter.writeSpans(componentRun(NOW_MS - 60_000));
        batches++;
      },
    });
    reader.exec('COMMIT');
    expect(batches).toBeGreaterThan(12);
    // Every write made between batches is there; every old row is gone.
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(batches * 3);
    expect(otherWriter.stats.failures).toBe(0);
    reader.close();
    other.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the file bounded over repeated fill and prune cycles, handing pages back', () => {
    const dir = tempDir();
    const file = path.join(dir, 'g.db');
    const db = openDatabase(file);
    expect(Number(db.pragma('auto_vacuum', { simple: true }))).toBe(2);
    const writer = new StoreWriter(db);
    const sizes: number[] = [];
    let vacuumed = 0;
    for (let cycle = 0; cycle < 6; cycle++) {
      // One day per cycle, keeping one day: each prune drops the previous cycle's raw rows.
      const now = NOW_MS + cycle * DAY_MS;
      fill(writer, now - 3_600_000, 800);
      const r = pruneOnce(db, { retentionDays: 0.5, minuteRollupRetentionDays: 0.5, nowMillis: now });
      vacuumed += r.vacuumedPages;
      expect(r.freelistPages).toBe(0);
      sizes.push(fileBytes(file));
    }
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(800 * 3);
    expect(vacuumed).toBeGreaterThan(0);
    // Hour rollups grow by a few rows a cycle; raw data does not accumulate.
    const first = sizes[1] ?? 0;
    const last = sizes[sizes.length - 1] ?? 0;
    expect(last).toBeLessThan(first * 1.3);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a file without incremental auto-vacuum bounded by reusing freed pages', () => {
    const dir = tempDir();
    const file = path.join(dir, 'legacy.db');
    // A file created before incremental auto-vacuum was chosen at creation.
    const legacy = new Database(file);
    legacy.pragma('journal_mode = WAL');
    migrate(legacy);
    const writer = new StoreWriter(legacy);
    const sizes: number[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      const now = NOW_MS + cycle * DAY_MS;
      fill(writer, now - 3_600_000, 800);
      const r = pruneOnce(legacy, { retentionDays: 0.5, nowMillis: now });
      expect(r.vacuumedPages).toBe(0);
      sizes.push(fileBytes(file));
    }
    expect(sizes[4] ?? 0).toBeLessThan((sizes[1] ?? 0) * 1.3);
    legacy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('RetentionScheduler', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('prunes with the injected clock and lets other work run between batches', async () => {
    const db = openDatabase(':memory:');
    fill(new StoreWriter(db), NOW_MS - 3 * DAY_MS, 1000);
    let nowMillis = NOW_MS;
    const scheduler = new RetentionScheduler(db, { retentionDays: 5, batchRows: 200, clock: { nowMillis: () => nowMillis } });
    expect((await scheduler.runNow())?.deleted).toEqual({});
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(3000);

    // Two days later the fill is past retention.
    nowMillis = NOW_MS + 2.5 * DAY_MS;
    let turns = 0;
    let pruning = true;
    const other = (async () => {
      while (pruning) {
        turns++;
        count(db, 'SELECT count(*) AS n FROM span_view');
        await nextTurn();
      }
    })();
    const result = await scheduler.runNow();
    pruning = false;
    await other;
    expect(result?.deleted.spans).toBe(3000);
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(0);
    // 3000 spans in batches of 200 is 15 transactions, each followed by a turn of the event loop.
    expect(turns).toBeGreaterThanOrEqual(15);
    expect(scheduler.stats).toMatchObject({ runs: 2, failures: 0, running: false, lastRunAtMillis: nowMillis });
    expect(scheduler.stats.deleted.spans).toBe(3000);
  });

  it('deletes in batches of SCHEDULED_BATCH_ROWS by default, smaller than pruneOnce (each step holds the event loop)', async () => {
    const filled = () => {
      const db = openDatabase(':memory:');
      fill(new StoreWriter(db), NOW_MS - 3 * DAY_MS, 1000);
      return db;
    };
    const scheduled = await new RetentionScheduler(filled(), { retentionDays: 1, clock: { nowMillis: () => NOW_MS } }).runNow();
    expect(scheduled?.deleted.spans).toBe(3000);
    const small = pruneOnce(filled(), { retentionDays: 1, nowMillis: NOW_MS, batchRows: SCHEDULED_BATCH_ROWS });
    const large = pruneOnce(filled(), { retentionDays: 1, nowMillis: NOW_MS });
    expect(scheduled?.deleted).toEqual(large.deleted);
    expect(scheduled?.batches).toBe(small.batches);
    expect(small.batches).toBeGreaterThan(large.batches);
  });

  it('runs on its interval until stopped', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const db = openDatabase(':memory:');
    let nowMillis = NOW_MS;
    const scheduler = new RetentionScheduler(db, { retentionDays: 1, clock: { nowMillis: () => nowMillis } });
    scheduler.start(60_000);
    await jest.advanceTimersByTimeAsync(0);
    await scheduler.runNow();
    expect(scheduler.stats.runs).toBe(1);

    fill(new StoreWriter(db), NOW_MS - 3_600_000, 10);
    nowMillis = NOW_MS + 2 * DAY_MS;
    await jest.advanceTimersByTimeAsync(60_000);
    await scheduler.runNow();
    // The interval's run (the second) pruned what the clock put past retention.
    expect(scheduler.stats.runs).toBeGreaterThanOrEqual(2);
    expect(scheduler.stats.deleted.spans).toBe(30);

    await scheduler.stop();
    await scheduler.stop();
    const runs = scheduler.stats.runs;
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(scheduler.stats.runs).toBe(runs);
  });

  it('records a failed prune and keeps the schedule alive', async () => {
    const db = openDatabase(':memory:');
    const errors: unknown[] = [];
    const scheduler = new RetentionScheduler(db, { retentionDays: 1, onError: (e) => errors.push(e) });
    db.exec('DROP TABLE model_calls');
    expect(await scheduler.runNow()).toBeNull();
    expect(scheduler.stats.failures).toBe(1);
    expect(scheduler.stats.lastError).toMatch(/model_calls/);
    expect(errors).toHaveLength(1);
  });

  it('refuses a bad setting at construction', () => {
    const db = openDatabase(':memory:');
    expect(() => new RetentionScheduler(db, { retentionDays: -3 })).toThrow(/retentionDays/);
    expect(() => new RetentionScheduler(db, { retentionDays: 3 }).start(0)).toThrow(/intervalMillis/);
  });

  it('exposes single steps for callers that interleave their own work', () => {
    const db = openDatabase(':memory:');
    fill(new StoreWriter(db), NOW_MS - 3 * DAY_MS, 20);
    const pruner = new Pruner(db, { retentionDays: 1, nowMillis: NOW_MS, batchRows: 10 });
    let steps = 0;
    while (pruner.step()) steps++;
    expect(pruner.done).toBe(true);
    expect(steps).toBeGreaterThan(6);
    expect(pruner.step()).toBe(false);
    expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(0);
  });
});
