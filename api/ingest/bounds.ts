/**
 * Bounding the work a request body can cause before any object is built. A byte limit alone does
 * not bound decoding: 16 MiB of `0a 00` is eight million empty protobuf messages, and a JSON array
 * of `{}` is as bad, each costing a hundred bytes or more of heap once decoded. These scans count
 * the elements a decoder would allocate (messages, list items, JSON values) without allocating,
 * and stop at the bound, so a hostile body costs one linear pass and a 413.
 */
import protobuf from 'protobufjs';
import { IngestError } from './errors';

/** What one request may cost to decode. */
export interface DecodeBounds {
  /** Elements (messages, repeated items, JSON values) one body may hold. */
  maxElements: number;
  /** Nesting levels of messages / JSON containers (deeper bodies are refused with a 400). */
  maxDepth: number;
}

/**
 * 512-span SDK batches with 20 attributes a span are about 25k elements; 400k leaves room for
 * Collector batches of several thousand spans while keeping a decoded body near 100 MiB at most.
 */
export const DEFAULT_DECODE_BOUNDS: Readonly<DecodeBounds> = Object.freeze({ maxElements: 400_000, maxDepth: 128 });

function tooMany(max: number): IngestError {
  return new IngestError(
    413,
    `request holds more than ${max} elements (messages, list items or values); send smaller batches`,
  );
}

function tooDeep(max: number): IngestError {
  return new IngestError(400, `request nests deeper than ${max} levels`);
}

/** Thrown inside the scan when the wire data is malformed: the decoder then reports it precisely. */
class Malformed extends Error {}

interface Cursor {
  pos: number;
  count: number;
}

function varint(buf: Uint8Array, c: Cursor, end: number): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (c.pos >= end) throw new Malformed();
    const b = buf[c.pos++] ?? 0;
    // Lengths and tags above 2^53 cannot be valid in a body this size; precision loss is harmless.
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
    if (shift > 63) throw new Malformed();
  }
}

const PACKED_FIXED_SIZE: Readonly<Record<string, number>> = {
  fixed64: 8,
  sfixed64: 8,
  double: 8,
  fixed32: 4,
  sfixed32: 4,
  float: 4,
};

function isPackable(f: protobuf.Field): boolean {
  return f.repeated && f.resolvedType === null && f.type !== 'string' && f.type !== 'bytes';
}

function add(c: Cursor, n: number, b: DecodeBounds): void {
  c.count += n;
  if (c.count > b.maxElements) throw tooMany(b.maxElements);
}

function scanMessage(buf: Uint8Array, c: Cursor, end: number, type: protobuf.Type, depth: number, b: DecodeBounds): void {
  if (depth > b.maxDepth) throw tooDeep(b.maxDepth);
  while (c.pos < end) {
    const tag = varint(buf, c, end);
    const wire = tag % 8;
    const f = type.fieldsById[Math.floor(tag / 8)];
    switch (wire) {
      case 0:
        varint(buf, c, end);
        if (f?.repeated) add(c, 1, b);
        break;
      case 1:
      case 5:
        c.pos += wire === 1 ? 8 : 4;
        if (f?.repeated) add(c, 1, b);
        break;
      case 2: {
        const len = varint(buf, c, end);
        const stop = c.pos + len;
        if (stop > end) throw new Malformed();
        if (f?.resolvedType instanceof protobuf.Type) {
          // Every occurrence builds a message, repeated or not (a repeated singular field overwrites).
          add(c, 1, b);
          scanMessage(buf, c, stop, f.resolvedType, depth + 1, b);
        } else if (f && isPackable(f)) {
          // A packed list of numbers: every element becomes an array slot (and a Long for 64-bit).
          const size = PACKED_FIXED_SIZE[f.type];
          let n = 0;
          if (size !== undefined) n = Math.floor(len / size);
          else for (let i = c.pos; i < stop; i++) if ((buf[i] ?? 0) < 0x80) n++;
          add(c, n, b);
        } else if (f?.repeated) {
          add(c, 1, b);
        }
        c.pos = stop;
        break;
      }
      default:
        // Groups (3, 4) and invalid wire types: let the decoder name the problem.
        throw new Malformed();
    }
  }
  if (c.pos > end) throw new Malformed();
}

const resolvedRoots = new WeakSet<protobuf.Root>();

/**
 * Counts what decoding `body` as `type` would allocate; throws IngestError 413 past
 * maxElements and 400 past maxDepth. Malformed wire data ends the scan quietly (the decoder
 * then reports it with its own message). Returns the count.
 */
export function checkProtoBounds(body: Uint8Array, type: protobuf.Type, bounds: DecodeBounds): number {
  // fieldsById[..].resolvedType is only filled once the root is resolved (protobufjs resolves lazily).
  if (!resolvedRoots.has(type.root)) {
    type.root.resolveAll();
    resolvedRoots.add(type.root);
  }
  const c: Cursor = { pos: 0, count: 0 };
  try {
    scanMessage(body, c, body.length, type, 0, bounds);
  } catch (err) {
    if (err instanceof Malformed) return c.count;
    throw err;
  }
  return c.count;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Counts the values of a JSON text without parsing it: every object, array and comma outside a
 * string (each comma separates one more value or member). Same errors as checkProtoBounds.
 */
export function checkJsonBounds(body: Uint8Array, bounds: DecodeBounds): number {
  let count = 0;
  let depth = 0;
  let inString = false;
  const max = bounds.maxElements;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
      continue;
    }
    switch (ch) {
      case QUOTE:
        inString = true;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > bounds.maxDepth) throw tooDeep(bounds.maxDepth);
        if (++count > max) throw tooMany(max);
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x2c: // ,
        if (++count > max) throw tooMany(max);
        break;
      default:
        break;
    }
  }
  return count;
}
