/**
 * The wire-level trace decoder against the reference it replaces: protobufjs with our definitions
 * (proto.ts) + mapTraceRequest reading the messages with the protobuf flavor. Same records, same
 * rejections, same warnings in the same order, on the official exporter's real payloads
 * (test/fixtures/otlp, captured by test/interop/capture-otlp-proto-fixtures.ts) under default and
 * tight limits, and on generated requests full of edge values; damaged bytes only ever give a 400.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { IngestError } from './errors';
import { DEFAULT_INGEST_LIMITS, resolveLimits } from './limits';
import type { IngestLimits } from './limits';
import { mapTraceRequest } from './map-traces';
import type { DecodedTraces } from './map-traces';
import { OTLP_PROTO } from './proto';
import { decodeTraceRequestProto } from './proto-traces';
import { PROTO_FLAVOR } from './wire';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'otlp');
const Request = OTLP_PROTO.ExportTraceServiceRequest;

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, `${name}.bin`));
}

/** What ingest gave before: protobufjs' messages through the shared mapper. */
function reference(body: Buffer, limits: IngestLimits): DecodedTraces {
  return mapTraceRequest(Request.decode(body) as unknown as Record<string, unknown>, PROTO_FLAVOR, limits);
}

const TIGHT: IngestLimits = resolveLimits({
  maxStringLength: 3,
  maxKeyLength: 6,
  maxAttributes: 2,
  maxValueDepth: 1,
  maxArrayLength: 1,
  maxEventsPerSpan: 1,
  maxLinksPerSpan: 1,
});

describe('decodeTraceRequestProto', () => {
  it.each(['bench', 'varied'])('gives what protobufjs + mapTraceRequest give on the exporter payload %s.bin', (name) => {
    const body = fixture(name);
    const decoded = decodeTraceRequestProto(body, DEFAULT_INGEST_LIMITS);
    expect(decoded.spans.length).toBeGreaterThan(0);
    expect(decoded).toEqual(reference(body, DEFAULT_INGEST_LIMITS));
    // Under tight limits every truncation and drop path runs, and its warnings must match too.
    const tight = decodeTraceRequestProto(body, TIGHT);
    expect(tight.warnings.length).toBeGreaterThan(0);
    expect(tight).toEqual(reference(body, TIGHT));
  });

  it('reads every attribute type, events, links and status of the varied payload', () => {
    const { spans } = decodeTraceRequestProto(fixture('varied'), DEFAULT_INGEST_LIMITS);
    const root = spans.find((s) => s.name === 'pipeline.run');
    expect(root?.attributes).toMatchObject({
      'a.bool': true,
      'a.false': false,
      'a.int': 42,
      'a.negative': -7,
      'a.double': 3.25,
      'a.big': String(2n ** 60n),
      'a.strings': ['x', 'y', ''],
      'a.empty': [],
      'a.unicode': 'héllo wörld ✓ 𝄞',
    });
    expect(spans.find((s) => s.name === 'linked')).toMatchObject({ statusCode: 2, statusMessage: 'rate limited' });
    expect(spans.find((s) => s.name === 'linked')?.links).toHaveLength(2);
    expect(spans.find((s) => s.name === 'kind-1')?.events.map((e) => e.name)).toEqual(['tick', 'bare']);
    expect(new Set(spans.map((s) => s.kind))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('matches the reference on generated requests with edge values', () => {
    // Mostly valid values, so that spans get past validation and their contents are compared too.
    const bytes = (n: number) =>
      fc.oneof(
        { weight: 8, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }) },
        { weight: 1, arbitrary: fc.constantFrom(0, n).map((m) => new Uint8Array(m)) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }) },
      );
    const text = fc.oneof(fc.constantFrom('', 'classify', 'gpt-4o', 'pipeline.stage', '__proto__', 'a'.repeat(12)), fc.string({ maxLength: 12, unit: 'grapheme' }));
    const T0 = 1_767_000_000_000_000_000n;
    const time = fc.oneof(
      { weight: 8, arbitrary: fc.bigInt({ min: T0, max: T0 + 1_000_000n }) },
      { weight: 1, arbitrary: fc.constantFrom(0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n) },
    );
    const { value } = fc.letrec<{ value: unknown; kv: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.record({ stringValue: text }),
        fc.record({ boolValue: fc.boolean() }),
        fc.record({ intValue: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String) }),
        fc.record({ doubleValue: fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity)) }),
        fc.record({ bytesValue: fc.uint8Array({ maxLength: 6 }) }),
        fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
        fc.record({ kvlistValue: fc.record({ values: fc.array(tie('kv'), { maxLength: 3 }) }) }),
        fc.constant({}),
        // Several members of the oneof on the wire: the reference keeps them all and reads in a fixed order.
        fc.record({ intValue: fc.integer().map(String), stringValue: text }),
        fc.record({ boolValue: fc.boolean(), intValue: fc.integer().map(String), doubleValue: fc.double() }),
        fc.record({ bytesValue: fc.uint8Array({ maxLength: 3 }), doubleValue: fc.double(), arrayValue: fc.constant({ values: [] }) }),
      ),
      kv: fc.record({ key: text, value: tie('value') }, { requiredKeys: ['key'] }),
    }));
    // Few distinct short keys: repeated keys, and more distinct ones than the tight limit keeps.
    const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('k', 'k2', 'k3', 'model', 'a.b') }, { weight: 1, arbitrary: text });
    const kv = fc.record({ key, value }, { requiredKeys: ['key'] });
    const attributes = fc.array(kv, { maxLength: 4 });
    const span = fc.record(
      {
        traceId: bytes(16),
        spanId: bytes(8),
        parentSpanId: bytes(8),
        name: fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }) }, { weight: 1, arbitrary: text }),
        kind: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 6, 2 ** 31 - 1) }),
        startTimeUnixNano: time,
        endTimeUnixNano: time,
        attributes,
        events: fc.array(fc.record({ timeUnixNano: time, name: text, attributes }, { requiredKeys: [] }), { maxLength: 3 }),
        links: fc.array(fc.record({ traceId: bytes(16), spanId: bytes(8), attributes }, { requiredKeys: [] }), { maxLength: 3 }),
        status: fc.record({ code: fc.integer({ min: -1, max: 3 }), message: text }, { requiredKeys: [] }),
      },
      { requiredKeys: ['traceId', 'spanId', 'name', 'startTimeUnixNano', 'endTimeUnixNano'] },
    );
    const request = fc.record({
      resourceSpans: fc.array(
        fc.record(
          {
            resource: fc.record({ attributes }),
            scopeSpans: fc.array(fc.record({ scope: fc.record({ name: text }, { requiredKeys: [] }), spans: fc.array(span, { maxLength: 4 }) }, { requiredKeys: ['spans'] }), {
              minLength: 1,
              maxLength: 2,
            }),
          },
          { requiredKeys: ['scopeSpans'] },
        ),
        { minLength: 1, maxLength: 2 },
      ),
    });
    const timesAsStrings = (v: unknown): unknown => {
      if (typeof v === 'bigint') return v.toString();
      if (Array.isArray(v)) return v.map(timesAsStrings);
      if (v instanceof Uint8Array || typeof v !== 'object' || v === null) return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, timesAsStrings(x)]));
    };
    let kept = 0;
    let rejected = 0;
    fc.assert(
      fc.property(request, fc.constantFrom(DEFAULT_INGEST_LIMITS, TIGHT), (req, limits) => {
        const body = Buffer.from(Request.encode(Request.fromObject(timesAsStrings(req) as Record<string, unknown>)).finish());
        const decoded = decodeTraceRequestProto(body, limits);
        expect(decoded).toEqual(reference(body, limits));
        kept += decoded.spans.length;
        rejected += decoded.rejected;
      }),
      { numRuns: 400 },
    );
    // The generator is worth something only if both sides of validation are exercised.
    expect(kept).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });

  it('answers damaged bytes with a 400 or with records, never with another error', () => {
    const body = fixture('varied');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: body.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, byte, cut) => {
        const damaged = Buffer.from(body);
        damaged[at] = byte;
        const input = cut ? damaged.subarray(0, at) : damaged;
        try {
          decodeTraceRequestProto(input, DEFAULT_INGEST_LIMITS);
        } catch (err) {
          expect(err).toBeInstanceOf(IngestError);
          expect((err as IngestError).status).toBe(400);
          expect((err as IngestError).message).toMatch(/^malformed protobuf body: /);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a body in which no resourceSpans is found, as the reference decoder did', () => {
    expect(() => decodeTraceRequestProto(Buffer.from([0x12, 0x00]), DEFAULT_INGEST_LIMITS)).toThrow(
      'malformed protobuf body: no ExportTraceServiceRequest.resourceSpans found in 2 bytes',
    );
    expect(decodeTraceRequestProto(Buffer.alloc(0), DEFAULT_INGEST_LIMITS)).toEqual({ spans: [], rejected: 0, warnings: [] });
  });
});
