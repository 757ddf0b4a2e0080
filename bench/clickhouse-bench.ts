/**
 * `npm run bench clickhouse`: panel latency p95 of the ClickHouse store on the embedded engine
 * (chdb) beside the SQLite store's, on the same ~1M-span fixture history (simulated), in one run.
 * The SQLite side is the baseline of the ratio. Both histories are built once under data/bench/
 * and reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PANEL_DEFS } from '../api/panels';
import { DEFAULT_EXACT_PERCENTILE_MAX_ROWS } from '../api/config';
import { fixtureBatches, writeFixture } from '../api/test-fixtures';
import { ClickHouseStore, SqliteStore, openDatabase, parseStoreUrl } from '../store';
import type { ClickHouseStoreConfig, TelemetryStore } from '../store';
import { ModelCallsQuery } from '../schema/api';
import { openClickHouse } from '../store/clickhouse/client';
import { createTracesTable } from '../store/clickhouse/migrate';
import { writeOtelSpans } from '../store/clickhouse/otel-writer';

const BENCH_DIR = path.join('data', 'bench');
/** 7 spans a run plus a benchmark span every 200 runs: about a million spans. */
export const DEFAULT_CLICKHOUSE_BENCH_RUNS = 142_000;
const INTERVAL_MS = 20_000;
/** A fixed start of history, so the cached databases stay valid between runs. */
const START_MS = Date.UTC(2026, 0, 1);
const REPEATS = 10;

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? 0;
}

/**
 * RUNS fixture runs (`--runs N`; default about 1M spans). Each size has its own cached SQLite file
 * and chdb directory.
 */
export async function benchClickHouse(
  log: (line: string) => void,
  RUNS = DEFAULT_CLICKHOUSE_BENCH_RUNS,
): Promise<string[]> {
  const END_MS = START_MS + RUNS * INTERVAL_MS;
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const tag = RUNS === DEFAULT_CLICKHOUSE_BENCH_RUNS ? '1m' : `${RUNS}runs`;
  const sqliteFile = path.join(BENCH_DIR, `fixture-${tag}.db`);
  const chDir = path.resolve(BENCH_DIR, `chdb-fixture-${tag}`);
  const options = { runs: RUNS, startMs: START_MS, intervalMs: INTERVAL_MS, batchSpans: 20_000 };
  if (!fs.existsSync(sqliteFile)) {
    log(`building ${sqliteFile} (fixture, ${RUNS} runs, simulated) ...`);
    const t0 = performance.now();
    const db = openDatabase(sqliteFile);
    const f = writeFixture(db, options);
    db.close();
    log(`  ${f.spans.toLocaleString('en-US')} spans in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  // TTL off: the fixture's dates are fixed and would age out on the engine's own clock.
  const config = parseStoreUrl(
    `chdb://${chDir}?database=bench&retention_days=0&rollup_retention_days=0`,
  ) as ClickHouseStoreConfig;
  const marker = path.join(chDir, 'genscope-bench-complete');
  if (!fs.existsSync(marker)) {
    fs.rmSync(chDir, { recursive: true, force: true });
    log(`building ${chDir} (the same fixture as otel_traces rows, then extracted) ...`);
    const t0 = performance.now();
    const ch = openClickHouse(config);
    await createTracesTable(ch, config, 'map');
    const batches = fixtureBatches(options);
    let spans = 0;
    for (let next = batches.next(); !next.done; next = batches.next())
      spans += await writeOtelSpans(ch, config.tracesTable, next.value, 'map');
    await ch.close();
    const t1 = performance.now();
    const store = await ClickHouseStore.open({ config, extractIntervalMillis: 0, clock: () => END_MS });
    const r = await store.extract();
    await store.close();
    fs.writeFileSync(marker, String(r.spans));
    log(
      `  ${spans.toLocaleString('en-US')} otel_traces rows written in ${((t1 - t0) / 1000).toFixed(0)} s, ` +
        `${r.spans.toLocaleString('en-US')} extracted in ${((performance.now() - t1) / 1000).toFixed(0)} s`,
    );
  }
  const sqlite = new SqliteStore(openDatabase(sqliteFile, { readonly: true }), {
    exactPercentileMaxRows: DEFAULT_EXACT_PERCENTILE_MAX_ROWS,
    clock: () => END_MS,
  });
  const store = await ClickHouseStore.open({ config, extractIntervalMillis: 0, clock: () => END_MS });
  // Both stores read through the TelemetryStore interface with the same request context.
  const ctx = { nowMs: END_MS, monthlyBudgetUsd: 100 };
  const lines = [
    `ClickHouse store on the embedded engine (chdb) vs SQLite store, ${RUNS} fixture runs (${Number(fs.readFileSync(marker, 'utf8')).toLocaleString('en-US')} spans), panel p95 of ${REPEATS} runs (simulated fixture)`,
    `${'panel'.padEnd(34)} ${'sqlite ms'.padStart(10)} ${'chdb ms'.padStart(10)} ${'ratio'.padStart(7)}`,
  ];
  const queries: [string, Record<string, unknown>][] = [];
  for (const def of PANEL_DEFS) {
    queries.push([def.id, {}]);
    queries.push([def.id, { range: '30d' }]);
  }
  let sumS = 0;
  let sumC = 0;
  const time = async (label: string, read: (s: TelemetryStore) => Promise<unknown>) => {
    const s: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      let t = performance.now();
      await read(sqlite);
      s.push(performance.now() - t);
      t = performance.now();
      await read(store);
      c.push(performance.now() - t);
    }
    sumS += p95(s);
    sumC += p95(c);
    lines.push(
      `${label.padEnd(34)} ${p95(s).toFixed(1).padStart(10)} ${p95(c).toFixed(1).padStart(10)} ${(p95(c) / p95(s)).toFixed(2).padStart(7)}`,
    );
  };
  for (const [id, raw] of queries) {
    const def = PANEL_DEFS.find((p) => p.id === id);
    if (!def) continue;
    let q: never;
    try {
      q = def.query.parse(raw) as never;
    } catch {
      continue;
    }
    await time(`${id}${raw.range ? ` ${String(raw.range)}` : ''}`, (st) => st.panel(def.id, q, ctx));
  }
  // GET /performance/models (not a panel definition: its own store method).
  for (const range of ['24h', '30d'] as const) {
    const q = ModelCallsQuery.parse({ range });
    await time(`performance-models${range === '30d' ? ' 30d' : ''}`, (st) => st.modelCalls(q, ctx));
  }
  lines.push(
    `${'sum of p95'.padEnd(34)} ${sumS.toFixed(1).padStart(10)} ${sumC.toFixed(1).padStart(10)} ${(sumC / sumS).toFixed(2).padStart(7)}`,
  );
  await store.close();
  await sqlite.close();
  return lines;
}
