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

/**
 * What the scan needs of one message type, by field number: whether the field is repeated, the
 * plan of its message type (null for scalars), and for packable repeated numbers the element size
 * (8 or 4 bytes, 0 for varints; -1: not packable). Built once per type from the protobufjs
 * reflection, so the scan itself does array reads instead of reflection lookups per tag.
 */
interface Plan {
  repeated: Uint8Array;
  child: (Plan | null)[];
  packedSize: Int8Array;
}

const plans = new WeakMap<protobuf.Type, Plan>();

function planOf(type: protobuf.Type): Plan {
  const known = plans.get(type);
  if (known) return known;
  const maxId = Math.max(0, ...type.fieldsArray.map((f) => f.id));
  const plan: Plan = {
    repeated: new Uint8Array(maxId + 1),
    child: new Array<Plan | null>(maxId + 1).fill(null),
    packedSize: new Int8Array(maxId + 1).fill(-1),
  };
  // Registered before its children are planned: message types refer to each other (AnyValue).
  plans.set(type, plan);
  for (const f of type.fieldsArray) {
    plan.repeated[f.id] = f.repeated ? 1 : 0;
    if (f.resolvedType instanceof protobuf.Type) plan.child[f.id] = planOf(f.resolvedType);
    else if (isPackable(f)) plan.packedSize[f.id] = PACKED_FIXED_SIZE[f.type] ?? 0;
  }
  return plan;
}

/** The scan's position and element count (one per scan: the scan is synchronous). */
class Cursor {
  pos = 0;
  count = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly bounds: DecodeBounds,
  ) {}

  varint(end: number): number {
    const buf = this.buf;
    if (this.pos >= end) throw new Malformed();
    const first = buf[this.pos++] as number;
    if (first < 0x80) return first;
    let result = first & 0x7f;
    let scale = 128;
    for (;;) {
      if (this.pos >= end) throw new Malformed();
      const b = buf[this.pos++] as number;
      // Lengths and tags above 2^53 cannot be valid in a body this size; precision loss is harmless.
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 63) throw new Malformed();
    }
  }

  add(n: number): void {
    this.count += n;
    if (this.count > this.bounds.maxElements) throw tooMany(this.bounds.maxElements);
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

function scanMessage(c: Cursor, end: number, plan: Plan, depth: number): void {
  if (depth > c.bounds.maxDepth) throw tooDeep(c.bounds.maxDepth);
  const buf = c.buf;
  const known = plan.repeated.length;
  while (c.pos < end) {
    const tag = c.varint(end);
    const wire = tag % 8;
    const id = Math.floor(tag / 8);
    const repeated = id < known && plan.repeated[id] === 1;
    switch (wire) {
      case 0:
        c.varint(end);
        if (repeated) c.add(1);
        break;
      case 1:
      case 5:
        c.pos += wire === 1 ? 8 : 4;
        if (repeated) c.add(1);
        break;
      case 2: {
        const len = c.varint(end);
        const stop = c.pos + len;
        if (stop > end) throw new Malformed();
        const child = id < known ? plan.child[id] : null;
        const size = id < known ? (plan.packedSize[id] as number) : -1;
        if (child) {
          // Every occurrence builds a message, repeated or not (a repeated singular field overwrites).
          c.add(1);
          scanMessage(c, stop, child, depth + 1);
        } else if (size >= 0) {
          // A packed list of numbers: every element becomes an array slot (and a Long for 64-bit).
          let n = 0;
          if (size > 0) n = Math.floor(len / size);
          else for (let i = c.pos; i < stop; i++) if ((buf[i] as number) < 0x80) n++;
          c.add(n);
        } else if (repeated) {
          c.add(1);
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
  const c = new Cursor(body, bounds);
  try {
    scanMessage(c, body.length, planOf(type), 0);
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
