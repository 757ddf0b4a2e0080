/**
 * Spans of other GenAI instrumentations on both stores: the OTLP/JSON requests five real libraries
 * exported (OTel GenAI, OpenInference, OpenLLMetry, the Vercel AI SDK, Langfuse; test/fixtures/genai)
 * and a hand-written request with cache writes, reasoning tokens, time to first token, the sender's
 * own cost and a lone chat span as its trace's root. SQLite gets them through OTLP ingest's mapping
 * (the GenAI conventions applied per request); ClickHouse gets them as sent, as the Collector stores
 * them in otel_traces, and its extractor applies the same conventions (store/conventions). Both
 * must give the same runs, run details, model calls (GET /performance/models) and cost panels.
 */
import { CostBreakdownQuery, ExportQuery, FilterOptionsQuery, ModelCallsQuery, RunsQuery, SummaryQuery } from '../../schema/api';
import { GEN_AI, OTEL_GENAI_IN, ATTR } from '../../schema/names';
import type { SpanRecord } from '../../schema/records';
import { SqliteStore, StoreWriter, openDatabase } from '../../store';
import type { Db } from '../../store';
import { ClickHouseStore } from '../../store/clickhouse/store';
import { openClickHouse } from '../../store/clickhouse/client';
import { writeOtelSpans } from '../../store/clickhouse/otel-writer';
import { createTracesTable } from '../../store/clickhouse/migrate';
import { embeddedConfig } from '../../store/clickhouse/test-engine';
import { reviveString } from '../../store/clickhouse/otel-rows';
import type { TracesVariant } from '../../store/clickhouse/ddl';
import { mapTraceRequest, mapTraceRequestAsSent } from '../../api/ingest/map-traces';
import { JSON_FLAVOR } from '../../api/ingest/wire';
import { DEFAULT_INGEST_LIMITS } from '../../api/ingest/limits';
import { loadGenAiFixture } from '../fixtures/genai';
import type { GenAiFixtureName } from '../fixtures/genai';
import { differences, withoutEngineMeta } from './compare';

jest.setTimeout(180_000);

const LIBRARIES: GenAiFixtureName[] = ['otel', 'openinference', 'openllmetry', 'vercel', 'langfuse'];

const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const dbl = (key: string, v: number) => ({ key, value: { doubleValue: v } });
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

/**
 * A handler root with two Anthropic chat calls (cache reads and writes, reasoning tokens, time to
 * first token, the sender's cost, one failed) and a lone chat call that is its own trace's root.
 */
function handWritten(startNs: bigint): unknown {
  const ms = 1_000_000n;
  const chat = (traceId: string, spanId: string, parent: string | undefined, at: bigint, c: { input: number; output: number; read: number; write: number; reasoning: number; ttft: number; cost?: number; failed?: boolean }) => ({
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: 'chat claude-sonnet-4',
    kind: 3,
    startTimeUnixNano: String(at),
    endTimeUnixNano: String(at + 400n * ms),
    status: c.failed ? { code: 2, message: 'overloaded' } : {},
    attributes: [
      str(GEN_AI.operationName, 'chat'),
      str(GEN_AI.providerName, 'anthropic'),
      str(GEN_AI.requestModel, 'claude-sonnet-4'),
      str(GEN_AI.responseModel, 'claude-sonnet-4-20250514'),
      int(GEN_AI.inputTokens, c.input),
      int(GEN_AI.outputTokens, c.output),
      int(GEN_AI.cachedInputTokens, c.read),
      int(OTEL_GENAI_IN.cacheWriteTokens, c.write),
      int(GEN_AI.reasoningTokens, c.reasoning),
      dbl(OTEL_GENAI_IN.timeToFirstChunk, c.ttft),
      ...(c.cost !== undefined ? [dbl(ATTR.costUsd, c.cost)] : []),
    ],
  });
  const t1 = 'c0ffee00000000000000000000000001';
  const t2 = 'c0ffee00000000000000000000000002';
  const root = 'b100000000000001';
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'chat-api')] },
        scopeSpans: [
          {
            scope: { name: 'hand-written' },
            spans: [
              { traceId: t1, spanId: root, name: 'POST /chat', kind: 2, startTimeUnixNano: String(startNs), endTimeUnixNano: String(startNs + 3000n * ms), status: {}, attributes: [] },
              chat(t1, 'b100000000000002', root, startNs + 100n * ms, { input: 12_000, output: 400, read: 8_000, write: 2_000, reasoning: 120, ttft: 0.35, cost: 0.021 }),
              chat(t1, 'b100000000000003', root, startNs + 900n * ms, { input: 3_000, output: 0, read: 0, write: 1_500, reasoning: 0, ttft: 0.9, failed: true }),
              chat(t2, 'c200000000000001', undefined, startNs + 5000n * ms, { input: 700, output: 90, read: 0, write: 300, reasoning: 40, ttft: 0.2 }),
            ],
          },
        ],
      },
    ],
  };
}

/**
 * One request per library: a wrapper span is demoted against the calls of its batch (an ingest
 * request on SQLite, an extractor page on ClickHouse), so each library's spans travel together.
 */
function bodies(): unknown[] {
  const fixtures = LIBRARIES.map(loadGenAiFixture);
  const first = fixtures.flatMap((f) => f.spans).reduce((m, s) => (s.startNs < m ? s.startNs : m), BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n);
  const merged = fixtures.map((f) => ({
    resourceSpans: f.traces.flatMap((t) => (t as { resourceSpans: unknown[] }).resourceSpans),
  }));
  return [...merged, handWritten(first)];
}

describe.each<TracesVariant>(['map', 'json'])('foreign GenAI spans give the same runs, calls and tokens on both stores (%s variant)', (variant) => {
  let db: Db;
  let sqlite: SqliteStore;
  let ch: ClickHouseStore;
  let fromMs = 0;
  let nowMs = 0;
  let ctx: { nowMs: number; monthlyBudgetUsd: number };

  beforeAll(async () => {
    const requests = bodies();
    // SQLite: OTLP ingest's mapping, one request at a time (the conventions applied per request).
    db = openDatabase(':memory:');
    const writer = new StoreWriter(db);
    const asSent: SpanRecord[] = [];
    for (const body of requests) {
      writer.writeSpans(mapTraceRequest(body, JSON_FLAVOR, DEFAULT_INGEST_LIMITS).spans);
      asSent.push(...mapTraceRequestAsSent(body, JSON_FLAVOR, DEFAULT_INGEST_LIMITS).spans);
    }
    const starts = asSent.map((s) => Number(s.startNs / 1_000_000n));
    fromMs = Math.min(...starts) - 60_000;
    nowMs = Math.max(...starts) + 3_600_000;
    ctx = { nowMs, monthlyBudgetUsd: 100 };
    sqlite = new SqliteStore(db, { ownsDb: false, clock: () => nowMs });
    // ClickHouse: the spans as sent, in the Collector's otel_traces rows; the extractor does the rest.
    const config = embeddedConfig('retention_days=0&rollup_retention_days=0');
    const client = openClickHouse(config);
    await createTracesTable(client, config, variant);
    for (const body of requests)
      await writeOtelSpans(client, config.tracesTable, mapTraceRequestAsSent(body, JSON_FLAVOR, DEFAULT_INGEST_LIMITS).spans, variant);
    await client.close();
    ch = await ClickHouseStore.open({ config, extractIntervalMillis: 0, clock: () => nowMs });
    await ch.extract();
  });
  afterAll(async () => {
    await ch?.close();
    db?.close();
  });

  const range = () => ({ from: String(fromMs), to: String(nowMs) });

  it('lists the same runs with the same calls, tokens (cache writes too) and cost, and the same details', async () => {
    const q = RunsQuery.parse({ ...range(), limit: '500' });
    const s = await sqlite.runs(q, ctx);
    const c = await ch.runs(q, ctx);
    const strip = (r: { id: number }) => ({ ...r, id: 0 });
    expect(s.runs.length).toBeGreaterThan(LIBRARIES.length);
    expect(differences(s.runs.map(strip), c.runs.map(strip), () => 1e-9)).toEqual([]);
    // What ClickHouse missed before the conventions ran there: cache writes, and a lone chat root as a run.
    expect(c.runs.reduce((a, r) => a + r.cacheWriteTokens, 0)).toBe(2_000 + 1_500 + 300);
    expect(c.runs.find((r) => r.name === 'chat claude-sonnet-4')).toMatchObject({ modelCalls: 1, inputTokens: 700, cacheWriteTokens: 300 });
    for (const [i, run] of s.runs.entries()) {
      const other = c.runs[i];
      if (!other) throw new Error(`no ClickHouse run ${i}`);
      type Detail = Awaited<ReturnType<SqliteStore['run']>>;
      // Spans and calls that start in the same instant come in each engine's own order (row id, span id).
      const byTime = <T extends { spanId: string }>(xs: T[], t: (x: T) => number) =>
        [...xs].sort((a, b) => t(a) - t(b) || a.spanId.localeCompare(b.spanId));
      const noIds = (d: Detail) => ({
        ...d,
        run: { ...d.run, id: 0 },
        spans: byTime(d.spans, (x) => x.startMs).map((x) => ({ ...x, id: 0 })),
        modelCalls: byTime(d.modelCalls, (x) => x.timeMs),
      });
      // SQLite's attribute values as they read back from otel_traces (README "Scaling out"): the Map
      // variant keeps text and genscope revives JSON-looking text; the JSON column infers an ISO
      // date-time string as DateTime64 and gives it back in ClickHouse's own format.
      const readBack = (v: unknown) => {
        if (typeof v !== 'string') return v;
        if (variant === 'map') return reviveString(v);
        const iso = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})\.(\d{3})Z$/.exec(v);
        return iso ? `${iso[1]} ${iso[2]}.${iso[3]}000000` : v;
      };
      const asText = (d: Detail): Detail => ({
        ...d,
        spans: d.spans.map((x) => ({ ...x, attributes: Object.fromEntries(Object.entries(x.attributes).map(([k, v]) => [k, readBack(v)])) })) as Detail['spans'],
      });
      const d = differences(noIds(asText(await sqlite.run(run.id, ctx))), noIds(await ch.run(other.id, ctx)), () => 1e-9);
      expect({ run: run.name, d }).toEqual({ run: run.name, d: [] });
    }
  });

  it('answers GET /performance/models alike: percentiles, every token kind, first token, cost, sender cost', async () => {
    const queries = [
      {},
      { provider: 'anthropic' },
      { operation: 'chat', model: 'claude-sonnet-4' },
      { service: 'chat-api' },
      { service: 'no-such-service' },
    ];
    for (const raw of queries) {
      const q = ModelCallsQuery.parse({ ...range(), ...raw });
      const s = await sqlite.modelCalls(q, ctx);
      const c = await ch.modelCalls(q, ctx);
      expect({ raw, d: differences(s, c, () => 1e-9) }).toEqual({ raw, d: [] });
    }
    const all = await ch.modelCalls(ModelCallsQuery.parse(range()), ctx);
    expect(all.groups.length).toBeGreaterThan(1);
    const sonnet = all.groups.find((g) => g.model === 'claude-sonnet-4');
    expect(sonnet).toMatchObject({
      calls: 3,
      errors: 1,
      cacheWriteTokens: 3_800,
      reasoningTokens: 160,
      ttftCalls: 3,
      ttftP50Ms: 350,
      senderCostCalls: 1,
      responseModels: ['claude-sonnet-4-20250514'],
    });
  });

  it('exports the same model calls and spans per service (the service filter honoured, not ignored)', async () => {
    const services = (await sqlite.filterOptions(FilterOptionsQuery.parse(range()), ctx)).services;
    expect(services.length).toBeGreaterThan(1);
    const rows = async (store: SqliteStore | ClickHouseStore, dataset: 'model-calls' | 'scores' | 'spans', service: string[]) => {
      const q = ExportQuery.parse({ ...range(), ...(service.length > 0 ? { service: service.join(',') } : {}) });
      expect(store.exportShape(dataset, q).ignoredFilters).toEqual([]);
      const cols = store.exportShape(dataset, q).columns;
      const out: string[] = [];
      for await (const chunk of store.exportRows(dataset, q, ctx))
        for (const r of chunk) out.push(String(r[cols.indexOf('span_id')]));
      return out.sort();
    };
    for (const dataset of ['model-calls', 'scores', 'spans'] as const) {
      const all = await rows(sqlite, dataset, []);
      expect(await rows(ch, dataset, [])).toEqual(all);
      const parts: string[] = [];
      for (const service of [...services, 'no-such-service']) {
        const s = await rows(sqlite, dataset, [service]);
        expect({ dataset, service, rows: await rows(ch, dataset, [service]) }).toEqual({ dataset, service, rows: s });
        parts.push(...s);
      }
      expect(parts.sort()).toEqual(all);
      if (dataset !== 'scores') expect(all.length).toBeGreaterThan((await rows(sqlite, dataset, ['chat-api'])).length);
    }
  });

  it('gives the same summary and cost breakdown', async () => {
    const sq = SummaryQuery.parse(range());
    const strip = withoutEngineMeta;
    expect(differences(strip(await sqlite.panel('summary', sq, ctx)), strip(await ch.panel('summary', sq, ctx)), () => 1e-9)).toEqual([]);
    for (const groupBy of ['model', 'operation', 'provider'] as const) {
      const q = CostBreakdownQuery.parse({ ...range(), groupBy });
      expect(differences(strip(await sqlite.panel('cost-breakdown', q, ctx)), strip(await ch.panel('cost-breakdown', q, ctx)), () => 1e-9)).toEqual([]);
    }
  });
});
