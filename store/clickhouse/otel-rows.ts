/**
 * Pure mapping between genscope's SpanRecord and a row of the Collector clickhouseexporter's
 * `otel_traces` (Map or JSON attribute variant). Writing: the fixture writer and genscope's own
 * OTLP ingest produce rows in exactly the exporter's shape. Reading: the extractor turns rows back
 * into SpanRecords so one mapping (exporter spanRecordToRows) feeds both stores.
 */
import type { AttributeMap, AttributeValue, SpanRecord } from '../../schema/records';
import type { TracesVariant } from './ddl';

/** The exporter's span kind and status names (ptrace's String()), by OTel JS enum value. */
const KIND_NAMES = ['Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_NAMES = ['Unset', 'Ok', 'Error'] as const;

export interface OtelTraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, AttributeValue>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, AttributeValue>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, AttributeValue>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, AttributeValue>[];
  ResourceAttributesKeys?: string[];
  SpanAttributesKeys?: string[];
}

/**
 * The Map variant stores every value as a string, as the exporter does (pcommon Value.AsString:
 * numbers and booleans in decimal / true|false, arrays and maps as JSON).
 */
export function stringValue(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function attrsFor(variant: TracesVariant, attrs: AttributeMap): Record<string, AttributeValue> {
  if (variant === 'json') return attrs;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = stringValue(v);
  return out;
}

/** SpanRecord -> the exporter's otel_traces row. */
export function spanRecordToOtelRow(s: SpanRecord, variant: TracesVariant): OtelTraceRow {
  const service = s.resource['service.name'];
  const row: OtelTraceRow = {
    Timestamp: s.startNs.toString(),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId ?? '',
    TraceState: '',
    SpanName: s.name,
    SpanKind: KIND_NAMES[s.kind] ?? 'Unspecified',
    ServiceName: typeof service === 'string' ? service : '',
    ResourceAttributes: attrsFor(variant, s.resource),
    ScopeName: s.scopeName ?? '',
    ScopeVersion: '',
    SpanAttributes: attrsFor(variant, s.attributes),
    Duration: (s.endNs > s.startNs ? s.endNs - s.startNs : 0n).toString(),
    StatusCode: STATUS_NAMES[s.statusCode] ?? 'Unset',
    StatusMessage: s.statusMessage ?? '',
    'Events.Timestamp': s.events.map((e) => e.timeNs.toString()),
    'Events.Name': s.events.map((e) => e.name),
    'Events.Attributes': s.events.map((e) => attrsFor(variant, e.attributes)),
    'Links.TraceId': s.links.map((l) => l.traceId),
    'Links.SpanId': s.links.map((l) => l.spanId),
    'Links.TraceState': s.links.map(() => ''),
    'Links.Attributes': s.links.map((l) => attrsFor(variant, l.attributes)),
  };
  if (variant === 'json') {
    row.ResourceAttributesKeys = Object.keys(s.resource);
    row.SpanAttributesKeys = Object.keys(s.attributes);
  }
  return row;
}

/** What the extractor selects from otel_traces: times as decimal ns strings, attributes as JSON text. */
export interface OtelReadRow {
  start_ns: string;
  duration_ns: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ResourceAttributes: string;
  ScopeName: string;
  SpanAttributes: string;
  StatusCode: string;
  StatusMessage: string;
  event_ns: string[];
  event_names: string[];
  event_attrs: string[];
  link_trace_ids: string[];
  link_span_ids: string[];
  link_attrs: string[];
}

const CANONICAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?(e[+-]?\d+)?$/i;

/**
 * A Map-variant string back to the value it most likely was: the exporter flattened types to
 * text, and genscope's mapping reads numbers and booleans (tokens, cost, cache hit). Only
 * canonical forms are revived ("12" but not "012"), so identifiers keep their text.
 */
export function reviveString(v: string): AttributeValue {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (CANONICAL_NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  if ((v.startsWith('[') && v.endsWith(']')) || (v.startsWith('{') && v.endsWith('}'))) {
    try {
      return JSON.parse(v) as AttributeValue;
    } catch {
      return v;
    }
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON-variant attributes come back nested by their dots; flatten to the original dotted keys. */
function flatten(obj: Record<string, unknown>, prefix: string, out: AttributeMap): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, key, out);
    else out[key] = v as AttributeValue;
  }
}

/** Attribute text as selected (toJSONString of a Map or of a JSON column) -> AttributeMap. */
export function parseAttributes(text: string, variant: TracesVariant): AttributeMap {
  if (text === '' || text === '{}') return {};
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const out: AttributeMap = {};
  if (variant === 'json') {
    flatten(parsed, '', out);
    return out;
  }
  for (const [k, v] of Object.entries(parsed))
    out[k] = typeof v === 'string' ? reviveString(v) : (v as AttributeValue);
  return out;
}

function kindNumber(name: string): number {
  const n = name.replace(/^SPAN_KIND_/, '').toLowerCase();
  const i = KIND_NAMES.findIndex((k) => k.toLowerCase() === n);
  return i < 0 ? 0 : i;
}

function statusNumber(name: string): number {
  const n = name.replace(/^STATUS_CODE_/, '').toLowerCase();
  const i = STATUS_NAMES.findIndex((k) => k.toLowerCase() === n);
  return i < 0 ? 0 : i;
}

/** A selected otel_traces row -> SpanRecord. */
export function otelRowToSpanRecord(r: OtelReadRow, variant: TracesVariant): SpanRecord {
  const startNs = BigInt(r.start_ns);
  const record: SpanRecord = {
    traceId: r.TraceId,
    spanId: r.SpanId,
    name: r.SpanName,
    kind: kindNumber(r.SpanKind),
    startNs,
    endNs: startNs + BigInt(r.duration_ns),
    statusCode: statusNumber(r.StatusCode),
    attributes: parseAttributes(r.SpanAttributes, variant),
    events: r.event_names.map((name, i) => ({
      name,
      timeNs: BigInt(r.event_ns[i] ?? r.start_ns),
      attributes: parseAttributes(r.event_attrs[i] ?? '{}', variant),
    })),
    links: r.link_trace_ids.map((traceId, i) => ({
      traceId,
      spanId: r.link_span_ids[i] ?? '',
      attributes: parseAttributes(r.link_attrs[i] ?? '{}', variant),
    })),
    resource: parseAttributes(r.ResourceAttributes, variant),
  };
  if (r.ParentSpanId) record.parentSpanId = r.ParentSpanId;
  if (r.StatusMessage) record.statusMessage = r.StatusMessage;
  if (r.ScopeName) record.scopeName = r.ScopeName;
  return record;
}

/**
 * The SELECT list that produces OtelReadRow from either variant (column names only: no values).
 * toJSONString of a Map(String, String) gives {"k":"v"}; of a JSON column, its nested object.
 */
export function otelReadColumns(): string {
  return `toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns, toString(Duration) AS duration_ns,
    TraceId, SpanId, ParentSpanId, SpanName, SpanKind, toJSONString(ResourceAttributes) AS ResourceAttributes, ScopeName,
    toJSONString(SpanAttributes) AS SpanAttributes, StatusCode, StatusMessage,
    arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_ns, Events.Name AS event_names,
    arrayMap(a -> toJSONString(a), Events.Attributes) AS event_attrs,
    Links.TraceId AS link_trace_ids, Links.SpanId AS link_span_ids, arrayMap(a -> toJSONString(a), Links.Attributes) AS link_attrs`;
}
