import fc from 'fast-check';
import type protobuf from 'protobufjs';
import { FOREIGN, GEN_AI } from '../../schema/names';
import { decodeMetricsRequest, decodeTraceRequest } from './decode';
import { IngestError } from './errors';
import { OTLP_PROTO } from './proto';
import type { SpanRecord } from '../../schema/records';

const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const PARENT_ID = 'eee19b7ec3c1b173';

type Json = Record<string, unknown>;

/** The JSON-mapping request -> protobuf bytes, via our own definitions (hex ids become bytes). */
function protoBody(type: protobuf.Type, request: Json): Buffer {
  const withBytes = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => withBytes(x));
    if (typeof v === 'string' && (key === 'traceId' || key === 'spanId' || key === 'parentSpanId'))
      return Buffer.from(v, 'hex');
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withBytes(x, k)]));
    return v;
  };
  const message = type.fromObject(withBytes(request) as Json);
  return Buffer.from(type.encode(message).finish());
}

function jsonBody(request: Json): Buffer {
  return Buffer.from(JSON.stringify(request));
}

function traces(
  spans: unknown[],
  resourceAttributes: Json[] = [{ key: 'service.name', value: { stringValue: 'other-sdk' } }],
): Json {
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [{ scope: { name: 'lib', version: '1' }, spans }],
      },
    ],
  };
}

function span(overrides: Json = {}): Json {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    name: 'classify',
    kind: 1,
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000987654321',
    ...overrides,
  };
}

/** Decodes the request both ways and checks both encodings agree before returning one result. */
function decodeBoth(request: Json) {
  const fromJson = decodeTraceRequest(jsonBody(request), JSON_TYPE);
  const fromProto = decodeTraceRequest(protoBody(OTLP_PROTO.ExportTraceServiceRequest, request), PROTO_TYPE);
  expect(fromProto).toEqual(fromJson);
  return fromJson;
}

function decodeMetricsBoth(request: Json) {
  const fromJson = decodeMetricsRequest(jsonBody(request), JSON_TYPE);
  const fromProto = decodeMetricsRequest(
    protoBody(OTLP_PROTO.ExportMetricsServiceRequest, request),
    PROTO_TYPE,
  );
  expect(fromProto).toEqual(fromJson);
  return fromJson;
}

function thrown(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('expected an IngestError');
}

describe('decodeTraceRequest', () => {
  it('decodes a full span from JSON and from protobuf into the same record', () => {
    const request = traces([
      span({
        parentSpanId: PARENT_ID,
        kind: 3,
        status: { code: 2, message: 'timeout' },
        attributes: [
          { key: 's', value: { stringValue: 'text' } },
          { key: 'b', value: { boolValue: false } },
          { key: 'i', value: { intValue: '42' } },
          { key: 'big', value: { intValue: '9007199254740993' } },
          { key: 'neg', value: { intValue: '-7' } },
          { key: 'd', value: { doubleValue: 0.25 } },
          { key: 'bytes', value: { bytesValue: Buffer.from('hi').toString('base64') } },
          { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
          { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
          { key: 'empty', value: {} },
        ],
        events: [
          {
            timeUnixNano: '1700000000500000001',
            name: 'gen_ai.evaluation.result',
            attributes: [{ key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.9 } }],
          },
        ],
        links: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), attributes: [] }],
      }),
    ]);
    const out = decodeBoth(request);
    expect(out.rejected).toBe(0);
    expect(out.warnings).toEqual([]);
    expect(out.spans).toEqual<SpanRecord[]>([
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        parentSpanId: PARENT_ID,
        name: 'classify',
        kind: 2, // OTLP 3 (client) is API SpanKind.CLIENT = 2
        startNs: 1700000000123456789n,
        endNs: 1700000000987654321n,
        statusCode: 2,
        statusMessage: 'timeout',
        attributes: {
          s: 'text',
          b: false,
          i: 42,
          big: '9007199254740993',
          neg: -7,
          d: 0.25,
          bytes: 'aGk=',
          arr: ['a', 1],
          kv: { x: 1.5 },
          empty: null,
        },
        events: [
          {
            name: 'gen_ai.evaluation.result',
            timeNs: 1700000000500000001n,
            attributes: { 'gen_ai.evaluation.score.value': 0.9 },
          },
        ],
        links: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), attributes: {} }],
        resource: { 'service.name': 'other-sdk' },
        scopeName: 'lib',
      },
    ]);
  });

  it('accepts upper-case hex ids, numeric timestamps and int64 numbers in JSON', () => {
    const out = decodeTraceRequest(
      jsonBody(
        traces([
          span({
            traceId: TRACE_ID.toUpperCase(),
            startTimeUnixNano: 1_700_000_000_000_000_000,
            endTimeUnixNano: '1700000000000000001',
            attributes: [{ key: 'n', value: { intValue: 5 } }],
          }),
        ]),
      ),
      'application/json; charset=utf-8',
    );
    expect(out.spans[0]?.traceId).toBe(TRACE_ID);
    expect(out.spans[0]?.startNs).toBe(1_700_000_000_000_000_000n);
    expect(out.spans[0]?.attributes).toEqual({ n: 5 });
  });

  it('round-trips arbitrary spans through both encodings with every nanosecond kept', () => {
    const hex = (bytes: number) =>
      fc
        .uint8Array({ minLength: bytes, maxLength: bytes })
        .filter((a) => a.some((b) => b !== 0))
        .map((a) => Buffer.from(a).toString('hex'));
    const attrValue = fc.oneof(
      fc.string({ maxLength: 20 }).map((s) => [{ stringValue: s }, s] as const),
      fc.boolean().map((b) => [{ boolValue: b }, b] as const),
      fc.integer().map((n) => [{ intValue: String(n) }, n] as const),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => [{ doubleValue: d }, d] as const),
    );
    const arbSpan = fc.record({
      traceId: hex(16),
      spanId: hex(8),
      name: fc.string({ minLength: 1, maxLength: 30 }),
      kind: fc.integer({ min: 0, max: 5 }),
      start: fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }),
      duration: fc.bigInt({ min: 0n, max: 1n << 40n }),
      status: fc.integer({ min: 0, max: 2 }),
      attrs: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'),
        attrValue,
        { maxKeys: 5 },
      ),
    });
    fc.assert(
      fc.property(fc.array(arbSpan, { minLength: 1, maxLength: 5 }), (spans) => {
        const request = traces(
          spans.map((s) =>
            span({
              traceId: s.traceId,
              spanId: s.spanId,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: s.start.toString(),
              endTimeUnixNano: (s.start + s.duration).toString(),
              status: { code: s.status },
              attributes: Object.entries(s.attrs).map(([key, [value]]) => ({ key, value })),
            }),
          ),
        );
        const out = decodeBoth(request);
        expect(out.rejected).toBe(0);
        expect(
          out.spans.map((r) => [
            r.traceId,
            r.spanId,
            r.name,
            r.kind,
            r.startNs,
            r.endNs,
            r.statusCode,
            r.attributes,
          ]),
        ).toEqual(
          spans.map((s) => [
            s.traceId,
            s.spanId,
            s.name,
            Math.max(0, s.kind - 1),
            s.start,
            s.start + s.duration,
            s.status,
            Object.fromEntries(Object.entries(s.attrs).map(([k, [, v]]) => [k, v === 0 ? 0 : v])),
          ]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('rejects invalid spans with counted reasons and keeps the valid ones', () => {
    const request = traces([
      span({ name: 'good' }),
      span({ traceId: 'abc' }),
      span({ traceId: '0'.repeat(32) }),
      span({ spanId: 'zz'.repeat(8) }),
      span({ parentSpanId: 'ab' }),
      span({ name: '' }),
      span({ startTimeUnixNano: '0' }),
      span({ endTimeUnixNano: '1700000000000000000' }),
      span({ kind: 9 }),
      span({ status: { code: 7 } }),
    ]);
    const out = decodeBoth(request);
    expect(out.spans.map((s) => s.name)).toEqual(['good']);
    expect(out.rejected).toBe(9);
    const text = out.warnings.join('\n');
    expect(text).toContain('2 rejected: invalid traceId');
    expect(text).toContain('invalid spanId');
    expect(text).toContain('invalid parentSpanId');
    expect(text).toContain('missing span name');
    expect(text).toContain('missing or invalid startTimeUnixNano');
    expect(text).toContain('endTimeUnixNano before startTimeUnixNano');
    expect(text).toContain('invalid span kind');
    expect(text).toContain('invalid status code');
  });

  it('rejects a JSON span whose fields have the wrong types, without failing the request', () => {
    const out = decodeTraceRequest(
      jsonBody(
        traces([span({ name: 'ok' }), span({ startTimeUnixNano: 'soon' }), span({ name: 5 }), 'not a span']),
      ),
      JSON_TYPE,
    );
    expect(out.spans.map((s) => s.name)).toEqual(['ok']);
    expect(out.rejected).toBe(3);
  });

  it('ignores unknown JSON fields, and original snake_case names are unknown fields per the spec', () => {
    const out = decodeTraceRequest(
      jsonBody({
        futureField: 1,
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  span({ name: 'camel', somethingNew: { a: 1 } }),
                  {
                    trace_id: TRACE_ID,
                    span_id: SPAN_ID,
                    name: 'snake',
                    start_time_unix_nano: '1',
                    end_time_unix_nano: '2',
                  },
                ],
              },
            ],
          },
        ],
      }),
      JSON_TYPE,
    );
    expect(out.spans.map((s) => s.name)).toEqual(['camel']);
    expect(out.rejected).toBe(1);
    expect(out.spans[0]?.resource).toEqual({});
  });

  it('truncates long strings, drops surplus attributes, events and links, and says so', () => {
    const long = 'x'.repeat(20_000);
    const many = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
    let deep: Json = { stringValue: 'bottom' };
    for (let i = 0; i < 20; i++) deep = { arrayValue: { values: [deep] } };
    const request = traces([
      span({
        attributes: [{ key: 'long', value: { stringValue: long } }, { key: 'deep', value: deep }, ...many],
        events: Array.from({ length: 130 }, () => ({ timeUnixNano: '1700000000200000000', name: 'e' })),
        links: Array.from({ length: 130 }, () => ({ traceId: TRACE_ID, spanId: PARENT_ID })),
      }),
    ]);
    const out = decodeBoth(request);
    const s = out.spans[0];
    expect(out.rejected).toBe(0);
    expect(s?.attributes.long).toBe('x'.repeat(8192));
    expect(Object.keys(s?.attributes ?? {})).toHaveLength(128);
    let node = s?.attributes.deep;
    let depth = 0;
    while (Array.isArray(node)) {
      node = node[0];
      depth++;
    }
    expect(depth).toBe(8);
    expect(node).toBeNull();
    expect(s?.events).toHaveLength(128);
    expect(s?.links).toHaveLength(128);
    const text = out.warnings.join('\n');
    expect(text).toContain('string value truncated to 8192 characters (first: attribute "long")');
    expect(text).toContain('attributes over the limit of 128 dropped');
    expect(text).toContain('nested deeper than 8 levels');
    expect(text).toContain('events over the limit');
    expect(text).toContain('links over the limit');
  });

  it('never splits a surrogate pair when truncating', () => {
    const value = 'a'.repeat(9) + '\u{1F600}'; // the emoji's high surrogate is the 10th unit
    const out = decodeTraceRequest(
      jsonBody(traces([span({ attributes: [{ key: 'e', value: { stringValue: value } }] })])),
      JSON_TYPE,
      {
        limits: { maxStringLength: 10 },
      },
    );
    expect(out.spans[0]?.attributes.e).toBe('a'.repeat(9));
  });

  it('keeps a key named __proto__ as a plain attribute', () => {
    const out = decodeTraceRequest(
      jsonBody(traces([span({ attributes: [{ key: '__proto__', value: { stringValue: 'p' } }] })])),
      JSON_TYPE,
    );
    const attrs = out.spans[0]?.attributes ?? {};
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(JSON.stringify(attrs)).toBe('{"__proto__":"p"}');
  });

  it('adds the current GenAI names to spans that carry OpenInference or older names', () => {
    const out = decodeBoth(
      traces([
        span({
          attributes: [
            { key: FOREIGN.openInferenceSpanKind, value: { stringValue: 'LLM' } },
            { key: FOREIGN.llmModelName, value: { stringValue: 'gpt-4o' } },
            { key: FOREIGN.llmPromptTokens, value: { intValue: '1000' } },
            { key: FOREIGN.llmCompletionTokens, value: { intValue: '200' } },
          ],
        }),
      ]),
    );
    expect(out.spans[0]?.attributes).toMatchObject({
      [FOREIGN.llmModelName]: 'gpt-4o',
      [GEN_AI.requestModel]: 'gpt-4o',
      [GEN_AI.inputTokens]: 1000,
      [GEN_AI.outputTokens]: 200,
      [GEN_AI.operationName]: 'chat',
    });
  });

  it('treats an empty body as an empty request', () => {
    expect(decodeTraceRequest(Buffer.alloc(0), JSON_TYPE)).toEqual({ spans: [], rejected: 0, warnings: [] });
    expect(decodeTraceRequest(Buffer.alloc(0), PROTO_TYPE)).toEqual({ spans: [], rejected: 0, warnings: [] });
  });

  it('answers 400 for bodies that are not decodable at all', () => {
    expect(thrown(() => decodeTraceRequest(Buffer.from('{"resourceSpans": ['), JSON_TYPE))).toMatchObject({
      status: 400,
      message: expect.stringContaining('malformed JSON body') as unknown,
    });
    expect(thrown(() => decodeTraceRequest(Buffer.from([0xff, 0xfe, 0x7b]), JSON_TYPE)).message).toContain(
      'not valid UTF-8',
    );
    expect(thrown(() => decodeTraceRequest(Buffer.from('[1,2]'), JSON_TYPE)).message).toContain(
      'must be an object',
    );
    expect(
      thrown(() => decodeTraceRequest(Buffer.from('{"resourceSpans": 5}'), JSON_TYPE)).message,
    ).toContain('resourceSpans must be a list');
    const good = protoBody(OTLP_PROTO.ExportTraceServiceRequest, traces([span()]));
    expect(thrown(() => decodeTraceRequest(good.subarray(0, good.length - 5), PROTO_TYPE))).toMatchObject({
      status: 400,
      message: expect.stringContaining('malformed protobuf body') as unknown,
    });
    expect(
      thrown(() => decodeTraceRequest(Buffer.from('hello, this is not protobuf'), PROTO_TYPE)).status,
    ).toBe(400);
    // A JSON body sent as protobuf must not be mistaken for an empty request.
    expect(thrown(() => decodeTraceRequest(jsonBody(traces([span()])), PROTO_TYPE)).status).toBe(400);
  });

  it('answers 415 for other content types', () => {
    expect(thrown(() => decodeTraceRequest(Buffer.from('{}'), 'text/plain')).status).toBe(415);
  });
});

describe('decodeMetricsRequest', () => {
  function metrics(list: Json[]): Json {
    return {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeMetrics: [{ scope: { name: 'meter' }, metrics: list }],
        },
      ],
    };
  }
  const T0 = '1700000000000000001';
  const T1 = '1700000060000000002';
  const base = { resource: { 'service.name': 'svc' }, scopeName: 'meter' };

  it('decodes gauges, sums, histograms and exponential histograms from both encodings', () => {
    const out = decodeMetricsBoth(
      metrics([
        {
          name: 'queue.depth',
          unit: '{item}',
          gauge: { dataPoints: [{ timeUnixNano: T1, asInt: '12', attributes: [] }] },
        },
        {
          name: 'genscope.cost',
          unit: 'USD',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [
              {
                startTimeUnixNano: T0,
                timeUnixNano: T1,
                asDouble: 0.125,
                attributes: [{ key: FOREIGN.system, value: { stringValue: 'openai' } }],
              },
            ],
          },
        },
        {
          name: 'pipeline.stage.duration',
          unit: 's',
          histogram: {
            aggregationTemporality: 1,
            dataPoints: [
              {
                startTimeUnixNano: T0,
                timeUnixNano: T1,
                count: '6',
                sum: 3.5,
                min: 0.1,
                max: 2,
                explicitBounds: [0.5, 1],
                bucketCounts: ['3', '2', '1'],
              },
            ],
          },
        },
        {
          name: 'latency.exp',
          exponentialHistogram: {
            aggregationTemporality: 2,
            dataPoints: [
              {
                timeUnixNano: T1,
                count: '4',
                sum: 10,
                scale: -2,
                zeroCount: '1',
                positive: { offset: -3, bucketCounts: ['1', '2'] },
              },
            ],
          },
        },
      ]),
    );
    expect(out.rejected).toBe(0);
    expect(out.points).toEqual([
      {
        ...base,
        name: 'queue.depth',
        unit: '{item}',
        type: 'gauge',
        attributes: {},
        timeNs: 1700000060000000002n,
        value: 12,
      },
      {
        ...base,
        name: 'genscope.cost',
        unit: 'USD',
        type: 'sum',
        temporality: 2,
        monotonic: true,
        attributes: { [FOREIGN.system]: 'openai', [GEN_AI.providerName]: 'openai' },
        timeNs: 1700000060000000002n,
        startTimeNs: 1700000000000000001n,
        value: 0.125,
      },
      {
        ...base,
        name: 'pipeline.stage.duration',
        unit: 's',
        type: 'histogram',
        temporality: 1,
        attributes: {},
        timeNs: 1700000060000000002n,
        startTimeNs: 1700000000000000001n,
        count: 6,
        sum: 3.5,
        min: 0.1,
        max: 2,
        bounds: [0.5, 1],
        bucketCounts: [3, 2, 1],
      },
      {
        ...base,
        name: 'latency.exp',
        type: 'exp_histogram',
        temporality: 2,
        attributes: {},
        timeNs: 1700000060000000002n,
        count: 4,
        sum: 10,
        bounds: [-2, 1, -3, 0],
        bucketCounts: [1, 2],
      },
    ]);
  });

  it('rejects malformed points and summaries with reasons, and skips no-recorded-value points', () => {
    const out = decodeMetricsBoth(
      metrics([
        {
          name: 'h',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [
              { timeUnixNano: T1, count: '3', explicitBounds: [1], bucketCounts: ['1', '1', '1'] },
              { timeUnixNano: T1, count: '5', explicitBounds: [1], bucketCounts: ['1', '1'] },
              { timeUnixNano: T1, count: '2', explicitBounds: [2, 1], bucketCounts: ['1', '1', '0'] },
              { count: '0' },
            ],
          },
        },
        {
          name: 'g',
          gauge: { dataPoints: [{ timeUnixNano: T1 }, { timeUnixNano: T1, asDouble: 1, flags: 1 }] },
        },
        { name: 's', summary: { dataPoints: [{ timeUnixNano: T1, count: '1', sum: 1 }] } },
        { name: '', gauge: { dataPoints: [{ timeUnixNano: T1, asDouble: 1 }] } },
      ]),
    );
    expect(out.points).toHaveLength(0);
    expect(out.rejected).toBe(7);
    const text = out.warnings.join('\n');
    for (const reason of [
      'bucketCounts must have one more entry than explicitBounds',
      'count differs from the sum of bucketCounts',
      'explicitBounds must be finite and strictly increasing',
      'missing or invalid timeUnixNano',
      'without asDouble or asInt',
      'summary metrics are not stored',
      'metric without a name',
      'no recorded value',
    ])
      expect(text).toContain(reason);
  });

  it('answers 400 for undecodable bodies', () => {
    expect(thrown(() => decodeMetricsRequest(Buffer.from('nope'), JSON_TYPE)).status).toBe(400);
    expect(thrown(() => decodeMetricsRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff]), PROTO_TYPE)).status).toBe(
      400,
    );
  });
});
