/**
 * Interop: the official OpenTelemetry JS OTLP exporters (http/JSON and proto, traces and metrics,
 * with gzip and a bearer token) sending over real HTTP, from their own Node process, to
 * genscope's ingest router; then the rows that end up in SQLite through the real StoreWriter.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import express from 'express';
import { createIngestRouter } from '../../api/ingest';
import { createPriceBook } from '../../exporter';
import { openDatabase } from '../../store';
import type { Db } from '../../store';
import { FOREIGN, GEN_AI } from '../../schema/names';
import type { ClientOutput, Scenario, SentSpan } from './otlp-client';
import { StoreWriter, rebuiltSpans } from '../../store';
import type { AttributeMap, MetricPointRecord } from '../../schema/records';

const TOKEN = 'interop-token';
const prices = createPriceBook();
const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

let db: Db;
let server: http.Server;
let baseUrl: string;
/** Content-Type and Content-Encoding of each request received, to prove what the clients sent. */
let received: string[];

beforeEach(async () => {
  db = openDatabase(':memory:');
  received = [];
  const app = express();
  app.use((req, _res, next) => {
    received.push(`${req.headers['content-type'] ?? ''} ${req.headers['content-encoding'] ?? 'identity'}`);
    next();
  });
  app.use(createIngestRouter({ writer: new StoreWriter(db, { prices }), token: TOKEN }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.close();
});

/** Runs the official exporters in a child process against our server (see otlp-client.ts). */
async function client(scenario: Scenario, t0 = 0): Promise<ClientOutput> {
  const { stdout } = await run(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'otlp-client.ts'),
      scenario,
      baseUrl,
      TOKEN,
      String(t0),
    ],
    { cwd: REPO, timeout: 60_000 },
  );
  return JSON.parse(stdout) as ClientOutput;
}

const ns = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

interface SpanRowOut {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: bigint;
  start_ns: bigint;
  end_ns: bigint;
  status_code: bigint;
  status_message: string | null;
  scope_name: string | null;
  attributes: AttributeMap;
  service_name: string | null;
}

function spanRows(): Map<string, SpanRowOut> {
  const rows = db
    .prepare(
      `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns, s.end_ns, s.status_code, s.status_message,
         s.scope_name, s.id, r.service_name
       FROM span_view s LEFT JOIN resources r ON r.id = s.resource_id`,
    )
    .safeIntegers(true)
    .all() as (Omit<SpanRowOut, 'attributes'> & { id: bigint })[];
  // Attributes as the store gives them back (rebuilt from the compact row).
  const attrs = new Map(rebuiltSpans(db).map((r) => [r.id, r.attributes]));
  return new Map(rows.map((r) => [r.span_id, { ...r, attributes: attrs.get(Number(r.id)) ?? {} }]));
}

function assertRunStored(sent: Record<string, SentSpan>, service: string, t0: number): void {
  const rows = spanRows();
  expect(rows.size).toBe(4);
  const row = (key: string): SpanRowOut => {
    const s = sent[key];
    const r = s ? rows.get(s.spanId) : undefined;
    if (!s || !r) throw new Error(`span ${key} not stored`);
    expect(r.trace_id).toBe(s.traceId);
    expect(r.name).toBe(s.name);
    expect(r.service_name).toBe(service);
    expect(r.scope_name).toBe('interop-scope');
    return r;
  };

  const root = row('root');
  expect(root.parent_span_id).toBeNull();
  expect(root.start_ns).toBe(ns([t0, 123_456_789]));
  expect(root.end_ns).toBe(ns([t0 + 5, 13]));

  const oi = row('openinference');
  expect(oi.parent_span_id).toBe(sent.root?.spanId);
  expect(oi.kind).toBe(BigInt(SpanKind.CLIENT));
  expect(oi.start_ns).toBe(ns([t0, 200_000_001]));
  expect(oi.end_ns).toBe(ns([t0 + 1, 999_999_999]));
  expect(oi.attributes).toMatchObject({
    [FOREIGN.llmModelName]: 'gpt-4o',
    [GEN_AI.requestModel]: 'gpt-4o',
    [GEN_AI.providerName]: 'openai',
    [GEN_AI.inputTokens]: 1000,
    [GEN_AI.outputTokens]: 200,
    [GEN_AI.operationName]: 'chat',
  });

  const older = row('older');
  expect(older.status_code).toBe(2n);
  expect(older.status_message).toBe('rate limited');
  expect(older.start_ns).toBe(ns([t0 + 2, 1]));
  expect(older.attributes).toMatchObject({
    [FOREIGN.system]: 'openai',
    [GEN_AI.providerName]: 'openai',
    [GEN_AI.inputTokens]: 50,
    [GEN_AI.outputTokens]: 10,
  });

  const current = row('current');
  expect(current.attributes).toEqual({
    'pipeline.stage': 'generate',
    [GEN_AI.operationName]: 'chat',
    [GEN_AI.providerName]: 'anthropic',
    [GEN_AI.requestModel]: 'claude-sonnet-4',
    [GEN_AI.inputTokens]: 300,
    [GEN_AI.outputTokens]: 40,
    'genscope.cost.usd': 0.0125,
    'gen_ai.request.stop_sequences': ['</code>', 'END'],
  });

  const calls = db
    .prepare(
      `SELECT span_id, provider, operation, request_model, input_tokens, output_tokens, cost_usd, cost_source, status_code
       FROM model_call_view ORDER BY time_ns`,
    )
    .all() as { span_id: string; cost_usd: number | null }[];
  const expectedGpt4o = prices.costUsd({
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 1000,
    outputTokens: 200,
    cachedInputTokens: 0,
    atMillis: t0 * 1000 + 200,
  });
  expect(expectedGpt4o).toBeGreaterThan(0);
  expect(calls).toEqual([
    {
      span_id: sent.openinference?.spanId,
      provider: 'openai',
      operation: 'chat',
      request_model: 'gpt-4o',
      input_tokens: 1000,
      output_tokens: 200,
      cost_usd: expectedGpt4o,
      cost_source: 'prices',
      status_code: 0,
    },
    {
      span_id: sent.older?.spanId,
      provider: 'openai',
      operation: 'chat',
      request_model: 'gpt-4o-mini',
      input_tokens: 50,
      output_tokens: 10,
      cost_usd: expect.any(Number) as unknown,
      cost_source: 'prices',
      status_code: 2,
    },
    {
      span_id: sent.current?.spanId,
      provider: 'anthropic',
      operation: 'chat',
      request_model: 'claude-sonnet-4',
      input_tokens: 300,
      output_tokens: 40,
      cost_usd: 0.0125,
      cost_source: 'attribute',
      status_code: 0,
    },
  ]);

  const scores = db.prepare('SELECT span_id, name, value, time_ns FROM score_view').safeIntegers(true).all();
  expect(scores).toEqual([
    { span_id: sent.current?.spanId, name: 'code.quality', value: 0.8, time_ns: ns([t0 + 3, 900_000_009]) },
  ]);
}

describe('OTLP/HTTP ingest with the official OpenTelemetry JS exporters', () => {
  it('stores spans sent by @opentelemetry/exporter-trace-otlp-http (JSON, gzip)', async () => {
    const t0 = 1_750_000_000;
    const out = await client('traces-json', t0);
    expect(out.results.length).toBeGreaterThan(0);
    expect(out.results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    expect(new Set(received)).toEqual(new Set(['application/json gzip']));
    assertRunStored(out.sent, 'interop-json', t0);
  });

  it('stores spans sent by @opentelemetry/exporter-trace-otlp-proto (protobuf, gzip)', async () => {
    const t0 = 1_750_000_100;
    const out = await client('traces-proto', t0);
    expect(out.results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    expect(new Set(received)).toEqual(new Set(['application/x-protobuf gzip']));
    assertRunStored(out.sent, 'interop-proto', t0);
  });

  it.each(['traces-json-wrong-token', 'traces-proto-wrong-token'] as const)(
    'fails the official exporter with a wrong token and stores nothing (%s)',
    async (scenario) => {
      const out = await client(scenario);
      expect(out.results).toEqual([
        { code: ExportResultCode.FAILED, error: expect.stringMatching(/Unauthorized/) as unknown },
      ]);
      expect(db.prepare('SELECT count(*) AS n FROM span_view').get()).toEqual({ n: 0 });
    },
  );

  interface PointRow {
    name: string;
    unit: string | null;
    type: string;
    monotonic: number | null;
    temporality: number | null;
    attributes: string;
    value: number | null;
    count: number | null;
    sum: number | null;
    min: number | null;
    max: number | null;
    bounds: string | null;
    bucket_counts: string | null;
    time_ns: bigint;
    start_time_ns: bigint | null;
  }

  function pointRows(): PointRow[] {
    const rows = db
      .prepare(
        `SELECT name, unit, type, monotonic, temporality, attributes, value, count, sum, min, max, bounds, bucket_counts,
           time_ns, start_time_ns
         FROM metric_points ORDER BY name`,
      )
      .safeIntegers(true)
      .all() as Record<string, unknown>[];
    // Small integer columns back to numbers; the time columns stay BigInt.
    return rows.map((r) => {
      const out: Record<string, unknown> = { ...r };
      for (const k of ['monotonic', 'temporality', 'count'])
        if (typeof out[k] === 'bigint') out[k] = Number(out[k] as bigint);
      return out as unknown as PointRow;
    });
  }

  it.each([
    ['@opentelemetry/exporter-metrics-otlp-http (JSON, gzip)', 'metrics-json'],
    ['@opentelemetry/exporter-metrics-otlp-proto (protobuf, gzip)', 'metrics-proto'],
  ] as const)('stores histograms, sums and exponential histograms sent by %s', async (_name, scenario) => {
    const out = await client(scenario);
    expect(out.results).toEqual([{ code: ExportResultCode.SUCCESS }]);
    expect(received).toEqual([
      `${scenario === 'metrics-json' ? 'application/json' : 'application/x-protobuf'} gzip`,
    ]);
    const before = BigInt(out.beforeNs);
    const after = BigInt(out.afterNs);
    const sdkRecords = out.sdkRecords as MetricPointRecord[];
    const rows = pointRows();
    expect(rows.map((r) => r.name)).toEqual(['genscope.cost', 'latency.exp', 'pipeline.stage.duration']);
    const [cost, exp, duration] = rows as [PointRow, PointRow, PointRow];

    expect(duration).toMatchObject({
      unit: 's',
      type: 'histogram',
      temporality: 2,
      count: 5,
      sum: 56.25,
      min: 0.05,
      max: 50,
      bounds: '[0.1,1,10]',
      bucket_counts: '[1,2,1,1]',
    });
    expect(JSON.parse(duration.attributes)).toEqual({ 'pipeline.stage': 'generate' });

    expect(cost).toMatchObject({ unit: 'USD', type: 'sum', monotonic: 1, temporality: 2, value: 0.25 });
    expect(JSON.parse(cost.attributes)).toEqual({
      [FOREIGN.system]: 'openai',
      [GEN_AI.providerName]: 'openai',
    });

    // The exponential histogram as the SDK itself computed it (scale, zero count, offsets, buckets).
    const sdkExp = sdkRecords.find((r) => r.name === 'latency.exp');
    expect(exp.type).toBe('exp_histogram');
    expect(exp.count).toBe(6);
    expect(exp.sum).toBe(123);
    expect(JSON.parse(exp.bounds ?? 'null')).toEqual(sdkExp?.bounds);
    expect(JSON.parse(exp.bucket_counts ?? 'null')).toEqual(sdkExp?.bucketCounts);

    for (const r of rows) {
      expect(r.time_ns).toBeGreaterThanOrEqual(before);
      expect(r.time_ns).toBeLessThanOrEqual(after);
      expect(r.start_time_ns).not.toBeNull();
      expect(r.start_time_ns as bigint).toBeLessThanOrEqual(r.time_ns);
    }
    const service = db
      .prepare(
        'SELECT DISTINCT r.service_name AS s FROM metric_points m JOIN resources r ON r.id = m.resource_id',
      )
      .all();
    expect(service).toEqual([{ s: 'interop-metrics' }]);
  });

  it('keeps delta temporality from the official proto exporter', async () => {
    const out = await client('metrics-proto-delta');
    expect(out.results).toEqual([{ code: ExportResultCode.SUCCESS }]);
    const rows = pointRows();
    expect(rows.find((r) => r.name === 'pipeline.stage.duration')?.temporality).toBe(1);
    expect(rows.find((r) => r.name === 'genscope.cost')?.temporality).toBe(1);
  });
});
