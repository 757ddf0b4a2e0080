/**
 * Interop: the official OpenTelemetry JS log exporter (http/json and http/protobuf, from its own
 * Node process) sends log records to genscope's ingest over real HTTP, with the trace they belong
 * to; the rows that land in SQLite through the real StoreWriter are checked, then run detail and
 * the scores panel read them back.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { ExportResultCode } from '@opentelemetry/core';
import { createIngestRouter } from '../../api/ingest';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import { runDetail } from '../../store/sqlite/queries/run-detail';
import type { LogsClientOutput } from './otlp-logs-client';

const TOKEN = 'logs-interop-token';
const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

let db: Db;
let server: http.Server;
let baseUrl: string;

beforeEach(async () => {
  db = openDatabase(':memory:');
  const app = express();
  app.use(createIngestRouter({ writer: new StoreWriter(db), token: TOKEN }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.close();
});

async function client(flavor: 'json' | 'proto'): Promise<LogsClientOutput> {
  const { stdout } = await run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'otlp-logs-client.ts'), flavor, baseUrl, TOKEN],
    { cwd: REPO, timeout: 60_000 },
  );
  return JSON.parse(stdout) as LogsClientOutput;
}

interface LogRowOut {
  trace_id: string | null;
  span_id: string | null;
  event_name: string | null;
  severity_number: number;
  severity_text: string | null;
  body: string | null;
  attributes: string;
}

describe.each(['json', 'proto'] as const)('OTLP logs over http/%s from the official exporter', (flavor) => {
  test('records stored once with their context; evaluations become scores of the call they judge', async () => {
    const out = await client(flavor);
    expect(out.exports).toEqual([{ code: ExportResultCode.SUCCESS }, { code: ExportResultCode.SUCCESS }]);
    expect(out.sent).toBe(4);

    const logs = db
      .prepare('SELECT trace_id, span_id, event_name, severity_number, severity_text, body, attributes FROM log_records ORDER BY time_ns, id')
      .all() as LogRowOut[];
    // Sent twice, stored once.
    expect(logs).toHaveLength(4);
    const details = logs.find((l) => l.event_name === 'gen_ai.client.inference.operation.details');
    expect(details).toMatchObject({ trace_id: out.traceId, span_id: out.spanId, severity_number: 9 });
    expect(JSON.parse(details?.body ?? 'null')).toEqual({
      role: 'assistant',
      content: 'export const Card = () => <div/>;',
      tokens: 40,
    });
    const plain = logs.find((l) => l.event_name === null);
    expect(plain).toMatchObject({ trace_id: null, span_id: null, severity_number: 13, severity_text: 'WARN' });
    expect(JSON.parse(plain?.body ?? 'null')).toBe('plain log line, no trace context');

    const scores = db
      .prepare('SELECT trace_id, span_id, name, value, label, explanation, model FROM score_view ORDER BY name')
      .all();
    // One by span context, one by response id alone; each once although the batch came twice.
    expect(scores).toEqual([
      { trace_id: out.traceId, span_id: out.spanId, name: 'faithfulness', value: 0.25, label: null, explanation: null, model: 'gpt-4o-mini' },
      { trace_id: out.traceId, span_id: out.spanId, name: 'relevance', value: 0.8, label: 'relevant', explanation: 'answers the question', model: 'gpt-4o-mini' },
    ]);
    const rollup = db.prepare("SELECT sum(count) AS n FROM rollup_scores_total WHERE grain_s = 3600 AND name IN ('relevance', 'faithfulness')").get() as { n: number };
    expect(rollup.n).toBe(2);
  });
});

test('run detail lists the trace’s log records', async () => {
  const out = await client('proto');
  // The trace has no pipeline.run root: give it one so it is a run (the call is its child).
  const writer = new StoreWriter(db);
  const call = db.prepare('SELECT start_ns, end_ns FROM span_view WHERE span_id = ?').get(out.spanId) as { start_ns: bigint; end_ns: bigint };
  db.defaultSafeIntegers(false);
  writer.writeSpans([
    {
      traceId: out.traceId,
      spanId: 'aaaaaaaaaaaaaaaa',
      name: 'pipeline.run',
      kind: 0,
      startNs: BigInt(call.start_ns) - 1_000_000n,
      endNs: BigInt(call.end_ns) + 1_000_000n,
      statusCode: 1,
      attributes: { 'genscope.component.id': 'c1' },
      events: [],
      links: [],
      resource: {},
    },
  ]);
  const root = db.prepare("SELECT id FROM span_view WHERE span_id = 'aaaaaaaaaaaaaaaa'").get() as { id: number };
  const detail = runDetail({ db, nowMs: Date.now(), monthlyBudgetUsd: null, exactPercentileMaxRows: 0, minuteRollupRetentionDays: 7 }, Number(root.id));
  expect(detail.logs.map((l) => l.eventName).sort()).toEqual(['gen_ai.client.inference.operation.details', 'gen_ai.evaluation.result']);
  expect(detail.logs.every((l) => l.spanId === out.spanId)).toBe(true);
  expect(detail.scores.map((s) => s.name).sort()).toEqual(['faithfulness', 'relevance']);
});
