/**
 * Runs from another GenAI instrumentation, through the real OTLP/JSON mapping into a SQLite file
 * and out of GET /api/v1/runs and /runs/:id: the runs list shows each run's calls' tokens (cache
 * reads and cache writes too, which the GenAI conventions name), failures and cost, and a lone
 * model call that is its trace's root is a run of one call.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { RunDetailResponse, RunsResponse } from '../schema/api';
import { GEN_AI } from '../schema/names';
import { StoreWriter, openDatabase } from '../store';
import type { Db } from '../store';
import { createApp } from './app';
import { mapTraceRequest } from './ingest/map-traces';
import { JSON_FLAVOR } from './ingest/wire';
import { DEFAULT_INGEST_LIMITS } from './ingest/limits';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const START_NS = BigInt(NOW - 120_000) * 1_000_000n;

interface Call {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  error?: boolean;
}

const CALLS: Call[] = [
  { input: 12_000, output: 400, cacheRead: 8_000, cacheWrite: 2_000 },
  { input: 3_000, output: 0, cacheRead: 0, cacheWrite: 1_500, error: true },
];
const LONE: Call = { input: 700, output: 90, cacheRead: 0, cacheWrite: 0 };

const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

function chatSpan(traceId: string, spanId: string, parent: string | undefined, at: bigint, c: Call): Record<string, unknown> {
  return {
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: 'chat claude-sonnet-4',
    kind: 3,
    startTimeUnixNano: String(at),
    endTimeUnixNano: String(at + 400_000_000n),
    status: c.error ? { code: 2, message: 'overloaded' } : {},
    attributes: [
      str(GEN_AI.operationName, 'chat'),
      str(GEN_AI.providerName, 'anthropic'),
      str(GEN_AI.requestModel, 'claude-sonnet-4'),
      int(GEN_AI.inputTokens, c.input),
      int(GEN_AI.outputTokens, c.output),
      int(GEN_AI.cachedInputTokens, c.cacheRead),
      int(GEN_AI.cacheCreationTokens, c.cacheWrite),
    ],
  };
}

function otlp(): unknown {
  const handler = 'aa00000000000001';
  const trace = 'f'.repeat(31) + '1';
  const spans = [
    {
      traceId: trace,
      spanId: handler,
      name: 'POST /api/chat',
      kind: 2,
      startTimeUnixNano: String(START_NS),
      endTimeUnixNano: String(START_NS + 5_000_000_000n),
      attributes: [str('http.request.method', 'POST')],
    },
    ...CALLS.map((c, i) => chatSpan(trace, `bb0000000000000${i}`, handler, START_NS + BigInt(i + 1) * 1_000_000_000n, c)),
    chatSpan('e'.repeat(31) + '2', 'cc00000000000001', undefined, START_NS + 10_000_000_000n, LONE),
  ];
  return { resourceSpans: [{ resource: { attributes: [str('service.name', 'chat-api')] }, scopeSpans: [{ spans }] }] };
}

let dir: string;
let db: Db;
let app: ReturnType<typeof createApp>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-foreign-api-'));
  db = openDatabase(path.join(dir, 'store.db'));
  const mapped = mapTraceRequest(otlp(), JSON_FLAVOR, DEFAULT_INGEST_LIMITS);
  expect(mapped.rejected).toBe(0);
  new StoreWriter(db).writeSpans(mapped.spans);
  app = createApp({ db, clock: () => NOW, config: { monthlyBudgetUsd: 100 } });
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sum = (cs: Call[], f: (c: Call) => number) => cs.reduce((a, c) => a + f(c), 0);

describe('runs of another GenAI instrumentation', () => {
  it('shows a handler root’s calls’ tokens, cache writes and failure on its row and detail', async () => {
    const list = await request(app).get('/api/v1/runs?range=1h');
    expect(list.status).toBe(200);
    const runs = (list.body as RunsResponse).runs;
    const handler = runs.find((r) => r.name === 'POST /api/chat');
    expect(handler).toMatchObject({
      status: 'error',
      service: 'chat-api',
      model: 'claude-sonnet-4',
      modelCalls: CALLS.length,
      failedCalls: CALLS.filter((c) => c.error).length,
      inputTokens: sum(CALLS, (c) => c.input),
      outputTokens: sum(CALLS, (c) => c.output),
      cacheReadTokens: sum(CALLS, (c) => c.cacheRead),
      cacheWriteTokens: sum(CALLS, (c) => c.cacheWrite),
    });
    const detail = await request(app).get(`/api/v1/runs/${handler?.id ?? 0}`);
    expect(detail.status).toBe(200);
    const d = detail.body as RunDetailResponse;
    expect(d.run).toEqual(handler);
    expect(d.modelCalls.reduce((a, c) => a + c.inputTokens, 0)).toBe(handler?.inputTokens);
  });

  it('shows a lone model call that is its trace’s root as a run of one call', async () => {
    const runs = ((await request(app).get('/api/v1/runs?range=1h')).body as RunsResponse).runs;
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.name !== 'POST /api/chat')).toMatchObject({
      status: 'unset',
      modelCalls: 1,
      failedCalls: 0,
      inputTokens: LONE.input,
      outputTokens: LONE.output,
    });
  });
});
