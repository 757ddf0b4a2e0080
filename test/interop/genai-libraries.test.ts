/**
 * Model calls, runs, summary and latency from real GenAI instrumentation packages: each library
 * (genai-client.ts, its own process) sends real `openai` / `ai` / Langfuse traffic against the local
 * OpenAI-compatible server, exported over OTLP with the official exporters into the real ingest and
 * writer (SQLite file). The calls counted must be the calls the server answered, errors and
 * successes under one model identity, and traces with no genscope root (a `nightly-batch` root of
 * another name, a lone call outside any span) must still be runs in the runs list, summary and latency.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { createIngestRouter } from '../../api/ingest';
import { createPriceBook } from '../../exporter';
import { ModelCallsQuery, PanelQuery, RunsQuery, SummaryQuery } from '../../schema/api';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import { latencyPercentiles } from '../../store/sqlite/queries/latency-percentiles';
import { modelCalls } from '../../store/sqlite/queries/model-calls';
import { runsList } from '../../store/sqlite/queries/runs-list';
import { summary } from '../../store/sqlite/queries/summary';
import { GENAI_LIBRARIES } from './genai-client';
import type { GenAiClientOutput, GenAiLibrary } from './genai-client';
import type { ServedCall } from './openai-compatible-server';
import { listenLoopback } from './loopback';
import type { Loopback } from './loopback';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

let dir: string;
let db: Db;
let server: Loopback;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-genai-'));
  db = openDatabase(path.join(dir, 'g.db'));
  const app = express();
  app.use(createIngestRouter({ writer: new StoreWriter(db, { prices: createPriceBook() }) }));
  server = await listenLoopback(app);
});

afterEach(async () => {
  await server.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The calls each library exports a span for (observed with the pinned packages): OpenInference's
 * openai instrumentation exports no span for a call the server refused, OpenLLMetry's neither a
 * refused call nor an embeddings call. The others export every call.
 */
const EXPORTED: Record<GenAiLibrary, (c: ServedCall) => boolean> = {
  otel: () => true,
  openinference: (c) => c.status < 400,
  openllmetry: (c) => c.status < 400 && c.operation === 'chat',
  vercel: () => true,
  langfuse: () => true,
};

/** What the stored file answers for one library's traffic, however the spans arrived. */
function checkStored(library: GenAiLibrary, out: GenAiClientOutput): void {
  expect(out.served.length).toBeGreaterThan(0);
  const ctx = {
    db,
    nowMs: Date.now() + 1000,
    monthlyBudgetUsd: null,
    exactPercentileMaxRows: 100_000,
    minuteRollupRetentionDays: 7,
  };
  const service = `interop-${library}`;

  const models = modelCalls(ctx, ModelCallsQuery.parse({ range: '1h' }));
  const calls = models.groups.reduce((n, g) => n + g.calls, 0);
  const errors = models.groups.reduce((n, g) => n + g.errors, 0);
  const exported = out.served.filter(EXPORTED[library]);
  expect(calls).toBe(exported.length);
  expect(errors).toBe(exported.filter((c) => c.status >= 400).length);
  // One identity per model: every group is a model that was requested, and each requested model
  // appears once per provider and operation (its failed calls beside its successful ones).
  const requested = new Set(out.served.map((c) => c.requestModel));
  for (const g of models.groups) {
    expect(requested.has(g.model ?? '')).toBe(true);
    // Langfuse's SDK names no provider; every other library says openai (normalised: not openai.chat).
    expect(library === 'langfuse' ? [null, 'openai'] : ['openai']).toContain(g.provider);
    expect(g.p99Ms).toBeGreaterThanOrEqual(g.p50Ms);
  }
  const keys = models.groups.map((g) => `${g.model}|${g.operation}`);
  expect(new Set(keys).size).toBe(keys.length);
  const inputSent = exported.filter((c) => c.status < 400).reduce((n, c) => n + c.inputTokens, 0);
  const inputStored = models.groups.reduce((n, g) => n + g.inputTokens, 0);
  // @opentelemetry/instrumentation-openai reports usage on every call, streamed ones included; the
  // others leave some out (streamed calls, embeddings), so they cannot show more than was served.
  if (library === 'otel') expect(inputStored).toBe(inputSent);
  expect(inputStored).toBeGreaterThan(0);
  expect(inputStored).toBeLessThanOrEqual(inputSent);

  // Cost: every group with tokens is priced or counted unpriced (never a silent $0), with the hint
  // exactly when some call is unpriced. With a provider every model here is in the price dataset;
  // Langfuse's SDK names none, and the dataset does not find text-embedding-3-small without one.
  for (const g of models.groups) {
    if (g.inputTokens === 0) continue;
    if (g.unpricedCalls === 0) expect(g.costUsd).toBeGreaterThan(0);
    else expect(g.calls - g.errors).toBeGreaterThanOrEqual(g.unpricedCalls);
  }
  expect(models.unpricedHint !== null).toBe(models.unpricedCalls > 0);
  if (library !== 'langfuse') expect(models.unpricedCalls).toBe(0);
  // Langfuse's SDK sends its own cost: kept, with the price book's cost of the same calls beside it.
  if (library === 'langfuse') {
    const sent = models.groups.filter((g) => g.senderCostCalls > 0);
    expect(sent.length).toBeGreaterThan(0);
    for (const g of sent)
      expect(g.senderDiffUsd).toBeCloseTo((g.senderCostUsd ?? 0) - (g.pricedCostUsd ?? 0), 12);
  }

  expect(
    modelCalls(ctx, ModelCallsQuery.parse({ range: '1h', service })).groups.reduce((n, g) => n + g.calls, 0),
  ).toBe(calls);
  expect(modelCalls(ctx, ModelCallsQuery.parse({ range: '1h', service: 'no-such-service' })).groups).toEqual(
    [],
  );

  const runs = runsList(ctx, RunsQuery.parse({ range: '1h' })).runs;
  expect(runs.length).toBeGreaterThan(0);
  expect(runs.every((r) => r.service === service)).toBe(true);
  expect(runsList(ctx, RunsQuery.parse({ range: '1h', service: 'no-such-service' })).runs).toEqual([]);
  // A root of another name carries its calls' cost and model, rolled up.
  const batch = runs.find((r) => r.name === 'nightly-batch');
  if (library === 'otel') {
    expect(batch).toBeDefined();
    expect(batch?.costUsd).toBeGreaterThan(0);
    expect(requested.has(batch?.model ?? '')).toBe(true);
  }
  // Every root is a run though none has a genscope name; the lone failed call outside any span
  // is one, for the libraries that export failed calls.
  if (exported.some((c) => c.status >= 400)) expect(runs.some((r) => r.status === 'error')).toBe(true);

  const kpis = summary(ctx, SummaryQuery.parse({ range: '1h' })).kpis;
  expect(kpis.runs.value).toBe(runs.length);
  const latency = latencyPercentiles(ctx, PanelQuery.parse({ range: '1h' }));
  expect(latency.count.reduce((n, v) => n + v, 0)).toBe(runs.length);
}

async function client(library: GenAiLibrary, target: string): Promise<GenAiClientOutput> {
  const { stdout } = await run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'genai-client.ts'), library, target, ''],
    { cwd: REPO, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as GenAiClientOutput;
}

describe.each(GENAI_LIBRARIES)('%s', (library) => {
  test('over OTLP: model calls, runs, summary and latency cover the traffic, with no genscope root span', async () => {
    checkStored(library, await client(library, server.url));
  });

  // genscope installed in the pipeline (startTelemetry({ registerGlobal: true })), the library's
  // spans written to the file by genscope's own exporter: the same conventions apply as at ingest.
  test("in process: the same answers from spans genscope's exporter wrote", async () => {
    checkStored(library, await client(library, `sqlite:${path.join(dir, 'g.db')}`));
  });
});
