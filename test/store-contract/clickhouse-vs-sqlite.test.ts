/**
 * The store contract: the same simulated fixture history, written through the SQLite writer into
 * SQLite and as the Collector clickhouseexporter's otel_traces rows into ClickHouse (the embedded
 * engine, chdb), must give the same panel answers, runs, run detail, benchmarks, exports, alert
 * metrics and gate reads, each store read through the TelemetryStore interface. Percentiles: equal when both are exact; within the DDSketch's stated relative
 * accuracy (plus the interpolation between neighbouring samples) when ClickHouse reads sketches.
 */
import type { TelemetryStore } from '../../store';
import { PANEL_DEFS } from '../../api/panels';
import { compareBenchmarkRuns, compareStoreRuns, detectChanges, ensureDefaultAlertRules, evaluateRulesThrough } from '../../alerts';
import { evaluateCondition, prefetchMetricReader } from '../../alerts/conditions';
import { listRules } from '../../alerts/store';
import { FIXTURE_MODELS, fixtureBatches, writeFixture } from '../../api/test-fixtures';
import type { FixtureSummary } from '../../api/test-fixtures';
import { DEFAULT_EXACT_PERCENTILE_MAX_ROWS } from '../../api/config';
import { BenchmarksQuery, CompareQuery, FilterOptionsQuery, RunsQuery } from '../../schema/api';
import { compare } from '../../api/compare';
import type { PanelId } from '../../schema/api';
import { SqliteStore, openDatabase } from '../../store';
import type { Db } from '../../store';
import type { CompareSamples, CompareSelector, MetricScope } from '../../store/types';
import { ClickHouseStore } from '../../store/clickhouse/store';
import { SKETCH_RELATIVE_ACCURACY } from '../../store/clickhouse/ddl';
import { openClickHouse } from '../../store/clickhouse/client';
import { writeOtelSpans } from '../../store/clickhouse/otel-writer';
import { createTracesTable } from '../../store/clickhouse/migrate';
import { embeddedConfig, embeddedDir } from '../../store/clickhouse/test-engine';
import { runGate } from '../../cli/gate';
import { Writable } from 'node:stream';
import type { TracesVariant } from '../../store/clickhouse/ddl';
import { differences, withoutEngineMeta } from './compare';

jest.setTimeout(300_000);

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const RUNS = 2000;
const HOUR = 3_600_000;

/** A panel's query as the API validates it. */
function parsed(id: PanelId, raw: Record<string, unknown>): never {
  const def = PANEL_DEFS.find((p) => p.id === id);
  if (!def) throw new Error(`no panel ${id}`);
  return def.query.parse(raw) as never;
}

const PANEL_QUERIES: [PanelId, Record<string, unknown>][] = [
  ['summary', {}],
  ['summary', { componentType: 'card', model: 'gpt-4o-mini' }],
  ['quality-accuracy', {}],
  ['quality-confusion', { range: '7d' }],
  ['quality-distribution', {}],
  ['quality-scores', {}],
  ['quality-scores', { groupBy: 'componentType', score: 'code.quality', bucket: '3600' }],
  ['quality-breakdown', { groupBy: 'model' }],
  ['performance-latency', { bucket: '3600' }],
  ['performance-latency', { stage: 'generate', model: 'claude-3-5-haiku' }],
  ['performance-stages', {}],
  ['performance-heatmap', { bucket: '3600' }],
  ['performance-cache', {}],
  ['performance-benchmarks', { range: '7d' }],
  ['cost-over-time', { groupBy: 'model', bucket: '3600' }],
  ['cost-over-time', { groupBy: 'stage' }],
  ['cost-breakdown', { groupBy: 'operation' }],
  ['cost-breakdown', { groupBy: 'stage' }],
  ['cost-components', { range: '7d', limit: '10' }],
  ['cost-budget', {}],
  ['cost-opportunities', { range: '7d', minSamples: '5' }],
  ['trends', { range: '7d', bucket: '3600' }],
  ['trends', { range: '7d', metric: 'score', score: 'visual.pixel_similarity', bucket: '3600' }],
  ['summary', { benchmarkRun: 'bench-0', range: '7d' }],
  ['performance-stages', { range: '7d', bucket: '3600' }],
  // The service filter: the fixture's one service (every row), and one that recorded nothing.
  ...(['summary', 'quality-accuracy', 'quality-scores', 'performance-latency', 'performance-stages', 'performance-cache', 'cost-over-time', 'cost-breakdown', 'trends'] as const).flatMap(
    (id): [PanelId, Record<string, unknown>][] => [
      [id, { service: 'genscope-fixture', ...(id === 'trends' ? { range: '7d', bucket: '3600' } : {}) }],
      [id, { service: 'no-such-service' }],
    ],
  ),
];

async function loadClickHouse(
  variant: TracesVariant,
  exactMaxRows: number,
): Promise<{ store: ClickHouseStore; database: string }> {
  const config = embeddedConfig('retention_days=0&rollup_retention_days=0');
  const ch = openClickHouse(config);
  await createTracesTable(ch, config, variant);
  const batches = fixtureBatches({ runs: RUNS, startMs: NOW - RUNS * 60_000, intervalMs: 60_000 });
  for (let next = batches.next(); !next.done; next = batches.next()) {
    await writeOtelSpans(ch, config.tracesTable, next.value, variant);
  }
  await ch.close();
  const store = await ClickHouseStore.open({
    config,
    exactPercentileMaxRows: exactMaxRows,
    extractIntervalMillis: 0,
    clock: () => NOW,
  });
  await store.extract();
  return { store, database: config.database };
}

describe('the ClickHouse store answers as the SQLite store on the same history', () => {
  let db: Db;
  let fixture: FixtureSummary;
  let sqlite: SqliteStore;
  /** The SQLite store with an unbounded exact budget, so its percentiles are exact too. */
  let sqliteExact: SqliteStore;
  let exact: ClickHouseStore;
  let exactDatabase: string;
  let sketched: ClickHouseStore;
  const chCtx = { nowMs: NOW, monthlyBudgetUsd: 100 };

  beforeAll(async () => {
    db = openDatabase(':memory:');
    fixture = writeFixture(db, { runs: RUNS, startMs: NOW - RUNS * 60_000, intervalMs: 60_000 });
    const common = { ownsDb: false, clock: () => NOW };
    sqlite = new SqliteStore(db, { ...common, exactPercentileMaxRows: DEFAULT_EXACT_PERCENTILE_MAX_ROWS });
    sqliteExact = new SqliteStore(db, { ...common, exactPercentileMaxRows: 1e9 });
    ({ store: exact, database: exactDatabase } = await loadClickHouse('map', DEFAULT_EXACT_PERCENTILE_MAX_ROWS));
    sketched = (await loadClickHouse('json', 0)).store;
  });
  afterAll(async () => {
    await exact?.close();
    await sketched?.close();
    db?.close();
  });

  it('holds the whole fixture after extraction', async () => {
    const runs = await exact.runs(RunsQuery.parse({ range: '7d', limit: '500' }), chCtx);
    expect(runs.runs).toHaveLength(500);
    const agg = await exact.metricAggregates(
      { metric: 'success_rate', filters: {}, groupBy: [] },
      { fromMs: 0, toMs: NOW + HOUR },
    );
    expect(agg[0]?.count).toBe(fixture.runs);
  });

  it.each(PANEL_QUERIES)('panel %s %j: same answer (map variant, exact percentiles)', async (id, raw) => {
    const def = PANEL_DEFS.find((p) => p.id === id);
    if (!def) throw new Error(`no panel ${id}`);
    const q = def.query.parse(raw) as never;
    const s = withoutEngineMeta(await sqliteExact.panel(id, q, chCtx));
    const c = withoutEngineMeta(await exact.panel(id, q, chCtx));
    expect(differences(s, c, () => 1e-6)).toEqual([]);
  });

  /** Sorted end-to-end (or one stage's) durations in ms from SQLite's raw rows, [fromMs, toMs). */
  function durations(fromMs: number, toMs: number, stage: string | null): number[] {
    const rows = db
      .prepare(
        `SELECT duration_ns / 1e6 AS d FROM span_view WHERE start_ns >= ? AND start_ns < ? AND ${stage === null ? "role = 'run'" : "role = 'stage' AND stage = ?"} ORDER BY d`,
      )
      .all(
        ...[BigInt(fromMs) * 1_000_000n, BigInt(toMs) * 1_000_000n, ...(stage === null ? [] : [stage])],
      ) as { d: number }[];
    return rows.map((r) => r.d);
  }

  /**
   * A sketch's q-quantile is within its relative accuracy of a sample at that rank: between the two
   * samples type-7 interpolation uses, widened by the accuracy (and the 3-decimal rounding).
   */
  function withinSketch(sorted: number[], q: number, got: number | null, what: string): string[] {
    if (sorted.length === 0) return got === null ? [] : [`${what}: ${got} without data`];
    if (got === null) return [`${what}: null`];
    const h = (sorted.length - 1) * q;
    const lo = (sorted[Math.floor(h)] ?? 0) * (1 - SKETCH_RELATIVE_ACCURACY) - 0.001;
    const hi = (sorted[Math.ceil(h)] ?? 0) * (1 + SKETCH_RELATIVE_ACCURACY) + 0.001;
    return got >= lo && got <= hi ? [] : [`${what}: ${got} not in [${lo}, ${hi}]`];
  }

  it('reads latency percentiles from the rollup sketches within their stated error (json variant)', async () => {
    const problems: string[] = [];
    const lat = (await sketched.panel(
      'performance-latency',
      parsed('performance-latency', { bucket: '3600', range: '7d' }),
      chCtx,
    )) as {
      meta: { exact: boolean; fromMs: number; toMs: number };
      t: number[];
      p50: (number | null)[];
      p95: (number | null)[];
      p99: (number | null)[];
      count: number[];
      overall: { p50: number | null; p95: number | null; p99: number | null; count: number };
    };
    expect(lat.meta.exact).toBe(false);
    lat.t.forEach((t, i) => {
      const d = durations(t, t + HOUR, null);
      expect(lat.count[i]).toBe(d.length);
      problems.push(
        ...withinSketch(d, 0.5, lat.p50[i] ?? null, `p50[${i}]`),
        ...withinSketch(d, 0.95, lat.p95[i] ?? null, `p95[${i}]`),
      );
      problems.push(...withinSketch(d, 0.99, lat.p99[i] ?? null, `p99[${i}]`));
    });
    const all = durations(lat.meta.fromMs, lat.meta.toMs, null);
    expect(lat.overall.count).toBe(fixture.runs);
    for (const [q, v] of [
      [0.5, lat.overall.p50],
      [0.95, lat.overall.p95],
      [0.99, lat.overall.p99],
    ] as const)
      problems.push(...withinSketch(all, q, v, `overall ${q}`));

    // Stages over a window whose edges are not on the hour: whole hours from the rollup, edges raw.
    const from = NOW - 30 * HOUR + 17 * 60_000;
    const to = NOW - 2 * HOUR - 23 * 60_000;
    const stagesQuery = parsed('performance-stages', {
      from: String(from),
      to: String(to),
      bucket: '3600',
    });
    const stages = (await sketched.panel('performance-stages', stagesQuery, chCtx)) as {
      meta: { exact: boolean };
      stages: string[];
      count: number[];
      p50Ms: (number | null)[];
      p95Ms: (number | null)[];
      p99Ms: (number | null)[];
    };
    expect(stages.meta.exact).toBe(false);
    stages.stages.forEach((stage, i) => {
      const d = durations(from, to, stage);
      expect(stages.count[i]).toBe(d.length);
      problems.push(
        ...withinSketch(d, 0.5, stages.p50Ms[i] ?? null, `${stage} p50`),
        ...withinSketch(d, 0.95, stages.p95Ms[i] ?? null, `${stage} p95`),
      );
      problems.push(...withinSketch(d, 0.99, stages.p99Ms[i] ?? null, `${stage} p99`));
    });
    expect(problems).toEqual([]);
  });

  it('lists runs, pages with the cursor and shows a run’s span tree as SQLite does', async () => {
    const q = RunsQuery.parse({ range: '24h', limit: '25', status: 'error' });
    const s1 = await sqlite.runs(q, chCtx);
    const c1 = await exact.runs(q, chCtx);
    const strip = (r: { id: number }) => ({ ...r, id: 0 });
    expect(c1.runs.map(strip)).toEqual(s1.runs.map(strip));
    const q2 = RunsQuery.parse({ range: '24h', limit: '25', status: 'error', cursor: c1.nextCursor ?? '' });
    const s2 = await sqlite.runs(
      RunsQuery.parse({ range: '24h', limit: '25', status: 'error', cursor: s1.nextCursor ?? '' }),
      chCtx,
    );
    expect((await exact.runs(q2, chCtx)).runs.map(strip)).toEqual(s2.runs.map(strip));

    const first = c1.runs[0];
    const sFirst = s1.runs[0];
    if (!first || !sFirst) throw new Error('no runs');
    const detail = await exact.run(first.id, chCtx);
    const sDetail = await sqlite.run(sFirst.id, chCtx);
    const noIds = (d: typeof detail) => ({
      ...d,
      run: { ...d.run, id: 0 },
      spans: d.spans.map((s) => ({ ...s, id: 0 })),
    });
    expect(differences(noIds(sDetail), noIds(detail), () => 1e-9)).toEqual([]);
    await expect(exact.run(1, chCtx)).rejects.toMatchObject({ status: 404 });
    // A run without artefacts lists none on both, and naming one is a 404 saying none were recorded
    // (openapi-routes.test.ts serves a run's artefacts from both stores).
    const store: Pick<TelemetryStore, 'artefacts' | 'artefact'> = exact;
    expect(await store.artefacts(first.id, chCtx)).toEqual(await sqlite.artefacts(sFirst.id, chCtx));
    for (const [s, id] of [[store, first.id], [sqlite, sFirst.id]] as const)
      await expect(s.artefact(id, 'code', chCtx)).rejects.toMatchObject({ status: 404, message: expect.stringContaining('no artefacts recorded') });
  });

  it('applies the drill-down filters and orders of the runs list as SQLite does', async () => {
    const strip = (r: { id: number }) => ({ ...r, id: 0 });
    const sample = (await sqlite.runs(RunsQuery.parse({ range: '24h', limit: '1' }), chCtx)).runs[0];
    const part = (sample?.componentId ?? 'x').slice(1, 4).toUpperCase();
    const queries = [
      { range: '24h', limit: '500', componentType: 'card', predicted: 'button' },
      { range: '24h', limit: '500', service: 'genscope-fixture', status: 'ok', search: part },
      { range: '24h', limit: '500', minDurationMs: '200', maxDurationMs: '2000' },
      { range: '24h', limit: '500', score: 'mapping.confidence', scoreMin: '0.5', scoreMax: '0.8' },
      { range: '24h', limit: '20', sort: 'worst', score: 'visual.pixel_similarity' },
      { range: '24h', limit: '20', sort: 'slowest' },
    ];
    let nonEmpty = 0;
    for (const raw of queries) {
      const q = RunsQuery.parse(raw);
      const s = await sqlite.runs(q, chCtx);
      const c = await exact.runs(q, chCtx);
      expect({ raw, runs: c.runs.map(strip) }).toEqual({ raw, runs: s.runs.map(strip) });
      if (s.runs.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBe(queries.length);
  });

  it('lists benchmarks and filter options as SQLite does', async () => {
    const bq = BenchmarksQuery.parse({ range: '7d', limit: '3' });
    expect(await exact.benchmarks(bq, chCtx)).toEqual(await sqlite.benchmarks(bq, chCtx));
    const fq = FilterOptionsQuery.parse({ range: '7d' });
    expect(withoutEngineMeta(await exact.filterOptions(fq, chCtx))).toEqual(
      withoutEngineMeta(await sqlite.filterOptions(fq, chCtx)),
    );
    expect(await exact.simulated()).toBe(true);
  });

  it('exports the same rows but for the engine-specific ids', async () => {
    const q = {
      range: '24h' as const,
      componentType: ['modal'],
      model: [],
      stage: [],
      format: 'json' as const,
    };
    const rows: unknown[][] = [];
    for await (const chunk of exact.exportRows('model-calls', q as never, chCtx)) rows.push(...chunk);
    const shape = exact.exportShape('model-calls', q as never);
    expect(shape).toEqual(sqlite.exportShape('model-calls', q as never));
    const cols = shape.columns;
    const idAt = cols.indexOf('id');
    const stored = db
      .prepare(
        `SELECT count(*) AS n, sum(cost_usd) AS c FROM model_call_view WHERE component_type = 'modal' AND time_ns >= ? AND time_ns < ?`,
      )
      .get(BigInt(NOW - 24 * HOUR) * 1_000_000n, BigInt(NOW) * 1_000_000n) as { n: number; c: number };
    expect(rows).toHaveLength(stored.n);
    expect(rows.reduce((a: number, r) => a + Number(r[cols.indexOf('cost_usd')]), 0)).toBeCloseTo(
      stored.c,
      9,
    );
    expect(rows.every((r) => typeof r[idAt] === 'number')).toBe(true);
  });

  it.each<MetricScope>([
    { metric: 'quality_score', filters: { score: 'code.quality' }, groupBy: ['component_type'] },
    { metric: 'success_rate', filters: {}, groupBy: ['model'] },
    { metric: 'cost_per_hour', filters: {}, groupBy: [] },
    { metric: 'latency_mean', filters: { stage: 'generate' }, groupBy: [] },
    { metric: 'cache_hit_rate', filters: {}, groupBy: ['stage'] },
    // A rule watching one service: the fixture's one, and one that recorded nothing.
    { metric: 'quality_score', filters: { score: 'code.quality', service: 'genscope-fixture' }, groupBy: ['component_type'] },
    { metric: 'latency_mean', filters: { service: 'genscope-fixture' }, groupBy: ['model'] },
    { metric: 'cost_per_hour', filters: { service: 'genscope-fixture' }, groupBy: [] },
    { metric: 'cache_hit_rate', filters: { service: 'genscope-fixture' }, groupBy: ['stage'] },
    { metric: 'success_rate', filters: { service: 'no-such-service' }, groupBy: [] },
  ])('alert metric %j: same aggregates and hourly series', async (scope) => {
    const range = { fromMs: NOW - 6 * HOUR, toMs: NOW };
    const byKey = <T extends { key: string }>(xs: T[]) => [...xs].sort((a, b) => a.key.localeCompare(b.key));
    const onClickHouse = await exact.metricAggregates(scope, range);
    expect(onClickHouse.some((g) => g.count > 0)).toBe(scope.filters.service !== 'no-such-service');
    expect(
      differences(
        byKey(await sqlite.metricAggregates(scope, range)),
        byKey(await exact.metricAggregates(scope, range)),
        () => 1e-9,
      ),
    ).toEqual([]);
    const order = <T extends { key: string; bucketMs: number }>(xs: T[]) =>
      [...xs].sort((a, b) => a.bucketMs - b.bucketMs || a.key.localeCompare(b.key));
    expect(
      differences(
        order(await sqlite.metricSeries(scope, range, HOUR)),
        order(await exact.metricSeries(scope, range, HOUR)),
        () => 1e-9,
      ),
    ).toEqual([]);
  });

  it('gives the alert evaluator the same series, values and states through either store', async () => {
    const state = openDatabase(':memory:');
    ensureDefaultAlertRules(state, NOW);
    const rules = listRules(state, { enabledOnly: true });
    const conditions = async (store: SqliteStore | ClickHouseStore) => {
      const reader = await prefetchMetricReader(store, rules, NOW);
      return rules.map((rule) =>
        evaluateCondition(reader, rule, NOW)
          .map((c) => ({ key: c.key, met: c.met, value: c.value }))
          .sort((x, y) => x.key.localeCompare(y.key)),
      );
    };
    const a = await conditions(sqlite);
    expect(a.flat().filter((c) => c.value !== null).length).toBeGreaterThan(0);
    // Percentile metrics over the rules' week-long windows: SQLite reads its rollup histograms, so
    // within the sketches' stated accuracy; every other value equal.
    const metricOf = (path: string) => rules[Number(/^\$\[(\d+)\]/.exec(path)?.[1] ?? -1)]?.metric ?? '';
    const tol = (path: string) => (/p\d\d/.test(metricOf(path)) ? SKETCH_RELATIVE_ACCURACY : 1e-6);
    expect(differences(a, await conditions(exact), tol)).toEqual([]);
    // The evaluator's pass through the ClickHouse store runs every rule without errors.
    const pass = await evaluateRulesThrough(exact, state, NOW);
    expect(pass.errors).toEqual([]);
    expect(pass.rulesEvaluated).toBe(rules.length);
    state.close();
  });

  it('gives the gate and change detection the same benchmark runs, run values, data range and score samples', async () => {
    const runs = await sqlite.benchmarkRuns();
    expect(runs.length).toBeGreaterThan(1);
    expect(await exact.benchmarkRuns()).toEqual(runs);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const norm = (r: Awaited<ReturnType<SqliteStore['runSamples']>>) => ({
      scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, sorted(v)])),
      success: sorted(r.success),
      durationsMs: sorted(r.durationsMs),
      componentCostsUsd: sorted(r.componentCostsUsd),
    });
    const id = runs[0]?.id ?? '';
    const s = norm(await sqlite.runSamples(id));
    expect(s.durationsMs.length).toBeGreaterThan(0);
    expect(differences(s, norm(await exact.runSamples(id)), () => 1e-9)).toEqual([]);
    expect(await exact.runSamples('no-such-run')).toEqual({ scores: {}, success: [], durationsMs: [], componentCostsUsd: [] });
    // The gate itself (genscope gate --store URL): the same comparison through either store, and
    // through the store as from the SQLite file directly.
    const gateSqlite = await compareStoreRuns(sqlite);
    expect(gateSqlite.metrics.length).toBeGreaterThan(0);
    expect(differences(gateSqlite, await compareStoreRuns(exact), () => 1e-6)).toEqual([]);
    expect(differences(compareBenchmarkRuns(db), gateSqlite, () => 1e-9)).toEqual([]);
    // The command: genscope gate --store chdb://... --json prints that comparison.
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const store = `chdb://${embeddedDir()}?database=${exactDatabase}&retention_days=0&rollup_retention_days=0`;
    const code = await runGate(['--store', store, '--json'], { stdout: sink, stderr: sink, env: {} });
    expect(code).toBe(gateSqlite.regressed ? 1 : 0);
    expect(differences(JSON.parse(out), JSON.parse(JSON.stringify(gateSqlite)), () => 1e-6)).toEqual([]);

    expect(await exact.dataRange()).toEqual(await sqlite.dataRange());
    const range = { fromMs: NOW - 6 * HOUR, toMs: NOW };
    const bySample = (xs: { name: string; timeMs: number; value: number }[]) =>
      [...xs].sort((a, b) => a.timeMs - b.timeMs || a.name.localeCompare(b.name) || a.value - b.value);
    const all = await sqlite.scoreSamples(range, 1e6);
    expect(all.stride).toBe(1);
    expect(all.samples.length).toBeGreaterThan(0);
    const c = await exact.scoreSamples(range, 1e6);
    expect(c.stride).toBe(1);
    expect(differences(bySample(all.samples), bySample(c.samples), () => 1e-9)).toEqual([]);
    // Past maxSamples both thin out by the same stride.
    const few = Math.floor(all.samples.length / 4);
    expect((await exact.scoreSamples(range, few)).stride).toBe((await sqlite.scoreSamples(range, few)).stride);
  });

  it('gives Compare the same runs and scores of a side (model, benchmark run, range, types) and caps alike', async () => {
    const byValue = (x: CompareSamples) => ({
      runs: [...x.runs].sort((a, b) => a.componentId.localeCompare(b.componentId) || a.durationMs - b.durationMs),
      scores: [...x.scores].sort((a, b) => a.name.localeCompare(b.name) || a.componentId.localeCompare(b.componentId) || a.value - b.value),
      capped: x.capped,
    });
    const [bench] = await sqlite.benchmarkRuns();
    const sides: CompareSelector[] = [
      { model: FIXTURE_MODELS[0], benchmarkRun: null, range: { fromMs: NOW - 12 * HOUR, toMs: NOW }, componentTypes: [] },
      { model: null, benchmarkRun: bench?.id ?? '', range: null, componentTypes: [] },
      { model: FIXTURE_MODELS[1], benchmarkRun: null, range: { fromMs: NOW - 24 * HOUR, toMs: NOW }, componentTypes: ['card', 'modal'] },
    ];
    for (const side of sides) {
      const s = await sqlite.compareRuns(side, 1e6);
      expect(s.runs.length).toBeGreaterThan(0);
      expect(s.scores.length).toBeGreaterThan(0);
      expect(s.capped).toBe(false);
      expect(differences(byValue(s), byValue(await exact.compareRuns(side, 1e6)), () => 1e-9)).toEqual([]);
    }
    const side = sides[0] as CompareSelector;
    const all = await sqlite.compareRuns(side, 1e6);
    const few = Math.floor(all.runs.length / 3);
    const capped = await sqlite.compareRuns(side, few);
    expect(capped.capped).toBe(true);
    expect(capped.runs.length).toBe(few);
    expect(capped.scores.length).toBeLessThan(all.scores.length);
    expect(differences(byValue(capped), byValue(await exact.compareRuns(side, few)), () => 1e-9)).toEqual([]);
    // The endpoint itself (GET /api/v1/compare) answers alike through either store.
    const q = CompareQuery.parse({ 'a.model': FIXTURE_MODELS[0], 'b.model': FIXTURE_MODELS[1], 'a.range': '24h', 'b.range': '24h' });
    const viaSqlite = await compare(sqlite, q, NOW);
    expect(viaSqlite.metrics.length).toBeGreaterThan(0);
    expect(differences(viaSqlite, await compare(exact, q, NOW), () => 1e-6)).toEqual([]);
  });

  it('detects the same changes through either store (GET /alerts/changes reads through the store)', async () => {
    // Hour buckets over the fixture's day and a half: enough buckets for baselines; every score read (no sampling).
    const options = { bucketMillis: HOUR, directions: 'both' as const };
    const s = await detectChanges(sqlite, options);
    expect(s.buckets).toBeGreaterThan(24);
    expect(s.series.quality).toBeGreaterThan(0);
    expect(s.series.cost).toBeGreaterThan(1);
    expect(differences(s, await detectChanges(exact, options), () => 1e-6)).toEqual([]);
  });
});
