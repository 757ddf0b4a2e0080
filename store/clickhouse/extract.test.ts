/**
 * The extractor on the embedded engine: the fixture history written as the Collector writes it,
 * extracted into genscope's tables (and by the views into model calls, scores, cache lookups,
 * benchmark runs and rollups) exactly once, late spans included.
 */
import { fixtureBatches } from '../../api/test-fixtures';
import type { FixtureSummary } from '../../api/test-fixtures';
import type { ChClient } from './client';
import { createTracesTable, migrateClickHouse } from './migrate';
import { extractOnce } from './extract';
import { writeOtelSpans } from './otel-writer';
import { embeddedConfig, openEmbedded } from './test-engine';
import type { TracesVariant } from './ddl';

jest.setTimeout(120_000);

const START = Date.UTC(2026, 5, 15, 0, 0, 0);

async function count(ch: ChClient, sql: string): Promise<number> {
  const rows = await ch.query<{ n: number | string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

describe.each<TracesVariant>(['map', 'json'])('extractOnce (%s variant)', (variant) => {
  const config = embeddedConfig('retention_days=0&rollup_retention_days=0');
  const db = config.database;
  let ch: ChClient;
  let fixture: FixtureSummary;

  beforeAll(async () => {
    ch = openEmbedded(config);
    await createTracesTable(ch, config, variant);
    await migrateClickHouse(ch, config);
    const batches = fixtureBatches({ runs: 300, startMs: START, intervalMs: 60_000, batchSpans: 500 });
    for (;;) {
      const next = batches.next();
      if (next.done) {
        fixture = next.value;
        break;
      }
      await writeOtelSpans(ch, config.tracesTable, next.value, variant);
    }
  });
  afterAll(async () => {
    await ch.command(`DROP DATABASE IF EXISTS ${db}`);
    await ch.close();
  });

  it('extracts every span once, with what the SQLite writer derives from it', async () => {
    const opts = { database: db, tracesTable: config.tracesTable, variant, pageSize: 700 };
    const first = await extractOnce(ch, opts, START + 301 * 60_000);
    expect(first.spans).toBe(fixture.spans);
    expect(first.pages).toBeGreaterThan(1);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_spans`)).toBe(fixture.spans);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_spans WHERE role = 'run'`)).toBe(
      fixture.runs,
    );
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_scores`)).toBe(fixture.scores);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_model_calls`)).toBe(fixture.modelCalls);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_benchmark_runs FINAL`)).toBe(
      fixture.benchmarkRuns.length,
    );
    expect(
      await count(ch, `SELECT countIf(status_code = 2) AS n FROM ${db}.genscope_spans WHERE role = 'run'`),
    ).toBe(fixture.errors);
    const cost = await ch.query<{ c: number }>(
      `SELECT sum(cost_usd) AS c FROM ${db}.genscope_spans WHERE role = 'run'`,
    );
    expect(cost[0]?.c).toBeCloseTo(fixture.costUsd, 9);
    // Rollups agree with the raw rows they were fed from.
    expect(
      await count(ch, `SELECT sum(count) AS n FROM ${db}.genscope_rollup_spans_hour WHERE role = 'run'`),
    ).toBe(fixture.runs);
    expect(await count(ch, `SELECT sum(calls) AS n FROM ${db}.genscope_rollup_model_calls_hour`)).toBe(
      fixture.modelCalls,
    );
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_cache_lookups`)).toBeGreaterThan(
      fixture.runs,
    );

    const again = await extractOnce(ch, opts, START + 302 * 60_000);
    expect(again.spans).toBe(0);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_spans`)).toBe(fixture.spans);
  });

  it('picks up a span that reaches otel_traces late, within the allowance, and a Collector retry once', async () => {
    const late = fixtureBatches({
      runs: 1,
      startMs: START + 301 * 60_000,
      seed: 7,
      benchmarkEvery: 0,
    }).next();
    if (late.done) throw new Error('no late spans');
    await writeOtelSpans(ch, config.tracesTable, late.value, variant);
    await writeOtelSpans(ch, config.tracesTable, late.value, variant); // the Collector retried the batch
    const opts = { database: db, tracesTable: config.tracesTable, variant, lateAllowanceMillis: 10 * 60_000 };
    const r = await extractOnce(ch, opts, START + 305 * 60_000);
    expect(r.spans).toBe(late.value.length);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.genscope_spans`)).toBe(
      fixture.spans + late.value.length,
    );
  });
});
