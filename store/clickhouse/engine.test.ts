/**
 * The ClickHouse store's foundations on the real embedded engine (chdb through
 * @clickhouse/client's connection hook): bound parameters, genscope's migrations, otel_traces
 * variant detection, the fixture writer's rows read back, and the query time limit.
 */
import type { SpanRecord } from '../../schema/records';
import type { ChClient } from './client';
import { createTracesTable, detectTracesSchema, migrateClickHouse, TracesSchemaError } from './migrate';
import { CLICKHOUSE_MIGRATIONS } from './ddl';
import { otelReadColumns, otelRowToSpanRecord } from './otel-rows';
import type { OtelReadRow } from './otel-rows';
import { writeOtelSpans } from './otel-writer';
import { embeddedConfig, openEmbedded } from './test-engine';

jest.setTimeout(60_000);

const NOW_NS = BigInt(Date.now()) * 1_000_000n;

function span(i: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  const start = NOW_NS - BigInt(3600 - i) * 1_000_000_000n + 123_456_789n;
  return {
    traceId: i.toString(16).padStart(32, 'a'),
    spanId: (i + 1).toString(16).padStart(16, 'b'),
    parentSpanId: 'c'.repeat(16),
    name: 'generate',
    kind: 2,
    startNs: start,
    endNs: start + 1_500_000_001n,
    statusCode: 2,
    statusMessage: 'model refused',
    attributes: {
      'pipeline.stage': 'generate',
      'pipeline.component.id': '007',
      'gen_ai.usage.input_tokens': 1200,
      'genscope.cost.usd': 0.0125,
      'genscope.cache.hit': false,
      'gen_ai.request.model': 'gpt-4o-mini',
    },
    events: [
      {
        name: 'gen_ai.evaluation.result',
        timeNs: start + 1_000n,
        attributes: { 'gen_ai.evaluation.name': 'code.quality', 'gen_ai.evaluation.score.value': 0.75 },
      },
    ],
    links: [{ traceId: 'd'.repeat(32), spanId: 'e'.repeat(16), attributes: { why: 'retry' } }],
    resource: { 'service.name': 'pipeline', 'genscope.simulated': true },
    scopeName: 'genscope',
    ...extra,
  };
}

describe('ClickHouse on the embedded engine', () => {
  let ch: ChClient;
  const config = embeddedConfig();

  beforeAll(() => {
    ch = openEmbedded(config);
  });
  afterAll(async () => {
    await ch.command(`DROP DATABASE IF EXISTS ${config.database}`);
    await ch.close();
  });

  it('binds typed query parameters and keeps quotes in values as data', async () => {
    const rows = await ch.query<{ n: number; s: string; a: string[]; t: string }>(
      'SELECT {n:UInt32} * 2 AS n, {s:String} AS s, {a:Array(String)} AS a, toString({t:DateTime64(9)}) AS t',
      { n: 21, s: "x'); DROP TABLE y; --", a: ['p', "q'r"], t: '2026-01-02 03:04:05.123456789' },
    );
    expect(rows).toEqual([
      { n: 42, s: "x'); DROP TABLE y; --", a: ['p', "q'r"], t: '2026-01-02 03:04:05.123456789' },
    ]);
  });

  it('applies each migration once', async () => {
    const first = await migrateClickHouse(ch, config);
    expect(first).toEqual(CLICKHOUSE_MIGRATIONS.map((m) => m.version));
    expect(await migrateClickHouse(ch, config)).toEqual([]);
    const tables = await ch.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: config.database },
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'genscope_spans',
        'genscope_rollup_spans_hour',
        'genscope_rollup_spans_hour_mv',
        'genscope_meta',
      ]),
    );
  });

  it('names the missing columns of a table that is not the exporter’s', async () => {
    await ch.command(
      `CREATE TABLE ${config.database}.not_traces (Timestamp DateTime64(9), TraceId String) ENGINE = MergeTree ORDER BY Timestamp`,
    );
    await expect(detectTracesSchema(ch, config.database, 'not_traces')).rejects.toThrow(TracesSchemaError);
    await expect(detectTracesSchema(ch, config.database, 'not_traces')).rejects.toThrow(
      /missing columns SpanId, ParentSpanId.*SpanAttributes.*Events\.Timestamp/,
    );
    await expect(detectTracesSchema(ch, config.database, 'nowhere')).rejects.toThrow(/does not exist/);
  });

  for (const variant of ['map', 'json'] as const) {
    it(`writes the exporter's ${variant} rows and reads the same spans back`, async () => {
      const table = `otel_traces_${variant}`;
      await createTracesTable(ch, { ...config, tracesTable: table }, variant);
      const schema = await detectTracesSchema(ch, config.database, table);
      expect(schema.variant).toBe(variant);
      const spans = [
        span(1),
        span(2, { parentSpanId: undefined, statusCode: 1, statusMessage: undefined, kind: 0 }),
      ];
      delete spans[1]?.parentSpanId;
      delete spans[1]?.statusMessage;
      await writeOtelSpans(ch, table, spans, variant);
      const raw = await ch.query<{
        Timestamp: string;
        SpanKind: string;
        StatusCode: string;
        Duration: number;
      }>(
        `SELECT toString(Timestamp) AS Timestamp, SpanKind, StatusCode, Duration FROM ${config.database}.${table} ORDER BY Timestamp`,
      );
      expect(raw.map((r) => [r.SpanKind, r.StatusCode, r.Duration])).toEqual([
        ['Client', 'Error', 1_500_000_001],
        ['Internal', 'Ok', 1_500_000_001],
      ]);
      const back = await ch.query<OtelReadRow>(
        `SELECT ${otelReadColumns()} FROM ${config.database}.${table} ORDER BY Timestamp`,
      );
      expect(back.map((r) => otelRowToSpanRecord(r, variant))).toEqual(spans);
    });
  }

  it('stops a query at the configured time limit with ClickHouse’s own error', async () => {
    const limited = openEmbedded({ ...config, queryTimeoutSeconds: 1 });
    await expect(
      limited.query('SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 1'),
    ).rejects.toThrow(/TIMEOUT_EXCEEDED|Timeout exceeded/);
    await limited.close();
  });
});
