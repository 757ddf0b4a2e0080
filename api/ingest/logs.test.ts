/**
 * POST /v1/logs: the mapping of OTLP log records (both encodings), partial success for refused
 * records, and evaluations that name nothing stored. The official exporter's path is in
 * test/interop/otlp-logs.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import { decodeLogsRequest } from './decode';
import { OTLP_PROTO } from './proto';
import { createIngestRouter } from './router';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function logsRequest(records: Record<string, unknown>[]): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'judge' } }] },
        scopeLogs: [{ scope: { name: 'evals' }, logRecords: records }],
      },
    ],
  };
}

const evaluation = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  timeUnixNano: '1700000000000000000',
  severityNumber: 9,
  eventName: 'gen_ai.evaluation.result',
  attributes: [
    { key: 'gen_ai.evaluation.name', value: { stringValue: 'relevance' } },
    { key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.5 } },
  ],
  ...extra,
});

function json(records: Record<string, unknown>[]): Buffer {
  return Buffer.from(JSON.stringify(logsRequest(records)));
}

function proto(records: Record<string, unknown>[]): Buffer {
  const type = OTLP_PROTO.ExportLogsServiceRequest;
  const withBytes = records.map((r) => ({
    ...r,
    ...(typeof r.traceId === 'string' ? { traceId: Buffer.from(r.traceId, 'hex') } : {}),
    ...(typeof r.spanId === 'string' ? { spanId: Buffer.from(r.spanId, 'hex') } : {}),
  }));
  return Buffer.from(type.encode(type.fromObject(logsRequest(withBytes))).finish());
}

describe('decodeLogsRequest', () => {
  test.each([
    ['json', 'application/json', json],
    ['protobuf', 'application/x-protobuf', proto],
  ] as const)('%s: time, context, severity, event name, kvlist body and attributes', (_name, type, encode) => {
    const body = encode([
      {
        timeUnixNano: '0',
        observedTimeUnixNano: '1700000000000000123',
        traceId: TRACE,
        spanId: SPAN,
        severityNumber: 17,
        severityText: 'ERROR',
        body: { kvlistValue: { values: [{ key: 'role', value: { stringValue: 'user' } }, { key: 'n', value: { intValue: '3' } }] } },
        attributes: [{ key: 'event.name', value: { stringValue: 'gen_ai.user.message' } }],
      },
    ]);
    const decoded = decodeLogsRequest(body, type);
    expect(decoded.rejected).toBe(0);
    expect(decoded.records).toEqual([
      {
        // No time: the observed time stands in, as the log data model says.
        timeNs: 1700000000000000123n,
        observedNs: 1700000000000000123n,
        traceId: TRACE,
        spanId: SPAN,
        severityNumber: 17,
        severityText: 'ERROR',
        // The older attribute spelling of the event name is read too.
        eventName: 'gen_ai.user.message',
        body: { role: 'user', n: 3 },
        attributes: { 'event.name': 'gen_ai.user.message' },
        resource: { 'service.name': 'judge' },
        scopeName: 'evals',
      },
    ]);
  });

  test('refuses records without any time, with a bad id or severity, and keeps the rest', () => {
    const decoded = decodeLogsRequest(
      json([
        { severityNumber: 9, body: { stringValue: 'no time at all' } },
        evaluation({ traceId: 'xyz' }),
        evaluation({ spanId: SPAN }),
        evaluation({ severityNumber: 40 }),
        evaluation(),
      ]),
      'application/json',
    );
    expect(decoded.records).toHaveLength(1);
    expect(decoded.rejected).toBe(4);
    expect(decoded.warnings.join('; ')).toMatch(/neither timeUnixNano nor observedTimeUnixNano/);
    expect(decoded.warnings.join('; ')).toMatch(/spanId without a traceId/);
    expect(decoded.warnings.join('; ')).toMatch(/severityNumber/);
  });
});

describe('POST /v1/logs', () => {
  let db: Db;
  let server: http.Server;
  let url: string;

  beforeEach(async () => {
    db = openDatabase(':memory:');
    const app = express();
    app.use(createIngestRouter({ writer: new StoreWriter(db), onError: () => undefined }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
  });

  async function send(body: Buffer, type: string): Promise<{ status: number; body: Buffer; type: string }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body) });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
  }

  test('partial success counts refused records, in the request’s encoding', async () => {
    const bad = { severityNumber: 9 };
    const j = await send(json([evaluation({ traceId: TRACE, spanId: SPAN }), bad]), 'application/json');
    expect(j.status).toBe(200);
    expect(JSON.parse(j.body.toString())).toMatchObject({ partialSuccess: { rejectedLogRecords: '1' } });

    const p = await send(proto([bad]), 'application/x-protobuf');
    expect(p.status).toBe(200);
    const type = OTLP_PROTO.ExportLogsServiceResponse;
    const reply = type.toObject(type.decode(p.body), { longs: Number }) as { partialSuccess?: { rejectedLogRecords?: number } };
    expect(reply.partialSuccess?.rejectedLogRecords).toBe(1);

    // The valid evaluation scored its span (not stored yet: its dimensions are unknown, its identity is not).
    expect(db.prepare('SELECT trace_id, span_id, name, value FROM score_view').all()).toEqual([
      { trace_id: TRACE, span_id: SPAN, name: 'relevance', value: 0.5 },
    ]);
  });

  test('an evaluation naming no span and no known response is kept as a record and reported', async () => {
    const r = await send(
      json([evaluation({ attributes: [{ key: 'gen_ai.evaluation.name', value: { stringValue: 'x' } }, { key: 'gen_ai.response.id', value: { stringValue: 'nope' } }] })]),
      'application/json',
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).partialSuccess.errorMessage).toMatch(/kept as log records, not scores/);
    expect(db.prepare('SELECT count(*) AS n FROM log_records').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM scores').get()).toEqual({ n: 0 });
  });

  test('other methods get 405 with Allow: POST', async () => {
    const r = await fetch(url, { method: 'GET' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });
});
