/**
 * OTLP KeyValue lists -> AttributeMap, within IngestLimits. Values keep their type where the
 * record model has one; int64 values beyond 2^53 keep every digit as a decimal string, bytes
 * become base64 and key-value lists become objects.
 */
import type { IngestIssues } from './issues';
import type { IngestLimits } from './limits';
import { field, isWireObject } from './wire';
import type { WireFlavor } from './wire';
import type { AttributeMap, AttributeValue } from '../../schema/records';

export interface AttributeContext {
  flavor: WireFlavor;
  limits: IngestLimits;
  issues: IngestIssues;
}

/** Sets a key on a plain object; `__proto__` from a sender becomes an ordinary property. */
export function setAttribute(out: AttributeMap, key: string, value: AttributeValue): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Cuts a string at `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const INVALID = Symbol('invalid');

function anyValue(
  v: unknown,
  ctx: AttributeContext,
  key: string,
  depth: number,
): AttributeValue | typeof INVALID {
  if (v === undefined || v === null) return null;
  if (!isWireObject(v)) return INVALID;
  const { flavor: f, limits } = ctx;

  const s = field(v, 'stringValue');
  if (s !== undefined && s !== null) {
    const str = f.str(s);
    if (typeof str !== 'string') return INVALID;
    if (str.length > limits.maxStringLength) {
      ctx.issues.warn(`string value truncated to ${limits.maxStringLength} characters`, `attribute "${key}"`);
      return truncate(str, limits.maxStringLength);
    }
    return str;
  }
  const b = field(v, 'boolValue');
  if (b !== undefined && b !== null) return f.bool(b) ?? INVALID;
  const i = field(v, 'intValue');
  if (i !== undefined && i !== null) {
    const n = f.i64(i);
    if (typeof n !== 'bigint') return INVALID;
    // Past 2^53 a double would change the value; the decimal string keeps it.
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(n)
      : n.toString();
  }
  const d = field(v, 'doubleValue');
  if (d !== undefined && d !== null) {
    const n = f.double(d);
    if (typeof n !== 'number') return INVALID;
    // JSON (our storage) has no NaN, Infinity or -0; keep them readable rather than as null.
    if (n === 0) return 0;
    return Number.isFinite(n) ? n : String(n);
  }
  const bytes = field(v, 'bytesValue');
  if (bytes !== undefined && bytes !== null) {
    const b64 = f.bytes(bytes);
    if (typeof b64 !== 'string') return INVALID;
    if (b64.length > limits.maxStringLength) {
      ctx.issues.warn(
        `bytes value (base64) truncated to ${limits.maxStringLength} characters`,
        `attribute "${key}"`,
      );
      return truncate(b64, limits.maxStringLength);
    }
    return b64;
  }
  const arr = field(v, 'arrayValue');
  if (arr !== undefined && arr !== null) {
    if (!isWireObject(arr)) return INVALID;
    const values = field(arr, 'values') ?? [];
    if (!Array.isArray(values)) return INVALID;
    if (depth >= limits.maxValueDepth) {
      ctx.issues.warn(
        `values nested deeper than ${limits.maxValueDepth} levels replaced by null`,
        `attribute "${key}"`,
      );
      return null;
    }
    if (values.length > limits.maxArrayLength) {
      ctx.issues.warn(`array values cut to ${limits.maxArrayLength} elements`, `attribute "${key}"`);
    }
    const out: AttributeValue[] = [];
    for (const item of values.slice(0, limits.maxArrayLength)) {
      const converted = anyValue(item, ctx, key, depth + 1);
      out.push(converted === INVALID ? null : converted);
    }
    return out;
  }
  const kv = field(v, 'kvlistValue');
  if (kv !== undefined && kv !== null) {
    if (!isWireObject(kv)) return INVALID;
    const values = field(kv, 'values') ?? [];
    if (!Array.isArray(values)) return INVALID;
    if (depth >= limits.maxValueDepth) {
      ctx.issues.warn(
        `values nested deeper than ${limits.maxValueDepth} levels replaced by null`,
        `attribute "${key}"`,
      );
      return null;
    }
    return keyValues(values, ctx, depth + 1, limits.maxArrayLength, `entries of attribute "${key}"`);
  }
  // An AnyValue with no value set is the OTLP spelling of "empty".
  return null;
}

function keyValues(
  list: readonly unknown[],
  ctx: AttributeContext,
  depth: number,
  max: number,
  what: string,
): AttributeMap {
  const out: AttributeMap = {};
  let kept = 0;
  for (const item of list) {
    if (!isWireObject(item)) {
      ctx.issues.warn('malformed attribute dropped (not a KeyValue)');
      continue;
    }
    const key = ctx.flavor.str(field(item, 'key'));
    if (typeof key !== 'string' || key.length === 0 || key.length > ctx.limits.maxKeyLength) {
      ctx.issues.warn(`attribute dropped: key missing or longer than ${ctx.limits.maxKeyLength} characters`);
      continue;
    }
    const isNew = !Object.hasOwn(out, key);
    if (isNew && kept >= max) {
      ctx.issues.warn(`attributes over the limit of ${max} dropped`, what);
      continue;
    }
    const value = anyValue(field(item, 'value'), ctx, key, depth);
    if (value === INVALID) {
      ctx.issues.warn('attribute with a malformed value dropped', `attribute "${key}"`);
      continue;
    }
    setAttribute(out, key, value);
    if (isNew) kept++;
  }
  return out;
}

/**
 * A repeated KeyValue field -> AttributeMap. A field that is not a list is dropped with a warning
 * (the record itself stays valid). `what` names the owner in messages (`span "classify"`).
 */
export function attributesOf(list: unknown, ctx: AttributeContext, what: string): AttributeMap {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) {
    ctx.issues.warn('attributes field is not a list; ignored', what);
    return {};
  }
  return keyValues(list, ctx, 0, ctx.limits.maxAttributes, what);
}

/**
 * One OTLP AnyValue (a log record's body) -> AttributeValue, within the same limits as attribute
 * values; a malformed value becomes null with a warning.
 */
export function anyValueOf(v: unknown, ctx: AttributeContext, what: string): AttributeValue {
  const value = anyValue(v, ctx, what, 0);
  if (value === INVALID) {
    ctx.issues.warn('malformed value replaced by null', what);
    return null;
  }
  return value;
}
