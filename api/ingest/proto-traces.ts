/**
 * ExportTraceServiceRequest protobuf bytes -> SpanRecords in one pass over the wire, without the
 * intermediate messages protobufjs builds (a Long per timestamp, a Uint8Array per id, an object per
 * attribute and per AnyValue) and the WireFlavor reads over them. Ids go from bytes to hex once,
 * timestamps from 8 bytes to a BigInt once, attribute values straight into the AttributeMap.
 *
 * It gives exactly what protobufjs + mapTraceRequest give on every well-formed body (same records,
 * same rejections and warnings, in the same order: api/ingest/proto-traces.test.ts compares them on
 * real exporter payloads and on generated requests), with these differences on malformed bytes only:
 * a field whose length runs past its enclosing message, a known field with another wire type, or a
 * group (wire types 3/4, which no OTLP sender uses) is a 400 here, where protobufjs may read on.
 * Nested values of a span that is rejected anyway are not decoded, so their malformations go unseen.
 *
 * Field numbers (opentelemetry-proto v1, as in proto.ts): ExportTraceServiceRequest.resource_spans 1;
 * ResourceSpans resource 1, scope_spans 2; Resource.attributes 1; ScopeSpans scope 1, spans 2;
 * InstrumentationScope.name 1; Span trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6,
 * start 7, end 8, attributes 9, events 11, links 13, status 15; Status message 2, code 3;
 * Event time 1, name 2, attributes 3; Link trace_id 1, span_id 2, attributes 4; KeyValue key 1,
 * value 2; AnyValue string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7;
 * ArrayValue/KeyValueList values 1.
 */
import { setAttribute, truncate } from './attributes';
import { badData } from './errors';
import { IngestIssues } from './issues';
import type { IngestLimits } from './limits';
import { SPAN_REJECTS, spanLabel, validTime, warnTruncations } from './map-traces';
import type { DecodedTraces } from './map-traces';
import { applyGenAiConventions } from '../../store/conventions';
import type { AttributeMap, AttributeValue, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../../schema/records';

/**
 * Buffer's own slice decoders, without the argument checks of buf.toString(encoding, start, end)
 * (a third of the decode time on short strings). Present on Node's Buffers (toString otherwise); ranges are ours.
 */
interface FastSlices {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

const HAS_FAST_SLICES =
  typeof (Buffer.prototype as unknown as Partial<FastSlices>).utf8Slice === 'function' &&
  typeof (Buffer.prototype as unknown as Partial<FastSlices>).hexSlice === 'function';

function utf8(buf: Buffer, start: number, end: number): string {
  return HAS_FAST_SLICES ? (buf as unknown as FastSlices).utf8Slice(start, end) : buf.toString('utf8', start, end);
}

function hex(buf: Buffer, start: number, end: number): string {
  return HAS_FAST_SLICES ? (buf as unknown as FastSlices).hexSlice(start, end) : buf.toString('hex', start, end);
}

/**
 * Short strings (attribute keys, span names, the repeated values: stage, model, component type)
 * come from a small cache keyed by their bytes: one hash and one compare in JS instead of a UTF-8
 * decode, and the same string object every time, whose hash V8 has already computed when the
 * string becomes an object key or a Map key downstream. Bounded: CACHE_SLOTS strings of at most
 * CACHED_BYTES bytes, a slot taken by a newer string is simply replaced. One cache per thread.
 */
const CACHE_SLOTS = 4096;
const CACHED_BYTES = 48;
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHED_BYTES);
const cacheLengths = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheStrings: string[] = new Array<string>(CACHE_SLOTS).fill('');

function shortString(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n > CACHED_BYTES) return utf8(buf, start, end);
  let h = n;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
  const at = slot * CACHED_BYTES;
  if (cacheLengths[slot] === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cacheBytes[at + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cacheStrings[slot] as string;
  }
  const s = utf8(buf, start, end);
  cacheBytes.set(buf.subarray(start, end), at);
  cacheLengths[slot] = n;
  cacheStrings[slot] = s;
  return s;
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;


function malformed(what: string): never {
  throw badData(`malformed protobuf body: ${what}`);
}

/**
 * A cursor over the body. `lo`/`hi` hold the last varint's low and high 32 bits (unsigned);
 * `start`/`end` the last length-delimited field's range.
 */
class Wire {
  pos = 0;
  lo = 0;
  hi = 0;
  start = 0;
  end = 0;
  constructor(readonly buf: Buffer) {}

  /** Reads a varint of up to 10 bytes that must end before `limit`; its value in lo/hi. */
  varint(limit: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let shift = 0;
    for (; shift < 28; shift += 7) {
      if (pos >= limit) malformed('truncated varint');
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // 5th byte: 4 bits to lo, 3 to hi.
    if (pos >= limit) malformed('truncated varint');
    b = buf[pos++] as number;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (shift = 3; ; shift += 7) {
        if (shift > 31) malformed('varint longer than 10 bytes');
        if (pos >= limit) malformed('truncated varint');
        b = buf[pos++] as number;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A tag (field number << 3 | wire type); 0 when the message ends at `limit`. */
  tag(limit: number): number {
    if (this.pos >= limit) return 0;
    this.varint(limit);
    if (this.hi !== 0 || this.lo < 8) malformed(`invalid tag at offset ${this.pos}`);
    return this.lo;
  }

  /** After a LEN tag: the field's range in start/end, the cursor past it. */
  len(limit: number): void {
    this.varint(limit);
    const start = this.pos;
    const end = start + this.lo;
    if (this.hi !== 0 || end > limit) malformed(`length ${this.lo} past the end of its message at offset ${start}`);
    this.start = start;
    this.end = end;
    this.pos = end;
  }

  fixed64(limit: number): bigint {
    if (this.pos + 8 > limit) malformed('truncated fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(wire: number, limit: number): void {
    switch (wire) {
      case VARINT:
        this.varint(limit);
        return;
      case I64:
        if ((this.pos += 8) > limit) malformed('truncated fixed64');
        return;
      case LEN:
        this.len(limit);
        return;
      case I32:
        if ((this.pos += 4) > limit) malformed('truncated fixed32');
        return;
      default:
        malformed(`unsupported wire type ${wire} at offset ${this.pos}`);
    }
  }

  /** Reads a field of the expected wire type (a known field with another one is malformed). */
  expect(tag: number, wire: number, limit: number): void {
    if ((tag & 7) !== wire) malformed(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wire}`);
    if (wire === VARINT) this.varint(limit);
    else if (wire === LEN) this.len(limit);
  }

  str(): string {
    return shortString(this.buf, this.start, this.end);
  }
}

/** A valid trace/span id: `bytes` long and not all zero (as map-traces.ts validId). */
function validIdBytes(buf: Buffer, start: number, end: number, bytes: number): boolean {
  if (end - start !== bytes) return false;
  for (let i = start; i < end; i++) if (buf[i] !== 0) return true;
  return false;
}

function allZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The low 32 bits of a varint read as int32 (protobufjs' int32()). */
function int32(w: Wire): number {
  return w.lo | 0;
}

/** An int64 varint as the record model keeps it: a number when safe, else the decimal string. */
function int64Value(w: Wire): number | string {
  const hi = w.hi | 0;
  if (hi >= -0x200000 && hi < 0x200000) {
    const n = hi * 4294967296 + w.lo;
    if (Number.isSafeInteger(n)) return n;
  }
  return BigInt.asIntN(64, (BigInt(w.hi) << 32n) | BigInt(w.lo)).toString();
}

interface Ctx {
  w: Wire;
  limits: IngestLimits;
  issues: IngestIssues;
}

/**
 * One AnyValue in [start, end) -> AttributeValue, as attributes.ts anyValue on the message
 * protobufjs would decode: the last occurrence of each field counts, and the first present field
 * in the order string, bool, int, double, bytes, array, kvlist gives the value.
 */
function anyValue(ctx: Ctx, start: number, end: number, key: string, depth: number): AttributeValue {
  const w = ctx.w;
  const { limits } = ctx;
  let strStart = -1;
  let strEnd = 0;
  let boolV: boolean | undefined;
  let intV: number | string | undefined;
  let doubleV: number | undefined;
  let bytesStart = -1;
  let bytesEnd = 0;
  let arrStart = -1;
  let arrEnd = 0;
  let kvStart = -1;
  let kvEnd = 0;
  w.pos = start;
  for (let tag = w.tag(end); tag !== 0; tag = w.tag(end)) {
    switch (tag >>> 3) {
      case 1:
        w.expect(tag, LEN, end);
        strStart = w.start;
        strEnd = w.end;
        break;
      case 2:
        w.expect(tag, VARINT, end);
        boolV = w.lo !== 0;
        break;
      case 3:
        w.expect(tag, VARINT, end);
        intV = int64Value(w);
        break;
      case 4:
        if ((tag & 7) !== I64) malformed(`field 4 has wire type ${tag & 7}, expected ${I64}`);
        if (w.pos + 8 > end) malformed('truncated double');
        doubleV = w.buf.readDoubleLE(w.pos);
        w.pos += 8;
        break;
      case 5:
        w.expect(tag, LEN, end);
        arrStart = w.start;
        arrEnd = w.end;
        break;
      case 6:
        w.expect(tag, LEN, end);
        kvStart = w.start;
        kvEnd = w.end;
        break;
      case 7:
        w.expect(tag, LEN, end);
        bytesStart = w.start;
        bytesEnd = w.end;
        break;
      default:
        w.skip(tag & 7, end);
    }
  }
  if (strStart >= 0) {
    const s = shortString(w.buf, strStart, strEnd);
    if (s.length > limits.maxStringLength) {
      ctx.issues.warn(`string value truncated to ${limits.maxStringLength} characters`, `attribute "${key}"`);
      return truncate(s, limits.maxStringLength);
    }
    return s;
  }
  if (boolV !== undefined) return boolV;
  if (intV !== undefined) return intV;
  if (doubleV !== undefined) {
    // JSON (our storage) has no NaN, Infinity or -0; keep them readable rather than as null.
    if (doubleV === 0) return 0;
    return Number.isFinite(doubleV) ? doubleV : String(doubleV);
  }
  if (bytesStart >= 0) {
    const b64 = w.buf.toString('base64', bytesStart, bytesEnd);
    if (b64.length > limits.maxStringLength) {
      ctx.issues.warn(`bytes value (base64) truncated to ${limits.maxStringLength} characters`, `attribute "${key}"`);
      return truncate(b64, limits.maxStringLength);
    }
    return b64;
  }
  if (arrStart >= 0) {
    if (depth >= limits.maxValueDepth) {
      ctx.issues.warn(`values nested deeper than ${limits.maxValueDepth} levels replaced by null`, `attribute "${key}"`);
      return null;
    }
    const items = fieldRanges(w, arrStart, arrEnd, 1);
    if (items.length / 2 > limits.maxArrayLength)
      ctx.issues.warn(`array values cut to ${limits.maxArrayLength} elements`, `attribute "${key}"`);
    const out: AttributeValue[] = [];
    const n = Math.min(items.length / 2, limits.maxArrayLength);
    for (let i = 0; i < n; i++) out.push(anyValue(ctx, items[2 * i] as number, items[2 * i + 1] as number, key, depth + 1));
    return out;
  }
  if (kvStart >= 0) {
    if (depth >= limits.maxValueDepth) {
      ctx.issues.warn(`values nested deeper than ${limits.maxValueDepth} levels replaced by null`, `attribute "${key}"`);
      return null;
    }
    return keyValues(ctx, kvStart, kvEnd, 1, depth + 1, limits.maxArrayLength, `entries of attribute "${key}"`);
  }
  // An AnyValue with no value set is the OTLP spelling of "empty".
  return null;
}

/** The [start, end) ranges of every occurrence of LEN field `field` in a message, in order. */
function fieldRanges(w: Wire, start: number, end: number, field: number): number[] {
  const out: number[] = [];
  w.pos = start;
  for (let tag = w.tag(end); tag !== 0; tag = w.tag(end)) {
    if (tag >>> 3 === field) {
      w.expect(tag, LEN, end);
      out.push(w.start, w.end);
    } else w.skip(tag & 7, end);
  }
  return out;
}

/**
 * The KeyValues in field `field` of the message in [start, end) -> AttributeMap, as attributes.ts
 * keyValues: keys missing or too long dropped, at most `max` distinct keys, a repeated key keeps
 * its first place and its last value.
 */
function keyValues(ctx: Ctx, start: number, end: number, field: number, depth: number, max: number, what: string): AttributeMap {
  const w = ctx.w;
  const maxKey = ctx.limits.maxKeyLength;
  const out: AttributeMap = {};
  let kept = 0;
  let pos = start;
  while (pos < end) {
    w.pos = pos;
    const tag = w.tag(end);
    if (tag >>> 3 !== field) {
      w.skip(tag & 7, end);
      pos = w.pos;
      continue;
    }
    w.expect(tag, LEN, end);
    const kvEnd = w.end;
    pos = kvEnd;
    // KeyValue: key 1, value 2 (the last of each counts).
    let keyStart = -1;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = 0;
    w.pos = w.start;
    for (let t = w.tag(kvEnd); t !== 0; t = w.tag(kvEnd)) {
      const f = t >>> 3;
      if (f === 1) {
        w.expect(t, LEN, kvEnd);
        keyStart = w.start;
        keyEnd = w.end;
      } else if (f === 2) {
        w.expect(t, LEN, kvEnd);
        valueStart = w.start;
        valueEnd = w.end;
      } else w.skip(t & 7, kvEnd);
    }
    const key = keyStart >= 0 ? shortString(w.buf, keyStart, keyEnd) : '';
    if (key.length === 0 || key.length > maxKey) {
      ctx.issues.warn(`attribute dropped: key missing or longer than ${maxKey} characters`);
      continue;
    }
    const isNew = !Object.hasOwn(out, key);
    if (isNew && kept >= max) {
      ctx.issues.warn(`attributes over the limit of ${max} dropped`, what);
      continue;
    }
    const value = valueStart >= 0 ? anyValue(ctx, valueStart, valueEnd, key, depth) : null;
    setAttribute(out, key, value);
    if (isNew) kept++;
  }
  return out;
}

/** The ranges of a span's repeated `what` (events, links), at most `max` (a warning names the surplus). */
function boundedRanges(ctx: Ctx, start: number, end: number, field: number, max: number, what: string, label: string): number[] {
  const ranges = fieldRanges(ctx.w, start, end, field);
  if (ranges.length / 2 > max) {
    ctx.issues.warn(`${what} over the limit of ${max} per span dropped`, label);
    ranges.length = 2 * max;
  }
  return ranges;
}

function mapEvents(ctx: Ctx, start: number, end: number, label: string): SpanEventRecord[] {
  const w = ctx.w;
  const ranges = boundedRanges(ctx, start, end, 11, ctx.limits.maxEventsPerSpan, 'events', label);
  const out: SpanEventRecord[] = [];
  for (let i = 0; i < ranges.length / 2; i++) {
    const eStart = ranges[2 * i] as number;
    const eEnd = ranges[2 * i + 1] as number;
    let timeNs: bigint | undefined;
    let nameStart = -1;
    let nameEnd = 0;
    w.pos = eStart;
    for (let tag = w.tag(eEnd); tag !== 0; tag = w.tag(eEnd)) {
      const f = tag >>> 3;
      if (f === 1) {
        if ((tag & 7) !== I64) malformed(`field 1 has wire type ${tag & 7}, expected ${I64}`);
        timeNs = w.fixed64(eEnd);
      } else if (f === 2) {
        w.expect(tag, LEN, eEnd);
        nameStart = w.start;
        nameEnd = w.end;
      } else w.skip(tag & 7, eEnd);
    }
    const name = nameStart >= 0 ? shortString(w.buf, nameStart, nameEnd) : '';
    if (!validTime(timeNs) || name.length === 0) {
      ctx.issues.warn('span event without a name or a valid timeUnixNano dropped', label);
      continue;
    }
    out.push({ name, timeNs, attributes: keyValues(ctx, eStart, eEnd, 3, 0, ctx.limits.maxAttributes, `event "${name}"`) });
  }
  return out;
}

function mapLinks(ctx: Ctx, start: number, end: number, label: string): SpanLinkRecord[] {
  const w = ctx.w;
  const ranges = boundedRanges(ctx, start, end, 13, ctx.limits.maxLinksPerSpan, 'links', label);
  const out: SpanLinkRecord[] = [];
  for (let i = 0; i < ranges.length / 2; i++) {
    const lStart = ranges[2 * i] as number;
    const lEnd = ranges[2 * i + 1] as number;
    let tStart = 0;
    let tEnd = 0;
    let sStart = 0;
    let sEnd = 0;
    w.pos = lStart;
    for (let tag = w.tag(lEnd); tag !== 0; tag = w.tag(lEnd)) {
      const f = tag >>> 3;
      if (f === 1) {
        w.expect(tag, LEN, lEnd);
        tStart = w.start;
        tEnd = w.end;
      } else if (f === 2) {
        w.expect(tag, LEN, lEnd);
        sStart = w.start;
        sEnd = w.end;
      } else w.skip(tag & 7, lEnd);
    }
    if (!validIdBytes(w.buf, tStart, tEnd, 16) || !validIdBytes(w.buf, sStart, sEnd, 8)) {
      ctx.issues.warn('span link with an invalid traceId or spanId dropped', label);
      continue;
    }
    out.push({
      traceId: hex(w.buf, tStart, tEnd),
      spanId: hex(w.buf, sStart, sEnd),
      attributes: keyValues(ctx, lStart, lEnd, 4, 0, ctx.limits.maxAttributes, `link of ${label}`),
    });
  }
  return out;
}

/** One Span in [start, end): the record, or the reason it is rejected (as map-traces.ts mapSpan). */
function mapSpan(ctx: Ctx, start: number, end: number, resource: AttributeMap, scopeName: string): SpanRecord | string {
  const w = ctx.w;
  const buf = w.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  let name: string | undefined;
  let kind = 0;
  let startNs: bigint | undefined;
  let endNs: bigint | undefined;
  let statusStart = -1;
  let statusEnd = 0;
  let attributeCount = 0;
  let eventCount = 0;
  let linkCount = 0;
  w.pos = start;
  for (let tag = w.tag(end); tag !== 0; tag = w.tag(end)) {
    switch (tag >>> 3) {
      case 1:
        w.expect(tag, LEN, end);
        traceStart = w.start;
        traceEnd = w.end;
        break;
      case 2:
        w.expect(tag, LEN, end);
        spanStart = w.start;
        spanEnd = w.end;
        break;
      case 4:
        w.expect(tag, LEN, end);
        parentStart = w.start;
        parentEnd = w.end;
        break;
      case 5:
        w.expect(tag, LEN, end);
        name = w.str();
        break;
      case 6:
        w.expect(tag, VARINT, end);
        kind = int32(w);
        break;
      case 7:
        if ((tag & 7) !== I64) malformed(`field 7 has wire type ${tag & 7}, expected ${I64}`);
        startNs = w.fixed64(end);
        break;
      case 8:
        if ((tag & 7) !== I64) malformed(`field 8 has wire type ${tag & 7}, expected ${I64}`);
        endNs = w.fixed64(end);
        break;
      // Attributes, events and links: read in a second pass, once the span is known to be kept.
      case 9:
        w.expect(tag, LEN, end);
        attributeCount++;
        break;
      case 11:
        w.expect(tag, LEN, end);
        eventCount++;
        break;
      case 13:
        w.expect(tag, LEN, end);
        linkCount++;
        break;
      case 15:
        w.expect(tag, LEN, end);
        statusStart = w.start;
        statusEnd = w.end;
        break;
      default:
        w.skip(tag & 7, end);
    }
  }
  if (!validIdBytes(buf, traceStart, traceEnd, 16)) return SPAN_REJECTS.traceId;
  if (!validIdBytes(buf, spanStart, spanEnd, 8)) return SPAN_REJECTS.spanId;
  if (parentEnd > parentStart && parentEnd - parentStart !== 8) return SPAN_REJECTS.parentSpanId;
  if (name === undefined || name.length === 0) return SPAN_REJECTS.name;
  if (kind < 0 || kind > 5) return SPAN_REJECTS.kind;
  if (!validTime(startNs)) return SPAN_REJECTS.start;
  if (!validTime(endNs)) return SPAN_REJECTS.end;
  if (endNs < startNs) return SPAN_REJECTS.order;

  let statusCode = 0;
  let statusMessage: string | undefined;
  if (statusStart >= 0) {
    w.pos = statusStart;
    for (let tag = w.tag(statusEnd); tag !== 0; tag = w.tag(statusEnd)) {
      const f = tag >>> 3;
      if (f === 2) {
        w.expect(tag, LEN, statusEnd);
        statusMessage = w.str();
      } else if (f === 3) {
        w.expect(tag, VARINT, statusEnd);
        statusCode = int32(w);
      } else w.skip(tag & 7, statusEnd);
    }
    if (statusCode < 0 || statusCode > 2) return SPAN_REJECTS.status;
  }

  const label = `span "${name}"`;
  const { maxKeyLength, maxStringLength } = ctx.limits;
  warnTruncations(ctx.issues, ctx.limits, name, statusMessage, label);
  const record: SpanRecord = {
    traceId: hex(buf, traceStart, traceEnd),
    spanId: hex(buf, spanStart, spanEnd),
    name: truncate(name, maxKeyLength),
    kind: kind === 0 ? 0 : kind - 1,
    startNs,
    endNs,
    statusCode,
    attributes: attributeCount > 0 ? keyValues(ctx, start, end, 9, 0, ctx.limits.maxAttributes, label) : {},
    events: eventCount > 0 ? mapEvents(ctx, start, end, label) : [],
    links: linkCount > 0 ? mapLinks(ctx, start, end, label) : [],
    resource,
  };
  if (parentEnd > parentStart && !allZero(buf, parentStart, parentEnd)) record.parentSpanId = hex(buf, parentStart, parentEnd);
  if (statusMessage !== undefined && statusMessage.length > 0) record.statusMessage = truncate(statusMessage, maxStringLength);
  if (scopeName.length > 0) record.scopeName = scopeName;
  return record;
}

/** The last `field` (LEN) of the message in [start, end) as [start, end], or null when absent. */
function lastField(w: Wire, start: number, end: number, field: number): [number, number] | null {
  let found: [number, number] | null = null;
  w.pos = start;
  for (let tag = w.tag(end); tag !== 0; tag = w.tag(end)) {
    if (tag >>> 3 === field) {
      w.expect(tag, LEN, end);
      found = [w.start, w.end];
    } else w.skip(tag & 7, end);
  }
  return found;
}

/** The spans as sent, before the GenAI conventions (as map-traces.ts mapTraceRequestAsSent). */
export function decodeTraceRequestProtoAsSent(body: Uint8Array, limits: IngestLimits): DecodedTraces {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const w = new Wire(buf);
  const issues = new IngestIssues();
  const ctx: Ctx = { w, limits, issues };
  const spans: SpanRecord[] = [];
  const resourceRanges = fieldRanges(w, 0, buf.length, 1);
  if (buf.length > 0 && resourceRanges.length === 0)
    malformed(`no ExportTraceServiceRequest.resourceSpans found in ${buf.length} bytes`);
  for (let r = 0; r < resourceRanges.length; r += 2) {
    const rStart = resourceRanges[r] as number;
    const rEnd = resourceRanges[r + 1] as number;
    const res = lastField(w, rStart, rEnd, 1);
    const resource = res ? keyValues(ctx, res[0], res[1], 1, 0, limits.maxAttributes, 'resource') : {};
    const scopeRanges = fieldRanges(w, rStart, rEnd, 2);
    for (let s = 0; s < scopeRanges.length; s += 2) {
      const sStart = scopeRanges[s] as number;
      const sEnd = scopeRanges[s + 1] as number;
      const scope = lastField(w, sStart, sEnd, 1);
      let scopeName = '';
      if (scope) {
        const nameRange = lastField(w, scope[0], scope[1], 1);
        if (nameRange) scopeName = shortString(buf, nameRange[0], nameRange[1]);
      }
      const spanRanges = fieldRanges(w, sStart, sEnd, 2);
      for (let i = 0; i < spanRanges.length; i += 2) {
        const mapped = mapSpan(ctx, spanRanges[i] as number, spanRanges[i + 1] as number, resource, scopeName);
        if (typeof mapped === 'string') issues.reject(mapped, spanLabel(spanNameOf(w, spanRanges[i] as number, spanRanges[i + 1] as number)));
        else spans.push(mapped);
      }
    }
  }
  return { spans, rejected: issues.rejected, warnings: issues.messages() };
}

/** A rejected span's name for the message (the last name field, as protobufjs keeps it). */
function spanNameOf(w: Wire, start: number, end: number): string | undefined {
  const range = lastField(w, start, end, 5);
  return range ? utf8(w.buf, range[0], range[1]) : undefined;
}

/** ExportTraceServiceRequest protobuf bytes -> spans with the GenAI conventions applied. */
export function decodeTraceRequestProto(body: Uint8Array, limits: IngestLimits): DecodedTraces {
  const decoded = decodeTraceRequestProtoAsSent(body, limits);
  applyGenAiConventions(decoded.spans);
  return decoded;
}
