/**
 * Reading OTLP values from either encoding. The JSON mapping and protobufjs' decoded messages share
 * field names (lowerCamelCase) and structure; they differ only in how scalars are represented
 * (hex strings vs bytes for ids, decimal strings vs Long for 64-bit integers, base64 vs bytes).
 * A WireFlavor hides that difference, so the trace and metric mappers are written once.
 *
 * Every reader returns `undefined` for an absent (or proto3-default) value and `null` for a value
 * that is present but malformed, so callers can reject exactly the record that carries it.
 */

export type WireObject = Record<string, unknown>;

export function isWireObject(v: unknown): v is WireObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * A field of a JSON object or a decoded protobuf message. Own properties only: protobufjs keeps
 * proto3 defaults on the prototype, and a JSON body must not reach Object.prototype.
 */
export function field(o: WireObject, name: string): unknown {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}

/** A repeated field: [] when absent, null when present but not a list. */
export function listField(o: WireObject, name: string): unknown[] | null {
  const v = field(o, name);
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : null;
}

/** A message field: undefined when absent, null when present but not an object. */
export function objectField(o: WireObject, name: string): WireObject | null | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  return isWireObject(v) ? v : null;
}

export interface WireFlavor {
  readonly encoding: 'json' | 'protobuf';
  /** trace/span id as lowercase hex (length not checked here). */
  id(v: unknown): string | null | undefined;
  /** fixed64 / uint64. */
  u64(v: unknown): bigint | null | undefined;
  /** int64 / sfixed64. */
  i64(v: unknown): bigint | null | undefined;
  double(v: unknown): number | null | undefined;
  /** int32, uint32, sint32 and enums (OTLP JSON sends enums as integers). */
  int(v: unknown): number | null | undefined;
  /** bytes as base64 (how the JSON mapping carries them, and how we store them). */
  bytes(v: unknown): string | null | undefined;
  str(v: unknown): string | null | undefined;
  bool(v: unknown): boolean | null | undefined;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function str(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : null;
}

function bool(v: unknown): boolean | null | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'boolean' ? v : null;
}

// --- JSON: the proto3 JSON mapping with OTLP's deviations (hex ids, integer enums) ---

const HEX = /^[0-9a-fA-F]*$/;
const UNSIGNED = /^\d{1,20}$/;
const SIGNED = /^-?\d{1,19}$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function jsonInteger(v: unknown, pattern: RegExp): bigint | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : null;
  if (typeof v === 'string' && pattern.test(v)) return BigInt(v);
  return null;
}

export const JSON_FLAVOR: WireFlavor = {
  encoding: 'json',
  id(v) {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || v.length % 2 !== 0 || !HEX.test(v)) return null;
    return v.toLowerCase();
  },
  u64(v) {
    const n = jsonInteger(v, UNSIGNED);
    if (n === undefined || n === null) return n;
    return n >= 0n && n <= U64_MAX ? n : null;
  },
  i64(v) {
    const n = jsonInteger(v, SIGNED);
    if (n === undefined || n === null) return n;
    return n >= I64_MIN && n <= I64_MAX ? n : null;
  },
  double(v) {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return null;
    // proto3 JSON spells the non-finite doubles as strings, and allows numbers in strings.
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    return Number.isFinite(n) ? n : null;
  },
  int(v) {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' && SIGNED.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
  },
  bytes(v) {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' && BASE64.test(v) ? v : null;
  },
  str,
  bool,
};

// --- protobuf: messages decoded by protobufjs (Uint8Array bytes, Long 64-bit integers) ---

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

function isLong(v: unknown): v is LongLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LongLike).low === 'number' &&
    typeof (v as LongLike).high === 'number'
  );
}

/** Long -> BigInt without going through a double, so nanosecond timestamps keep every digit. */
function longToBigInt(v: LongLike, signed: boolean): bigint {
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return signed ? BigInt.asIntN(64, bits) : bits;
}

function protoInteger(v: unknown, signed: boolean): bigint | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (isLong(v)) return longToBigInt(v, signed);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return null;
}

export const PROTO_FLAVOR: WireFlavor = {
  encoding: 'protobuf',
  id(v) {
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof Uint8Array)) return null;
    if (v.length === 0) return undefined;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  },
  u64: (v) => protoInteger(v, false),
  i64: (v) => protoInteger(v, true),
  double(v) {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' ? v : null;
  },
  int(v) {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isInteger(v) ? v : null;
  },
  bytes(v) {
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof Uint8Array)) return null;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  },
  str,
  bool,
};
