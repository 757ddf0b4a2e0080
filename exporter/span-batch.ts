/**
 * The hand-off of finished spans to the SQLite writer thread: a compact encoding of a batch, made
 * on the pipeline's thread as each span ends (so the SDK span object dies young), and decoded on
 * the writer thread into the same SpanRecords readableSpanToRecord gives. Pure, no I/O.
 *
 * Why not a structured clone of the records: the pipeline's thread pays for the hand-off, and
 * numbers go into one Float64Array (moved, not copied) while repeated strings (attribute keys,
 * stage, model, component names) are sent once per batch: measured about half the cost of cloning
 * tuples of the span's fields and a third of cloning SpanRecords (`npm run bench exporter`).
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeMap, AttributeValue, SpanRecord } from '../schema/records';
import { applyGenAiConventions } from '../store/conventions';
import type { WriteJob } from '../store/writer-types';

/** One batch as posted to the writer thread (its `nums` buffer is transferred). */
export interface EncodedSpanBatch {
  spans: number;
  /** Strings referred to by index from `nums` (each distinct short string once). */
  strings: string[];
  /** Trace, span and parent ids in span order ('' for no parent), then the links' ids. */
  ids: string[];
  nums: Float64Array;
  /** Attribute values of no type the encoding knows (structured-cloned as they are). */
  other: unknown[];
  /** Resource attribute maps, by index (every span of a process shares one). */
  resources: AttributeMap[];
}

const T_STRING = 0;
const T_NUMBER = 1;
const T_TRUE = 2;
const T_FALSE = 3;
const T_NULL = 4;
const T_ARRAY = 5;
const T_OTHER = 6;
/** Longer strings are sent as they are, not looked up (prompts, responses: seldom repeated). */
const MAX_INTERNED_LENGTH = 256;
const NONE = -1;

/** Builds one batch span by span; take() hands it over and starts the next. */
export class SpanBatchEncoder {
  private strings: string[] = [];
  private refs = new Map<string, number>();
  private ids: string[] = [];
  private other: unknown[] = [];
  private resources: AttributeMap[] = [];
  private resourceRefs = new Map<object, number>();
  private nums: Float64Array;
  private k = 0;
  /** Spans in the batch being built. */
  count = 0;

  constructor(private capacity = 16_384) {
    this.nums = new Float64Array(capacity);
  }

  add(span: ReadableSpan): void {
    const ctx = span.spanContext();
    this.ids.push(ctx.traceId, ctx.spanId, span.parentSpanContext?.spanId ?? '');
    // The fixed part: at most 12 numbers before the attributes.
    this.room(12);
    const n = this.nums;
    n[this.k++] = this.ref(span.name);
    n[this.k++] = span.kind;
    n[this.k++] = span.startTime[0];
    n[this.k++] = span.startTime[1];
    n[this.k++] = span.endTime[0];
    n[this.k++] = span.endTime[1];
    n[this.k++] = span.status.code;
    n[this.k++] = span.status.message ? this.ref(span.status.message) : NONE;
    n[this.k++] = this.ref(span.instrumentationScope.name);
    n[this.k++] = this.resource(span.resource);
    this.attributes(span.attributes);
    this.room(1);
    this.nums[this.k++] = span.events.length;
    for (const e of span.events) {
      this.room(3);
      this.nums[this.k++] = this.ref(e.name);
      this.nums[this.k++] = e.time[0];
      this.nums[this.k++] = e.time[1];
      this.attributes(e.attributes);
    }
    this.room(1);
    this.nums[this.k++] = span.links.length;
    for (const l of span.links) {
      this.ids.push(l.context.traceId, l.context.spanId);
      this.attributes(l.attributes);
    }
    this.count++;
  }

  /** The batch built so far (its buffer moves to the receiver); the encoder starts afresh. */
  take(): EncodedSpanBatch {
    const batch: EncodedSpanBatch = {
      spans: this.count,
      strings: this.strings,
      ids: this.ids,
      // A view of the filled part: the receiver gets the whole buffer moved, nothing copied.
      nums: this.nums.subarray(0, this.k),
      other: this.other,
      resources: this.resources,
    };
    // The next batch starts at about this one's size: few regrowths.
    this.capacity = Math.max(this.capacity, this.k);
    this.nums = new Float64Array(this.capacity);
    this.k = 0;
    this.count = 0;
    this.strings = [];
    this.refs = new Map();
    this.ids = [];
    this.other = [];
    this.resources = [];
    this.resourceRefs = new Map();
    return batch;
  }

  private room(more: number): void {
    if (this.k + more <= this.nums.length) return;
    const grown = new Float64Array(Math.max(this.nums.length * 2, this.k + more));
    grown.set(this.nums.subarray(0, this.k));
    this.nums = grown;
  }

  private ref(s: string): number {
    if (s.length > MAX_INTERNED_LENGTH) {
      this.strings.push(s);
      return this.strings.length - 1;
    }
    let r = this.refs.get(s);
    if (r === undefined) {
      r = this.strings.length;
      this.strings.push(s);
      this.refs.set(s, r);
    }
    return r;
  }

  private resource(resource: ReadableSpan['resource']): number {
    let r = this.resourceRefs.get(resource);
    if (r === undefined) {
      r = this.resources.length;
      this.resources.push({ ...(resource.attributes as AttributeMap) });
      this.resourceRefs.set(resource, r);
    }
    return r;
  }

  private attributes(attrs: Readonly<Record<string, unknown>> | undefined): void {
    const at = this.k;
    this.room(1);
    this.k++;
    let count = 0;
    if (attrs) {
      for (const key in attrs) {
        const v = attrs[key];
        // The SDK drops undefined values on set; readableSpanToRecord would keep the key.
        this.room(1);
        this.nums[this.k++] = this.ref(key);
        this.value(v);
        count++;
      }
    }
    this.nums[at] = count;
  }

  private value(v: unknown): void {
    this.room(2);
    const n = this.nums;
    switch (typeof v) {
      case 'string':
        n[this.k++] = T_STRING;
        n[this.k++] = this.ref(v);
        return;
      case 'number':
        n[this.k++] = T_NUMBER;
        n[this.k++] = v;
        return;
      case 'boolean':
        n[this.k++] = v ? T_TRUE : T_FALSE;
        return;
      default:
        if (v === null) {
          n[this.k++] = T_NULL;
          return;
        }
        if (Array.isArray(v)) {
          n[this.k++] = T_ARRAY;
          n[this.k++] = v.length;
          for (const x of v) this.value(x);
          return;
        }
        n[this.k++] = T_OTHER;
        n[this.k++] = this.other.length;
        this.other.push(v);
    }
  }
}

function ns(seconds: number, nanos: number): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** The writer thread's side: the batch's SpanRecords, as readableSpanToRecord maps them. */
export function decodeSpanBatch(batch: EncodedSpanBatch): SpanRecord[] {
  const { strings, ids, nums: n, other } = batch;
  let k = 0;
  let id = 0;
  const str = (r: number): string => strings[r] as string;
  const value = (): AttributeValue => {
    const tag = n[k++];
    switch (tag) {
      case T_STRING:
        return str(n[k++] as number);
      case T_NUMBER:
        return n[k++] as number;
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_NULL:
        return null;
      case T_ARRAY: {
        const len = n[k++] as number;
        const out: AttributeValue[] = new Array<AttributeValue>(len);
        for (let i = 0; i < len; i++) out[i] = value();
        return out;
      }
      case T_OTHER:
        return other[n[k++] as number] as AttributeValue;
      default:
        throw new Error(`span batch: unknown value tag ${String(tag)}`);
    }
  };
  const attributes = (): AttributeMap => {
    const count = n[k++] as number;
    const out: AttributeMap = {};
    for (let i = 0; i < count; i++) {
      const key = str(n[k++] as number);
      out[key] = value();
    }
    return out;
  };
  const records: SpanRecord[] = new Array<SpanRecord>(batch.spans);
  for (let s = 0; s < batch.spans; s++) {
    const traceId = ids[id++] as string;
    const spanId = ids[id++] as string;
    const parent = ids[id++] as string;
    const name = str(n[k++] as number);
    const kind = n[k++] as number;
    const startNs = ns(n[k++] as number, n[k++] as number);
    const endNs = ns(n[k++] as number, n[k++] as number);
    const statusCode = n[k++] as number;
    const message = n[k++] as number;
    const scopeName = str(n[k++] as number);
    const resource = batch.resources[n[k++] as number] as AttributeMap;
    const attrs = attributes();
    const events: SpanRecord['events'] = new Array<SpanRecord['events'][number]>(n[k++] as number);
    for (let e = 0; e < events.length; e++) {
      const eventName = str(n[k++] as number);
      const timeNs = ns(n[k++] as number, n[k++] as number);
      events[e] = { name: eventName, timeNs, attributes: attributes() };
    }
    const links: SpanRecord['links'] = new Array<SpanRecord['links'][number]>(n[k++] as number);
    for (let l = 0; l < links.length; l++) {
      const linkTrace = ids[id++] as string;
      const linkSpan = ids[id++] as string;
      links[l] = { traceId: linkTrace, spanId: linkSpan, attributes: attributes() };
    }
    records[s] = {
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name,
      kind,
      startNs,
      endNs,
      statusCode,
      ...(message !== NONE ? { statusMessage: str(message) } : {}),
      attributes: attrs,
      events,
      links,
      resource,
      scopeName,
    };
  }
  return records;
}

/** The write job of an encoded batch: its records, read with the GenAI conventions as at ingest. */
export function spanBatchJob(batch: EncodedSpanBatch): WriteJob {
  const records = decodeSpanBatch(batch);
  applyGenAiConventions(records);
  return { kind: 'spans', records };
}
