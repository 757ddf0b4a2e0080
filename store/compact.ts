/**
 * The compact span layout, as pure functions (no I/O, tested without SQLite): which attribute
 * keys a row does not store because its columns already hold them, how score events leave the
 * events list (the scores table holds them) and how both are put back, exactly, on read.
 *
 * A key is left out only when its value is rebuilt identically from a column (same type, same
 * value); anything else (a numeric string, an empty string, an unusual type) stays in the stored
 * remainder as it came. Rebuilt keys come first on read: key order inside an attribute map is not
 * kept (OTel attributes are a map), event order is.
 */
import { ATTR, GEN_AI } from '../schema/names';
import type { AttributeMap, AttributeValue, SpanEventRecord } from '../schema/records';

/** The columns a span's left-out attributes are rebuilt from (model-call columns for GenAI spans). */
export interface PromotedColumns {
  stage: string | null;
  component_type: string | null;
  component_id: string | null;
  benchmark_run_id: string | null;
  model: string | null;
  cost_usd: number | null;
  cache_hit: number | null;
  operation?: string | null;
  provider?: string | null;
  request_model?: string | null;
  response_model?: string | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
  cached_tokens?: number | null;
}

type Rebuild = (c: PromotedColumns) => AttributeValue | undefined;

const text =
  (col: keyof PromotedColumns): Rebuild =>
  (c) => {
    const v = c[col];
    return typeof v === 'string' ? v : undefined;
  };
const number =
  (col: keyof PromotedColumns): Rebuild =>
  (c) => {
    const v = c[col];
    return typeof v === 'number' ? v : undefined;
  };

/**
 * Bit i of a row's `promoted` mask says SPAN_PROMOTED[i].key was left out. Append only: the
 * position of a key is part of the stored format.
 */
export const SPAN_PROMOTED: readonly { key: string; rebuild: Rebuild }[] = [
  { key: ATTR.stage, rebuild: text('stage') },
  { key: ATTR.componentType, rebuild: text('component_type') },
  { key: ATTR.componentId, rebuild: text('component_id') },
  { key: ATTR.benchmarkRunId, rebuild: text('benchmark_run_id') },
  { key: ATTR.model, rebuild: text('model') },
  { key: ATTR.costUsd, rebuild: number('cost_usd') },
  { key: ATTR.cacheHit, rebuild: (c) => (c.cache_hit === null ? undefined : c.cache_hit === 1) },
  { key: GEN_AI.operationName, rebuild: text('operation') },
  { key: GEN_AI.providerName, rebuild: text('provider') },
  { key: GEN_AI.requestModel, rebuild: text('request_model') },
  { key: GEN_AI.responseModel, rebuild: text('response_model') },
  { key: GEN_AI.inputTokens, rebuild: number('input_tokens') },
  { key: GEN_AI.outputTokens, rebuild: number('output_tokens') },
  { key: GEN_AI.cachedInputTokens, rebuild: number('cached_tokens') },
];

/**
 * Not an attribute: bit 30 of a span's `promoted` mask says some of its genscope.artefact events
 * are rebuilt from its artefact rows (migration 176), so a reader needs to look there.
 */
export const EVENTS_IN_ARTEFACTS = 1 << 30;

/** The columns of a score row its event's attributes are rebuilt from. */
export interface ScoreColumns {
  name: string;
  value: number | null;
  label: string | null;
  explanation: string | null;
  /** The judged span's id (lowercase hex) and response id; absent in rows of migration 042's layout. */
  evaluated_span_id?: string | null;
  response_id?: string | null;
}

/** Bit i of a score row's mask says SCORE_PROMOTED[i].key was left out. Append only. */
export const SCORE_PROMOTED: readonly { key: string; rebuild: (c: ScoreColumns) => AttributeValue | undefined }[] = [
  { key: GEN_AI.evaluationName, rebuild: (c) => c.name },
  { key: GEN_AI.evaluationScoreValue, rebuild: (c) => c.value ?? undefined },
  { key: GEN_AI.evaluationScoreLabel, rebuild: (c) => c.label ?? undefined },
  { key: GEN_AI.evaluationExplanation, rebuild: (c) => c.explanation ?? undefined },
  { key: ATTR.evaluationSpanId, rebuild: (c) => c.evaluated_span_id ?? undefined },
  { key: GEN_AI.responseId, rebuild: (c) => c.response_id ?? undefined },
];

/**
 * The judged-call columns of a score event's attributes: the span id when it is a valid lowercase
 * 16-hex id (stored as 8 bytes, rebuilt identically), the response id when it is a string.
 */
export function scoreEvaluates(attrs: AttributeMap): { evaluated_span_id: string | null; response_id: string | null } {
  const span = attrs[ATTR.evaluationSpanId];
  const response = attrs[GEN_AI.responseId];
  return {
    evaluated_span_id: typeof span === 'string' && /^[0-9a-f]{16}$/.test(span) ? span : null,
    response_id: typeof response === 'string' ? response : null,
  };
}

export interface Compacted {
  /** Bit mask of the left-out keys. */
  promoted: number;
  /** The other attributes as JSON, in their order; null when there are none. */
  rest: string | null;
}

type PromotedTable<C> = readonly { key: string; rebuild: (c: C) => AttributeValue | undefined }[];

/** Per promoted-key table, each key's bit (a key's membership tested without a set per row). */
const bitsOf = new WeakMap<PromotedTable<never>, Map<string, number>>();

function keyBits<C>(table: PromotedTable<C>): Map<string, number> {
  let bits = bitsOf.get(table);
  if (!bits) {
    bits = new Map(table.map((p, i) => [p.key, 1 << i]));
    bitsOf.set(table, bits);
  }
  return bits;
}

function compactWith<C>(attrs: AttributeMap, table: PromotedTable<C>, cols: C): Compacted {
  let promoted = 0;
  for (let i = 0; i < table.length; i++) {
    const p = table[i] as PromotedTable<C>[number];
    const v = attrs[p.key];
    // Strict equality: a numeric string, a boolean sent as text and -0 are not rebuilt.
    if (v !== undefined && Object.hasOwn(attrs, p.key) && v === p.rebuild(cols) && !Object.is(v, -0)) promoted |= 1 << i;
  }
  if (promoted === 0) return { promoted: 0, rest: Object.keys(attrs).length > 0 ? JSON.stringify(attrs) : null };
  const bits = keyBits(table);
  let rest: AttributeMap | null = null;
  for (const k of Object.keys(attrs)) {
    if (((bits.get(k) ?? 0) & promoted) !== 0) continue;
    rest ??= {};
    rest[k] = attrs[k] as AttributeValue;
  }
  return { promoted, rest: rest ? JSON.stringify(rest) : null };
}

function rebuildWith<C>(promoted: number, rest: string | null, table: readonly { key: string; rebuild: (c: C) => AttributeValue | undefined }[], cols: C): AttributeMap {
  const out: AttributeMap = {};
  table.forEach((p, i) => {
    if ((promoted & (1 << i)) === 0) return;
    const v = p.rebuild(cols);
    if (v !== undefined) out[p.key] = v;
  });
  if (rest) {
    const parsed = JSON.parse(rest) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(out, parsed as AttributeMap);
  }
  return out;
}

/** A span's attributes without the keys its columns hold. */
export function compactSpanAttributes(attrs: AttributeMap, cols: PromotedColumns): Compacted {
  return compactWith(attrs, SPAN_PROMOTED, cols);
}

/** The attributes exactly as received, from the mask, the stored remainder and the columns. */
export function rebuildSpanAttributes(promoted: number, rest: string | null, cols: PromotedColumns): AttributeMap {
  return rebuildWith(promoted, rest, SPAN_PROMOTED, cols);
}

export function compactScoreAttributes(attrs: AttributeMap, cols: ScoreColumns): Compacted {
  return compactWith(attrs, SCORE_PROMOTED, cols);
}

export function rebuildScoreAttributes(promoted: number, rest: string | null, cols: ScoreColumns): AttributeMap {
  return rebuildWith(promoted, rest, SCORE_PROMOTED, cols);
}

/**
 * One stored event: its time as an offset from the span start (ns; `t` holds the absolute time as
 * a decimal string when the offset is beyond 2^53), and either its name and attributes or `ref`,
 * the id of a shared string holding `{"name":…,"attributes":…}` (an event body that repeats).
 */
export interface StoredEvent {
  dt?: number;
  t?: string;
  name?: string;
  attributes?: AttributeMap;
  ref?: number;
}

/** The JSON of an event body (name and attributes), the form a shared string holds. */
export function eventBody(e: Pick<SpanEventRecord, 'name' | 'attributes'>): string {
  return JSON.stringify({ name: e.name, attributes: e.attributes });
}

/** The time fields of a stored event. */
export function eventTime(timeNs: bigint, startNs: bigint): Pick<StoredEvent, 'dt' | 't'> {
  const dt = timeNs - startNs;
  return dt >= BigInt(-Number.MAX_SAFE_INTEGER) && dt <= BigInt(Number.MAX_SAFE_INTEGER) ? { dt: Number(dt) } : { t: timeNs.toString() };
}

export function storedEventTimeNs(e: StoredEvent, startNs: bigint): bigint {
  if (typeof e.t === 'string' && /^-?\d+$/.test(e.t)) return BigInt(e.t);
  return startNs + BigInt(typeof e.dt === 'number' && Number.isSafeInteger(e.dt) ? e.dt : 0);
}

/** A score event taken out of the events list, with its position there. */
export interface ExtractedEvent {
  seq: number;
  event: SpanEventRecord;
}

/**
 * Puts the events list back together: the extracted (score) events at their positions, the
 * stored ones in their order in the gaps. A position past the end (a damaged row) appends.
 */
export function mergeEvents(kept: readonly SpanEventRecord[], extracted: readonly ExtractedEvent[]): SpanEventRecord[] {
  if (extracted.length === 0) return [...kept];
  const total = kept.length + extracted.length;
  const at = new Map<number, SpanEventRecord>();
  const late: SpanEventRecord[] = [];
  for (const x of [...extracted].sort((a, b) => a.seq - b.seq)) {
    if (x.seq >= 0 && x.seq < total && !at.has(x.seq)) at.set(x.seq, x.event);
    else late.push(x.event);
  }
  const out: SpanEventRecord[] = [];
  let k = 0;
  for (let i = 0; i < total; i++) {
    const x = at.get(i);
    if (x) out.push(x);
    else if (k < kept.length) out.push(kept[k++] as SpanEventRecord);
  }
  while (k < kept.length) out.push(kept[k++] as SpanEventRecord);
  return [...out, ...late];
}

const LINK_BYTES = 24;

/**
 * A span's links as stored (migration 179): the JSON of its links, or, when every link is only a
 * trace and span id (no attributes, the common case), their 16 + 8 bytes each, a quarter of the
 * JSON. Kept as JSON unless the bytes give back exactly the same JSON.
 */
export function compactLinks(json: string | null): string | Buffer | null {
  if (json === null) return null;
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return json;
  }
  if (!Array.isArray(list) || list.length === 0) return json;
  const parts: Buffer[] = [];
  for (const l of list as unknown[]) {
    const link = l as { traceId?: unknown; spanId?: unknown } | null;
    if (!link || typeof link.traceId !== 'string' || typeof link.spanId !== 'string' || !/^[0-9a-f]{32}$/.test(link.traceId) || !/^[0-9a-f]{16}$/.test(link.spanId)) return json;
    parts.push(Buffer.from(link.traceId, 'hex'), Buffer.from(link.spanId, 'hex'));
  }
  const bytes = Buffer.concat(parts);
  return linksJson(bytes) === json ? bytes : json;
}

/** The JSON of a span's stored links (either form of compactLinks). */
export function linksJson(stored: unknown): string | null {
  if (stored === null || stored === undefined) return null;
  if (!(stored instanceof Uint8Array)) return String(stored);
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const out: { traceId: string; spanId: string; attributes: AttributeMap }[] = [];
  for (let i = 0; i + LINK_BYTES <= b.length; i += LINK_BYTES) {
    out.push({ traceId: b.subarray(i, i + 16).toString('hex'), spanId: b.subarray(i + 16, i + LINK_BYTES).toString('hex'), attributes: {} });
  }
  return JSON.stringify(out);
}

const HEX = /^[0-9a-f]*$/;

/** Lowercase hex id -> bytes (ids are stored as 16- and 8-byte BLOBs). */
export function idBytes(hex: string): Buffer {
  if (hex.length % 2 !== 0 || !HEX.test(hex)) throw new Error(`not a lowercase hex id: ${hex}`);
  return Buffer.from(hex, 'hex');
}

/**
 * idBytes for an id its caller already checked as lowercase hex (the writer's validateSpan): one
 * pass instead of two, about 0.2 us an id. A character that is not a hex digit still throws (the
 * decoded length comes short); an uppercase digit would not, hence the caller's check.
 */
export function checkedIdBytes(hex: string): Buffer {
  const b = Buffer.from(hex, 'hex');
  if (b.length * 2 !== hex.length) throw new Error(`not a hex id: ${hex}`);
  return b;
}

/** Stored id -> lowercase hex (a TEXT id, as older rows might hold, is returned as it is). */
export function idHex(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return String(v);
}
