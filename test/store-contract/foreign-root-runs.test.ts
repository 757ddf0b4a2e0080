/**
 * Runs whose root is another instrumentation's span (an API handler, a batch job) on both stores:
 * the runs list row and run detail carry their model calls' count, failures and tokens, a root of
 * unset status with a failed call is an error (an explicit OK stays OK), the status filter and the
 * costliest sort see the calls' rollup. The same SpanRecords go into a SQLite file through the
 * writer and into ClickHouse (chdb) as the Collector's otel_traces rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunsQuery } from '../../schema/api';
import type { RunRow } from '../../schema/api';
import { ATTR, GEN_AI } from '../../schema/names';
import type { SpanRecord } from '../../schema/records';
import { SqliteStore, StoreWriter, openDatabase } from '../../store';
import type { Db } from '../../store';
import type { TelemetryStore } from '../../store/types';
import { ClickHouseStore } from '../../store/clickhouse/store';
import { openClickHouse } from '../../store/clickhouse/client';
import { writeOtelSpans } from '../../store/clickhouse/otel-writer';
import { createTracesTable } from '../../store/clickhouse/migrate';
import { embeddedConfig } from '../../store/clickhouse/test-engine';

jest.setTimeout(120_000);

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MS = 1_000_000n;
const T0 = BigInt(NOW - 600_000) * MS;

interface Call {
  input: number;
  output: number;
  cached: number;
  cost: number;
  failed?: boolean;
}

interface Trace {
  name: string;
  /** The root's own status: 0 unset, 1 ok. */
  status: number;
  calls: Call[];
}

/** Three foreign roots: a handler with a failed call, an explicitly OK batch with one, a costly handler. */
const TRACES: Trace[] = [
  {
    name: 'POST /api/generate',
    status: 0,
    calls: [
      { input: 1200, output: 300, cached: 400, cost: 0.012 },
      { input: 800, output: 0, cached: 0, cost: 0.004, failed: true },
    ],
  },
  { name: 'nightly-batch', status: 1, calls: [{ input: 50, output: 20, cached: 0, cost: 0.001, failed: true }] },
  { name: 'POST /api/summarize', status: 0, calls: [{ input: 9000, output: 2500, cached: 6000, cost: 0.09 }] },
];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function records(): SpanRecord[] {
  const out: SpanRecord[] = [];
  TRACES.forEach((t, ti) => {
    const traceId = hex(0xabc000 + ti, 32);
    // ClickHouse's run id is the first 48 bits of the root span id: distinct ones.
    const rootId = `${hex(0xa1 + ti, 2)}${hex(0, 14)}`;
    const start = T0 + BigInt(ti) * 60_000n * MS;
    const resource = { [ATTR.serviceName]: 'web-api' };
    out.push({
      traceId,
      spanId: rootId,
      name: t.name,
      kind: 1,
      startNs: start,
      endNs: start + 5_000n * MS,
      statusCode: t.status,
      attributes: {},
      events: [],
      links: [],
      resource,
    });
    t.calls.forEach((c, ci) => {
      const s = start + BigInt(ci + 1) * 1_000n * MS;
      out.push({
        traceId,
        spanId: hex(0x1000 + ti * 16 + ci, 16),
        parentSpanId: rootId,
        name: 'chat gpt-4o',
        kind: 2,
        startNs: s,
        endNs: s + 500n * MS,
        statusCode: c.failed ? 2 : 0,
        ...(c.failed ? { statusMessage: 'rate limited' } : {}),
        attributes: {
          [GEN_AI.operationName]: 'chat',
          [GEN_AI.providerName]: 'openai',
          [GEN_AI.requestModel]: 'gpt-4o',
          [GEN_AI.inputTokens]: c.input,
          [GEN_AI.outputTokens]: c.output,
          [GEN_AI.cachedInputTokens]: c.cached,
          [ATTR.costUsd]: c.cost,
        },
        events: [],
        links: [],
        resource,
      });
    });
  });
  return out;
}

/** What a trace's run row must say, from its calls. */
function expected(t: Trace) {
  const sum = (f: (c: Call) => number) => t.calls.reduce((a, c) => a + f(c), 0);
  const failed = t.calls.filter((c) => c.failed).length;
  return {
    name: t.name,
    status: t.status === 1 ? 'ok' : failed > 0 ? 'error' : 'unset',
    modelCalls: t.calls.length,
    failedCalls: failed,
    inputTokens: sum((c) => c.input),
    outputTokens: sum((c) => c.output),
    cacheReadTokens: sum((c) => c.cached),
    cacheWriteTokens: 0,
    model: 'gpt-4o',
  };
}

const ctx = { nowMs: NOW, monthlyBudgetUsd: 100 };
const pick = (r: RunRow) => ({
  name: r.name,
  status: r.status,
  modelCalls: r.modelCalls,
  failedCalls: r.failedCalls,
  inputTokens: r.inputTokens,
  outputTokens: r.outputTokens,
  cacheReadTokens: r.cacheReadTokens,
  cacheWriteTokens: r.cacheWriteTokens,
  model: r.model,
});
const cost = (t: Trace) => t.calls.reduce((a, c) => a + c.cost, 0);

describe.each(['sqlite', 'clickhouse'])('foreign-root runs on %s', (engine) => {
  let store: TelemetryStore;
  let db: Db | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    if (engine === 'sqlite') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-foreign-'));
      db = openDatabase(path.join(dir, 'store.db'));
      new StoreWriter(db).writeSpans(records());
      store = new SqliteStore(db, { ownsDb: false, clock: () => NOW });
    } else {
      const config = embeddedConfig('retention_days=0&rollup_retention_days=0');
      const ch = openClickHouse(config);
      await createTracesTable(ch, config, 'map');
      await writeOtelSpans(ch, config.tracesTable, records(), 'map');
      await ch.close();
      const c = await ClickHouseStore.open({ config, extractIntervalMillis: 0, clock: () => NOW });
      await c.extract();
      store = c;
    }
  });
  afterAll(async () => {
    await store?.close();
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rolls each run’s calls’ tokens, failures and cost up to its list row and detail', async () => {
    const list = await store.runs(RunsQuery.parse({ range: '1h' }), ctx);
    const byName = new Map(list.runs.map((r) => [r.name, r]));
    for (const t of TRACES) {
      const row = byName.get(t.name);
      expect(row && pick(row)).toEqual(expected(t));
      expect(row?.costUsd).toBeCloseTo(cost(t), 12);
      const detail = await store.run(row?.id ?? 0, ctx);
      expect(detail.run).toEqual(row);
      expect(detail.modelCalls).toHaveLength(t.calls.length);
    }
  });

  it('filters by the rolled-up status and sorts by the rolled-up cost', async () => {
    const names = async (q: Record<string, string>) =>
      (await store.runs(RunsQuery.parse({ range: '1h', ...q }), ctx)).runs.map((r) => r.name);
    const errors = TRACES.filter((t) => expected(t).status === 'error').map((t) => t.name);
    expect(errors.length).toBeGreaterThan(0);
    expect((await names({ status: 'error' })).sort()).toEqual([...errors].sort());
    expect((await names({ status: 'ok' })).sort()).toEqual(
      TRACES.map((t) => t.name)
        .filter((n) => !errors.includes(n))
        .sort(),
    );
    const byCost = [...TRACES].sort((a, b) => cost(b) - cost(a)).map((t) => t.name);
    expect(await names({ sort: 'costliest' })).toEqual(byCost);
  });
});
