/**
 * Bad input, systematically: property-based tests (fast-check) over OTLP JSON and protobuf bodies
 * and over every API parameter. Whatever arrives: no 500, no crash, a clear 4xx with a message,
 * every span of an accepted request either stored or counted as rejected, and nothing stored
 * earlier lost. Oversized attributes and absurd cardinality are bounded and reported.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import type { Express } from 'express';
import { openDatabase } from '../../store';
import type { Db } from '../../store';
import { createIngestRouter, OTLP_PROTO } from '../../api/ingest';
import { createApp, openApiDocument } from '../../api';
import { componentRunRecords, count, integrity, otlpJsonBatch } from './helpers';
import { OTHER_VALUE, StoreWriter } from '../../store';
import { IngestGate } from '../../api';

const NOW_MS = Date.now();
const SEED_SPANS = 25;
/** Runs per property: bounded so the suite stays fast; fast-check shrinks any failure it finds. */
const RUNS = Number(process.env.GENSCOPE_FUZZ_RUNS ?? 150);

let db: Db;
let app: Express;
let server: http.Server;
let baseUrl = '';
const agent = new http.Agent({ keepAlive: true });
const internalErrors: string[] = [];
let seedTraceId = '';

interface Answer {
  status: number;
  body: Buffer;
  contentType: string;
}

/** Raw bytes over real HTTP (a test client that re-encodes bodies would hide what is sent). */
function postRaw(path: string, body: Buffer, contentType: string, encoding?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': contentType,
          'Content-Length': String(body.length),
          ...(encoding ? { 'Content-Encoding': encoding } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The ingest contract for any body: 200, or a 4xx whose body says why; never a 5xx. */
function expectClearAnswer(a: Answer): void {
  expect([200, 400, 413, 415]).toContain(a.status);
  if (a.status === 200) return;
  if (a.contentType.startsWith('application/json')) {
    const body = JSON.parse(a.body.toString('utf8')) as { message?: unknown };
    expect(typeof body.message).toBe('string');
    expect(String(body.message).length).toBeGreaterThan(0);
  } else {
    const status = OTLP_PROTO.RpcStatus.toObject(OTLP_PROTO.RpcStatus.decode(a.body)) as { message?: string };
    expect((status.message ?? '').length).toBeGreaterThan(0);
  }
}

function rejectedOf(a: Answer): number {
  if (a.status !== 200) return 0;
  if (a.contentType.startsWith('application/json')) {
    const body = JSON.parse(a.body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: string | number } };
    return Number(body.partialSuccess?.rejectedSpans ?? 0);
  }
  const r = OTLP_PROTO.ExportTraceServiceResponse.toObject(OTLP_PROTO.ExportTraceServiceResponse.decode(a.body), {
    longs: Number,
  }) as { partialSuccess?: { rejectedSpans?: number } };
  return Number(r.partialSuccess?.rejectedSpans ?? 0);
}

function spanTotal(): number {
  return count(db, 'SELECT count(*) AS n FROM span_view');
}

const hex = (len: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: len, maxLength: len });

/** Any JSON value in the places OTLP puts a given kind of thing: mostly plausible, sometimes not. */
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant('NaN'),
  fc.constant('-1'),
  fc.constant('18446744073709551616'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
/** Mostly the valid shape, sometimes junk in its place. */
function mostly<T>(valid: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T | unknown> {
  return fc.oneof({ arbitrary: valid, weight }, { arbitrary: junk, weight: 1 });
}
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: mostly(fc.string()) }),
    fc.record({ intValue: mostly(fc.oneof(fc.integer().map(String), fc.bigInt().map(String))) }),
    fc.record({ doubleValue: mostly(fc.double()) }),
    fc.record({ boolValue: mostly(fc.boolean()) }),
    fc.record({ bytesValue: mostly(fc.base64String()) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('kv'), { maxLength: 3 }) }) }),
    junk,
  ),
  kv: fc.record({
    key: mostly(fc.oneof(fc.string(), fc.constantFrom('pipeline.stage', 'gen_ai.request.model', 'gen_ai.operation.name'))),
    value: tie('value'),
  }),
})).value;
const attributes = mostly(fc.array(fc.record({ key: mostly(fc.string()), value: anyValue }), { maxLength: 4 }));
const timeNs = mostly(
  fc.oneof(
    fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }).map(String),
    fc.integer({ min: 0 }),
  ),
);
const spanish = fc.record(
  {
    traceId: mostly(fc.oneof({ arbitrary: hex(32), weight: 8 }, hex(31), fc.constant('0'.repeat(32)))),
    spanId: mostly(fc.oneof({ arbitrary: hex(16), weight: 8 }, hex(15))),
    parentSpanId: mostly(fc.oneof(hex(16), fc.constant(''))),
    name: mostly(fc.string()),
    kind: mostly(fc.integer({ min: -2, max: 9 })),
    startTimeUnixNano: timeNs,
    endTimeUnixNano: timeNs,
    attributes,
    events: mostly(fc.array(fc.record({ name: mostly(fc.string()), timeUnixNano: timeNs, attributes }, { requiredKeys: ['name'] }), { maxLength: 2 })),
    links: mostly(fc.array(fc.record({ traceId: mostly(hex(32)), spanId: mostly(hex(16)) }), { maxLength: 2 })),
    status: mostly(fc.record({ code: mostly(fc.integer({ min: -1, max: 3 })), message: mostly(fc.string()) }, { requiredKeys: [] })),
  },
  { requiredKeys: ['traceId', 'spanId', 'name', 'startTimeUnixNano', 'endTimeUnixNano'] },
);
const traceRequestish = fc.record({
  resourceSpans: mostly(
    fc.array(
      fc.record(
        {
          resource: mostly(fc.record({ attributes }, { requiredKeys: [] }), 30),
          scopeSpans: mostly(
            fc.array(
              fc.record(
                { scope: mostly(fc.record({ name: mostly(fc.string()) }, { requiredKeys: [] }), 30), spans: mostly(fc.array(spanish, { maxLength: 4 }), 30) },
                { requiredKeys: ['spans'] },
              ),
              { maxLength: 3 },
            ),
            30,
          ),
        },
        { requiredKeys: ['scopeSpans'] },
      ),
      { maxLength: 3 },
    ),
    30,
  ),
});

/** Spans a request offers, counting every element of every spans list (objects or not). */
function offeredSpans(req: unknown): number {
  let n = 0;
  const rs = (req as { resourceSpans?: unknown }).resourceSpans;
  if (!Array.isArray(rs)) return 0;
  for (const r of rs) {
    const ss = (r as { scopeSpans?: unknown } | null)?.scopeSpans;
    if (!Array.isArray(ss)) continue;
    for (const s of ss) {
      const spans = (s as { spans?: unknown } | null)?.spans;
      if (Array.isArray(spans)) n += spans.length;
    }
  }
  return n;
}

/** A valid protobuf trace request with `spans` spans. */
function validProto(spans: number, seed: number): Buffer {
  const startNs = BigInt(NOW_MS) * 1_000_000n;
  const message = OTLP_PROTO.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
        scopeSpans: [
          {
            scope: { name: 'fuzz' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: Buffer.from(`${seed.toString(16).padStart(8, '0')}${'cd'.repeat(12)}`, 'hex'),
              spanId: Buffer.from(`${seed.toString(16).padStart(8, '0')}${(i + 1).toString(16).padStart(8, '0')}`, 'hex'),
              name: 'classify',
              kind: 1,
              startTimeUnixNano: (startNs + BigInt(i)).toString(),
              endTimeUnixNano: (startNs + BigInt(i) + 1000n).toString(),
              attributes: [
                { key: 'pipeline.stage', value: { stringValue: 'classify' } },
                { key: 'gen_ai.usage.input_tokens', value: { intValue: '12' } },
              ],
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(OTLP_PROTO.ExportTraceServiceRequest.encode(message).finish());
}

beforeAll(async () => {
  db = openDatabase(':memory:');
  const writer = new StoreWriter(db, { cardinality: { maxValuesPerHour: 50 } });
  const gate = new IngestGate();
  const ingest = createIngestRouter({
    writer,
    onBackpressure: gate.overloaded,
    onError: (err, context) => internalErrors.push(`${context}: ${String(err)}`),
  });
  app = createApp({
    db,
    clock: () => NOW_MS,
    ingestRouter: express.Router().use(gate.middleware, ingest),
    config: { logError: (message, err) => internalErrors.push(`${message}: ${String(err)}`) },
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Data stored before the fuzzing, through both paths, that must survive it.
  const seed = otlpJsonBatch(0xfeed, SEED_SPANS, NOW_MS - 3_600_000, 'seed');
  seedTraceId = seed.traceId;
  expect((await postRaw('/v1/traces', seed.body, 'application/json')).status).toBe(200);
  for (let i = 0; i < 40; i++) writer.writeSpans(componentRunRecords(NOW_MS - 3_600_000 + i * 60_000, i));
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  // Nothing earlier lost, nothing broken, nothing unexpected logged.
  expect(count(db, 'SELECT count(*) AS n FROM span_view WHERE trace_id = ?', seedTraceId)).toBe(SEED_SPANS);
  expect(count(db, 'SELECT count(*) AS n FROM model_call_view')).toBeGreaterThanOrEqual(40);
  expect(integrity(db)).toBe('ok');
  expect(internalErrors).toEqual([]);
});

describe('OTLP ingest under arbitrary bodies', () => {
  it('answers any JSON value with 200 or a clear 400, on both signals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('/v1/traces', '/v1/metrics'), async (value, path) => {
        expectClearAnswer(await postRaw(path, Buffer.from(JSON.stringify(value)), 'application/json'));
      }),
      { numRuns: RUNS },
    );
  });

  it('stores or counts as rejected every span of an OTLP-shaped JSON request with bad parts', async () => {
    await fc.assert(
      fc.asyncProperty(traceRequestish, async (req) => {
        const before = spanTotal();
        const a = await postRaw('/v1/traces', Buffer.from(JSON.stringify(req)), 'application/json');
        expectClearAnswer(a);
        const stored = spanTotal() - before;
        if (a.status === 200) expect(stored + rejectedOf(a)).toBe(offeredSpans(req));
        else expect(stored).toBe(0);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('answers arbitrary bytes as protobuf, and as gzip, with 200 or a clear 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('/v1/traces', '/v1/metrics'),
        fc.constantFrom(undefined, 'gzip'),
        async (bytes, path, encoding) => {
          expectClearAnswer(await postRaw(path, Buffer.from(bytes), 'application/x-protobuf', encoding));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never fails on a valid protobuf request mutated byte by byte (flips, cuts, insertions)', async () => {
    const base = validProto(6, 0xabc);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), async (mutations, gzip) => {
        let body = Buffer.from(base);
        for (const m of mutations) {
          const at = body.length === 0 ? 0 : m.at % body.length;
          if (m.kind === 'flip') body[at] = m.byte;
          else if (m.kind === 'cut') body = body.subarray(0, at);
          else body = Buffer.concat([body.subarray(0, at), Buffer.from(m.bytes), body.subarray(at)]);
        }
        const before = spanTotal();
        const a = await postRaw('/v1/traces', gzip ? zlib.gzipSync(body) : body, 'application/x-protobuf', gzip ? 'gzip' : undefined);
        expectClearAnswer(a);
        if (a.status !== 200) expect(spanTotal()).toBe(before);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('refuses an unknown content type or coding with 415, and a body past the limit with 413', async () => {
    expectClearAnswer(await postRaw('/v1/traces', Buffer.from('{}'), 'text/plain'));
    expect((await postRaw('/v1/traces', Buffer.from('{}'), 'text/plain')).status).toBe(415);
    expect((await postRaw('/v1/traces', Buffer.from('{}'), 'application/json', 'br')).status).toBe(415);
    // A gzip bomb: 64 MiB of zeros in ~64 KiB on the wire.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const a = await postRaw('/v1/traces', bomb, 'application/json', 'gzip');
    expect(a.status).toBe(413);
    expectClearAnswer(a);
    // Nesting deep enough to exhaust a recursive parser's stack.
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expectClearAnswer(await postRaw('/v1/traces', Buffer.from(`{"resourceSpans":${deep}}`), 'application/json'));
  });
});

describe('oversized and high-cardinality telemetry', () => {
  it('truncates an oversized attribute and drops surplus attributes, and says so', async () => {
    const spans = JSON.parse(otlpJsonBatch(0xb16, 1, NOW_MS).body.toString('utf8')) as {
      resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: unknown }[] }[] }[] }[];
    };
    const span = spans.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    if (!span) throw new Error('no span');
    span.attributes.push({ key: 'huge', value: { stringValue: 'y'.repeat(2 * 1024 * 1024) } });
    for (let i = 0; i < 5000; i++) span.attributes.push({ key: `k${i}`, value: { intValue: String(i) } });
    const a = await postRaw('/v1/traces', Buffer.from(JSON.stringify(spans)), 'application/json');
    expect(a.status).toBe(200);
    const message = (JSON.parse(a.body.toString('utf8')) as { partialSuccess?: { errorMessage?: string } }).partialSuccess
      ?.errorMessage;
    expect(message).toMatch(/truncat/i);
    expect(message).toMatch(/attribute/i);
    const stored = db.prepare('SELECT length(attributes) AS n FROM spans WHERE lower(hex(trace_id)) = ?').pluck().get(`00000b16${'ab'.repeat(12)}`);
    expect(Number(stored)).toBeLessThan(64 * 1024);
  });

  it('bounds the rollups under a flood of distinct model names, reports it, and keeps the raw names', async () => {
    const hour = Math.floor((NOW_MS + 86_400_000) / 3_600_000) * 3_600_000;
    const rollupModels = () =>
      count(db, 'SELECT count(DISTINCT model) AS n FROM rollup_spans WHERE grain_s = 3600 AND bucket_ns = ?', BigInt(hour) * 1_000_000n);
    let lastMessage = '';
    for (let r = 0; r < 10; r++) {
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] },
            scopeSpans: [
              {
                spans: Array.from({ length: 500 }, (_, i) => ({
                  traceId: `${(0x100 + r).toString(16).padStart(8, '0')}${'ef'.repeat(12)}`,
                  spanId: `${(0x100 + r).toString(16).padStart(8, '0')}${(i + 1).toString(16).padStart(8, '0')}`,
                  name: 'generate',
                  startTimeUnixNano: (BigInt(hour + i) * 1_000_000n).toString(),
                  endTimeUnixNano: (BigInt(hour + i + 5) * 1_000_000n).toString(),
                  attributes: [
                    { key: 'pipeline.stage', value: { stringValue: 'generate' } },
                    { key: 'pipeline.model', value: { stringValue: `model-${r}-${i}` } },
                  ],
                })),
              },
            ],
          },
        ],
      };
      const a = await postRaw('/v1/traces', Buffer.from(JSON.stringify(body)), 'application/json');
      expect(a.status).toBe(200);
      lastMessage = (JSON.parse(a.body.toString('utf8')) as { partialSuccess?: { errorMessage?: string } }).partialSuccess?.errorMessage ?? '';
    }
    // 5000 distinct names: the hour's rollups hold the limit (50) and '(other)'; every span counted.
    expect(rollupModels()).toBe(51);
    expect(
      count(db, "SELECT sum(count) AS n FROM rollup_spans WHERE grain_s = 3600 AND bucket_ns = ? AND stage = 'generate'", BigInt(hour) * 1_000_000n),
    ).toBe(5000);
    expect(
      count(db, 'SELECT count AS n FROM rollup_spans WHERE grain_s = 3600 AND bucket_ns = ? AND model = ?', BigInt(hour) * 1_000_000n, OTHER_VALUE),
    ).toBe(4950);
    expect(lastMessage).toMatch(/model: too many distinct values/);
    expect(count(db, "SELECT count(DISTINCT model) AS n FROM span_view WHERE name = 'generate'")).toBe(5000);
  });
});

describe('the API under arbitrary parameters', () => {
  type Op = { path: string; params: { name: string; in: string; schema?: { enum?: unknown[] } }[] };
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { parameters?: Op['params'] }>> };
  const ops: Op[] = Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.entries(methods)
      .filter(([m]) => m === 'get')
      .map(([, op]) => ({ path: p, params: op.parameters ?? [] })),
  );

  const value = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom('', '0', '-1', '1e309', '9007199254740993', 'NaN', 'null', '[]', '{}', '..', '%00', "' OR 1=1 --"),
    fc.constantFrom('1h', '24h', '7d', '30d', '90d', 'all', 'hour', 'day', 'minute', 'stage', 'model', 'componentType', 'cost', 'csv', 'json', 'ndjson'),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
    fc.nat().map((n) => String(NOW_MS - n * 1000)),
  );

  it('answers every GET endpoint with 200, 400 or 404 and a clear error body; never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops),
        fc.array(fc.tuple(fc.nat(), value), { maxLength: 5 }),
        fc.array(fc.tuple(fc.string({ maxLength: 8 }), value), { maxLength: 2 }),
        fc.array(value, { minLength: 3, maxLength: 3 }),
        async (op, known, unknown, pathValues) => {
          const qs = new URLSearchParams();
          const queryParams = op.params.filter((p) => p.in === 'query');
          for (const [i, v] of known) {
            const p = queryParams.length > 0 ? queryParams[i % queryParams.length] : undefined;
            if (!p) continue;
            const enumValues = p.schema?.enum;
            qs.append(p.name, enumValues && i % 3 === 0 ? String(enumValues[i % enumValues.length]) : v);
          }
          for (const [k, v] of unknown) if (k.length > 0) qs.append(k, v);
          let k = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pathValues[k++] ?? 'x'));
          const url = `${path}${qs.size > 0 ? `?${qs.toString()}` : ''}`;
          const res = await request(app).get(url);
          expect({ url, status: res.status }).toEqual({ url, status: expect.any(Number) });
          expect({ url, ok: [200, 400, 404].includes(res.status) }).toEqual({ url, ok: true });
          if (res.status >= 400) {
            const body = res.body as { error?: { code?: unknown; message?: unknown } };
            expect({ url, message: typeof body.error?.message }).toEqual({ url, message: 'string' });
          }
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});
