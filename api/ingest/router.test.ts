import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import fc from 'fast-check';
import { openDatabase } from '../../store';
import type { Db } from '../../store';
import { OTLP_PROTO } from './proto';
import { createIngestRouter } from './router';
import type { IngestRouterOptions } from './router';
import { StoreWriter } from '../../store';

const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Server {
  url: string;
  close(): Promise<void>;
}

async function listen(app: express.Express): Promise<Server> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POST over real HTTP. `chunked` sends without Content-Length, in pieces. */
function post(url: string, body: Buffer, headers: Record<string, string>, chunked = false): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: chunked ? headers : { ...headers, 'Content-Length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    // A server that answers early (413) may close while we still write; the answer is what counts.
    req.on('error', reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

function spanJson(spanId: string, name: string): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: '1700000000000000001',
    endTimeUnixNano: '1700000000500000002',
    attributes: [{ key: 'pipeline.stage', value: { stringValue: 'classify' } }],
  };
}

function tracesRequest(spans: Record<string, unknown>[]): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  };
}

function jsonTraces(...spans: Record<string, unknown>[]): Buffer {
  return Buffer.from(JSON.stringify(tracesRequest(spans)));
}

function protoTraces(...spans: Record<string, unknown>[]): Buffer {
  const type = OTLP_PROTO.ExportTraceServiceRequest;
  const withBytes = spans.map((s) => ({
    ...s,
    traceId: Buffer.from(String(s.traceId), 'hex'),
    spanId: Buffer.from(String(s.spanId), 'hex'),
  }));
  return Buffer.from(type.encode(type.fromObject(tracesRequest(withBytes))).finish());
}

function countRows(db: Db, table: 'spans' | 'metric_points'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

function status(reply: Reply): { code: number; message: string } {
  if (reply.headers['content-type'] === PROTO_TYPE) {
    const type = OTLP_PROTO.RpcStatus;
    return type.toObject(type.decode(reply.body)) as { code: number; message: string };
  }
  return JSON.parse(reply.body.toString()) as { code: number; message: string };
}

describe('createIngestRouter', () => {
  let db: Db;
  let server: Server;

  async function start(options: Partial<IngestRouterOptions> = {}): Promise<void> {
    const app = express();
    app.use(createIngestRouter({ writer: new StoreWriter(db), onError: () => undefined, ...options }));
    server = await listen(app);
  }

  beforeEach(() => {
    db = openDatabase(':memory:');
  });
  afterEach(async () => {
    await server?.close();
    db.close();
  });

  it('stores JSON and protobuf spans and answers each in its own encoding', async () => {
    await start();
    const json = await post(`${server.url}/v1/traces`, jsonTraces(spanJson('00f067aa0ba902b7', 'a')), {
      'Content-Type': JSON_TYPE,
    });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe(JSON_TYPE);
    expect(JSON.parse(json.body.toString())).toEqual({});

    const proto = await post(`${server.url}/v1/traces`, protoTraces(spanJson('00f067aa0ba902b8', 'b')), {
      'Content-Type': PROTO_TYPE,
    });
    expect(proto.status).toBe(200);
    expect(proto.headers['content-type']).toBe(PROTO_TYPE);
    expect(
      OTLP_PROTO.ExportTraceServiceResponse.toObject(
        OTLP_PROTO.ExportTraceServiceResponse.decode(proto.body),
      ),
    ).toEqual({});

    const rows = db
      .prepare('SELECT span_id, name, start_ns, end_ns FROM span_view ORDER BY span_id')
      .safeIntegers(true)
      .all() as { span_id: string; name: string; start_ns: bigint; end_ns: bigint }[];
    expect(rows).toEqual([
      {
        span_id: '00f067aa0ba902b7',
        name: 'a',
        start_ns: 1700000000000000001n,
        end_ns: 1700000000500000002n,
      },
      {
        span_id: '00f067aa0ba902b8',
        name: 'b',
        start_ns: 1700000000000000001n,
        end_ns: 1700000000500000002n,
      },
    ]);
  });

  it('answers a partial success with the rejected count and the reasons, in JSON and in protobuf', async () => {
    await start();
    const good = spanJson('00f067aa0ba902b7', 'good');
    const bad = { ...spanJson('00f067aa0ba902b8', 'bad'), endTimeUnixNano: '1' };
    const json = await post(`${server.url}/v1/traces`, jsonTraces(good, bad), { 'Content-Type': JSON_TYPE });
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body.toString())).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: '1 rejected: endTimeUnixNano before startTimeUnixNano (first: span "bad")',
      },
    });

    const proto = await post(`${server.url}/v1/traces`, protoTraces(good, bad), {
      'Content-Type': PROTO_TYPE,
    });
    const decoded = OTLP_PROTO.ExportTraceServiceResponse.toObject(
      OTLP_PROTO.ExportTraceServiceResponse.decode(proto.body),
      {
        longs: Number,
      },
    );
    expect(decoded).toEqual({
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage: expect.stringContaining('endTimeUnixNano before startTimeUnixNano') as unknown,
      },
    });
    // The same good span arrived twice (JSON, then protobuf): ingest is idempotent, so one row.
    expect(countRows(db, 'spans')).toBe(1);
  });

  it('stores metrics and reports rejected data points', async () => {
    await start();
    const body = Buffer.from(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'g',
                    gauge: { dataPoints: [{ timeUnixNano: '1700000000000000001', asDouble: 2 }] },
                  },
                  {
                    name: 's',
                    summary: { dataPoints: [{ timeUnixNano: '1700000000000000001', count: '1', sum: 1 }] },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const reply = await post(`${server.url}/v1/metrics`, body, { 'Content-Type': JSON_TYPE });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toMatchObject({ partialSuccess: { rejectedDataPoints: '1' } });
    expect(db.prepare('SELECT name, type, value FROM metric_points').all()).toEqual([
      { name: 'g', type: 'gauge', value: 2 },
    ]);
  });

  it('accepts gzip bodies in both encodings', async () => {
    await start();
    const a = await post(
      `${server.url}/v1/traces`,
      zlib.gzipSync(jsonTraces(spanJson('00f067aa0ba902b7', 'a'))),
      {
        'Content-Type': JSON_TYPE,
        'Content-Encoding': 'gzip',
      },
    );
    const b = await post(
      `${server.url}/v1/traces`,
      zlib.gzipSync(protoTraces(spanJson('00f067aa0ba902b8', 'b'))),
      {
        'Content-Type': PROTO_TYPE,
        'Content-Encoding': 'gzip',
      },
    );
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(countRows(db, 'spans')).toBe(2);
  });

  it('answers 415 for other content types and content encodings', async () => {
    await start();
    const text = await post(`${server.url}/v1/traces`, Buffer.from('hello'), {
      'Content-Type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toBe(JSON_TYPE);
    expect(status(text)).toEqual({
      code: 3,
      message: expect.stringContaining('application/x-protobuf') as unknown,
    });
    const br = await post(`${server.url}/v1/traces`, jsonTraces(), {
      'Content-Type': JSON_TYPE,
      'Content-Encoding': 'br',
    });
    expect(br.status).toBe(415);
    expect(status(br).message).toContain('Content-Encoding');
  });

  it('stores a streamed body of unknown length whole, across the growth of its buffer', async () => {
    await start();
    // ~2,000 spans of JSON: several hundred KiB in 64 KiB chunks, past the first reservations.
    const ids = Array.from({ length: 2000 }, (_, i) => (i + 1).toString(16).padStart(16, '0'));
    const body = jsonTraces(...ids.map((id) => spanJson(id, `span-${id}`)));
    expect(body.length).toBeGreaterThan(4 * 64 * 1024);
    const reply = await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE }, true);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toEqual({});
    expect(countRows(db, 'spans')).toBe(ids.length);
  });

  it('answers 413 past the size limit, declared or streamed, and for a gzip bomb', async () => {
    await start({ maxBodyBytes: 64 * 1024 });
    const big = Buffer.alloc(200 * 1024, 0x20);
    const declared = await post(`${server.url}/v1/traces`, big, { 'Content-Type': JSON_TYPE });
    expect(declared.status).toBe(413);
    expect(status(declared).message).toContain('exceeds the limit of 65536 bytes');

    const streamed = await post(`${server.url}/v1/traces`, big, { 'Content-Type': PROTO_TYPE }, true);
    expect(streamed.status).toBe(413);
    expect(streamed.headers['content-type']).toBe(PROTO_TYPE);
    expect(status(streamed).code).toBe(8);

    // 8 MiB of zeros gzip to about 8 KiB: small on the wire, far past the limit once inflated.
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const inflated = await post(`${server.url}/v1/traces`, bomb, {
      'Content-Type': JSON_TYPE,
      'Content-Encoding': 'gzip',
    });
    expect(inflated.status).toBe(413);
    expect(status(inflated).message).toContain('decompressed request body exceeds');
    expect(countRows(db, 'spans')).toBe(0);
  });

  it('rejects malformed protobuf, JSON and gzip with 400 and loses none of the data accepted before', async () => {
    await start();
    const first = await post(`${server.url}/v1/traces`, protoTraces(spanJson('00f067aa0ba902b7', 'kept')), {
      'Content-Type': PROTO_TYPE,
    });
    expect(first.status).toBe(200);

    const good = protoTraces(spanJson('00f067aa0ba902b8', 'x'));
    const badProto = await post(`${server.url}/v1/traces`, good.subarray(0, good.length - 3), {
      'Content-Type': PROTO_TYPE,
    });
    expect(badProto.status).toBe(400);
    expect(badProto.headers['content-type']).toBe(PROTO_TYPE);
    expect(status(badProto)).toEqual({
      code: 3,
      message: expect.stringContaining('malformed protobuf body') as unknown,
    });

    const badJson = await post(`${server.url}/v1/traces`, Buffer.from('{"resourceSpans":[{'), {
      'Content-Type': JSON_TYPE,
    });
    expect(badJson.status).toBe(400);
    expect(status(badJson).message).toContain('malformed JSON body');

    const badGzip = await post(`${server.url}/v1/traces`, Buffer.from('not gzip'), {
      'Content-Type': JSON_TYPE,
      'Content-Encoding': 'gzip',
    });
    expect(badGzip.status).toBe(400);
    expect(status(badGzip).message).toContain('malformed gzip body');

    const after = await post(`${server.url}/v1/traces`, jsonTraces(spanJson('00f067aa0ba902b9', 'after')), {
      'Content-Type': JSON_TYPE,
    });
    expect(after.status).toBe(200);
    expect(db.prepare('SELECT name FROM span_view ORDER BY span_id').all()).toEqual([
      { name: 'kept' },
      { name: 'after' },
    ]);
  });

  it('requires the bearer token when one is configured', async () => {
    await start({ token: 's3cret' });
    const body = jsonTraces(spanJson('00f067aa0ba902b7', 'a'));
    const none = await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const wrong = await post(`${server.url}/v1/traces`, body, {
      'Content-Type': PROTO_TYPE,
      Authorization: 'Bearer s3cre',
    });
    expect(wrong.status).toBe(401);
    expect(status(wrong).code).toBe(16);
    expect(countRows(db, 'spans')).toBe(0);
    const right = await post(`${server.url}/v1/traces`, body, {
      'Content-Type': JSON_TYPE,
      Authorization: 'bearer s3cret',
    });
    expect(right.status).toBe(200);
    expect(countRows(db, 'spans')).toBe(1);
  });

  it('answers 503 with Retry-After while the writer says it is behind', async () => {
    let behind = true;
    await start({ onBackpressure: () => behind, retryAfterSeconds: 7 });
    const body = jsonTraces(spanJson('00f067aa0ba902b7', 'a'));
    const busy = await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('7');
    expect(countRows(db, 'spans')).toBe(0);
    behind = false;
    expect((await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE })).status).toBe(200);
  });

  it('answers 503 (retryable) when another connection holds the database lock, and stores nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-ingest-'));
    const file = path.join(dir, 'locked.db');
    const fileDb = openDatabase(file, { busyTimeoutMillis: 0 });
    const other = openDatabase(file, { busyTimeoutMillis: 0 });
    try {
      const app = express();
      app.use(
        createIngestRouter({ writer: new StoreWriter(fileDb), onError: () => undefined }),
      );
      server = await listen(app);
      other.exec('BEGIN IMMEDIATE');
      const body = jsonTraces(spanJson('00f067aa0ba902b7', 'a'));
      const locked = await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE });
      expect(locked.status).toBe(503);
      expect(locked.headers['retry-after']).toBe('5');
      other.exec('ROLLBACK');
      expect(countRows(fileDb, 'spans')).toBe(0);
      expect((await post(`${server.url}/v1/traces`, body, { 'Content-Type': JSON_TYPE })).status).toBe(200);
      expect(countRows(fileDb, 'spans')).toBe(1);
    } finally {
      other.close();
      fileDb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 405 to other methods', async () => {
    await start();
    const reply = await new Promise<number>((resolve, reject) => {
      http
        .get(`${server.url}/v1/metrics`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(reply).toBe(405);
  });

  it('explains a body parser mounted in front of it instead of hanging', async () => {
    const app = express();
    app.use(express.json());
    app.use(createIngestRouter({ writer: new StoreWriter(db), onError: () => undefined }));
    server = await listen(app);
    const reply = await post(`${server.url}/v1/traces`, jsonTraces(), { 'Content-Type': JSON_TYPE });
    expect(reply.status).toBe(500);
    expect(status(reply).message).toContain('mount the ingest router first');
  });

  it('survives arbitrary bytes in either encoding and keeps serving', async () => {
    await start();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom(JSON_TYPE, PROTO_TYPE),
        async (bytes, type) => {
          const reply = await post(`${server.url}/v1/traces`, Buffer.from(bytes), { 'Content-Type': type });
          expect([200, 400]).toContain(reply.status);
        },
      ),
      { numRuns: 150 },
    );
    const after = await post(`${server.url}/v1/traces`, jsonTraces(spanJson('00f067aa0ba902b7', 'a')), {
      'Content-Type': JSON_TYPE,
    });
    expect(after.status).toBe(200);
  });
});
