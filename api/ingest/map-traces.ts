/**
 * ExportTraceServiceRequest (JSON mapping or decoded protobuf) -> SpanRecords. A span that breaks
 * the OTLP rules (bad ids, no name, no start, end before start, unknown kind or status) is
 * rejected and counted for the partial-success answer; everything else is kept. A request whose
 * outer structure is wrong throws a 400, since its spans cannot even be counted.
 */
import { attributesOf, truncate } from './attributes';
import type { AttributeContext } from './attributes';
import { walkEnvelope } from './envelope';
import { IngestIssues } from './issues';
import type { IngestLimits } from './limits';
import { applyGenAiConventions } from '../../store/conventions';
import { field, isWireObject, objectField } from './wire';
import type { WireFlavor, WireObject } from './wire';
import type { AttributeMap, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../../schema/records';

export interface DecodedTraces {
  spans: SpanRecord[];
  /** Spans refused by the decoder (the writer may refuse more). */
  rejected: number;
  /** Why, grouped by reason; also truncation and drop notices. */
  warnings: string[];
}

/** Timestamps are stored in a signed 64-bit SQLite INTEGER. */
const MAX_NS = (1n << 63n) - 1n;

export function validId(hex: string | null | undefined, bytes: number): hex is string {
  return typeof hex === 'string' && hex.length === bytes * 2 && !/^0+$/.test(hex);
}

/** A required fixed64 timestamp: > 0 and storable. */
export function validTime(ns: bigint | null | undefined): ns is bigint {
  return typeof ns === 'bigint' && ns > 0n && ns <= MAX_NS;
}

export function spanLabel(name: unknown): string {
  return typeof name === 'string' && name.length > 0 ? `span "${name}"` : 'unnamed span';
}

/** Why a span is refused: one wording for every decoder (this mapper and proto-traces.ts). */
export const SPAN_REJECTS = {
  traceId: 'invalid traceId (must be 16 bytes, hex in JSON, not all zero)',
  spanId: 'invalid spanId (must be 8 bytes, hex in JSON, not all zero)',
  parentSpanId: 'invalid parentSpanId (must be 8 bytes or empty)',
  name: 'missing span name',
  kind: 'invalid span kind (must be 0..5)',
  start: 'missing or invalid startTimeUnixNano',
  end: 'missing or invalid endTimeUnixNano',
  order: 'endTimeUnixNano before startTimeUnixNano',
  status: 'invalid status code (must be 0..2)',
} as const;

/** The warnings of a kept span whose name or status message is cut to the limits. */
export function warnTruncations(issues: IngestIssues, limits: IngestLimits, name: string, statusMessage: unknown, label: string): void {
  if (name.length > limits.maxKeyLength) issues.warn(`span name truncated to ${limits.maxKeyLength} characters`, label);
  if (typeof statusMessage === 'string' && statusMessage.length > limits.maxStringLength)
    issues.warn(`status message truncated to ${limits.maxStringLength} characters`, label);
}

/** OTLP SpanKind (0 unspecified, 1 internal .. 5 consumer) -> API SpanKind (0 internal .. 4 consumer). */
function apiKind(otlp: number | null | undefined): number | null {
  if (otlp === undefined || otlp === 0) return 0;
  if (typeof otlp === 'number' && otlp >= 1 && otlp <= 5) return otlp - 1;
  return null;
}

function mapEvents(list: unknown, ctx: AttributeContext, label: string): SpanEventRecord[] {
  const f = ctx.flavor;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    ctx.issues.warn('events field is not a list; ignored', label);
    return [];
  }
  const max = ctx.limits.maxEventsPerSpan;
  if (list.length > max) ctx.issues.warn(`events over the limit of ${max} per span dropped`, label);
  const out: SpanEventRecord[] = [];
  for (const e of list.slice(0, max)) {
    if (!isWireObject(e)) {
      ctx.issues.warn('malformed span event dropped', label);
      continue;
    }
    const timeNs = f.u64(field(e, 'timeUnixNano'));
    const name = f.str(field(e, 'name'));
    if (!validTime(timeNs) || typeof name !== 'string' || name.length === 0) {
      ctx.issues.warn('span event without a name or a valid timeUnixNano dropped', label);
      continue;
    }
    out.push({ name, timeNs, attributes: attributesOf(field(e, 'attributes'), ctx, `event "${name}"`) });
  }
  return out;
}

function mapLinks(list: unknown, ctx: AttributeContext, label: string): SpanLinkRecord[] {
  const f = ctx.flavor;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    ctx.issues.warn('links field is not a list; ignored', label);
    return [];
  }
  const max = ctx.limits.maxLinksPerSpan;
  if (list.length > max) ctx.issues.warn(`links over the limit of ${max} per span dropped`, label);
  const out: SpanLinkRecord[] = [];
  for (const l of list.slice(0, max)) {
    const traceId = isWireObject(l) ? f.id(field(l, 'traceId')) : null;
    const spanId = isWireObject(l) ? f.id(field(l, 'spanId')) : null;
    if (!isWireObject(l) || !validId(traceId, 16) || !validId(spanId, 8)) {
      ctx.issues.warn('span link with an invalid traceId or spanId dropped', label);
      continue;
    }
    out.push({ traceId, spanId, attributes: attributesOf(field(l, 'attributes'), ctx, `link of ${label}`) });
  }
  return out;
}

/** One span, or the reason it is rejected. */
function mapSpan(
  s: WireObject,
  resource: AttributeMap,
  scopeName: string | undefined,
  ctx: AttributeContext,
): SpanRecord | string {
  const f = ctx.flavor;
  const traceId = f.id(field(s, 'traceId'));
  if (!validId(traceId, 16)) return SPAN_REJECTS.traceId;
  const spanId = f.id(field(s, 'spanId'));
  if (!validId(spanId, 8)) return SPAN_REJECTS.spanId;
  const parent = f.id(field(s, 'parentSpanId'));
  if (parent === null || (parent !== undefined && parent.length !== 16))
    return SPAN_REJECTS.parentSpanId;
  const name = f.str(field(s, 'name'));
  if (typeof name !== 'string' || name.length === 0) return SPAN_REJECTS.name;
  const kind = apiKind(f.int(field(s, 'kind')));
  if (kind === null) return SPAN_REJECTS.kind;
  const startNs = f.u64(field(s, 'startTimeUnixNano'));
  if (!validTime(startNs)) return SPAN_REJECTS.start;
  const endNs = f.u64(field(s, 'endTimeUnixNano'));
  if (!validTime(endNs)) return SPAN_REJECTS.end;
  if (endNs < startNs) return SPAN_REJECTS.order;

  const status = objectField(s, 'status');
  if (status === null) return 'status must be an object';
  const statusCode = status ? f.int(field(status, 'code')) : undefined;
  if (statusCode !== undefined && (statusCode === null || statusCode < 0 || statusCode > 2))
    return SPAN_REJECTS.status;
  const statusMessage = status ? f.str(field(status, 'message')) : undefined;

  const label = `span "${name}"`;
  const { maxKeyLength, maxStringLength } = ctx.limits;
  warnTruncations(ctx.issues, ctx.limits, name, statusMessage, label);
  const record: SpanRecord = {
    traceId,
    spanId,
    ...(parent !== undefined && !/^0+$/.test(parent) ? { parentSpanId: parent } : {}),
    name: truncate(name, maxKeyLength),
    kind,
    startNs,
    endNs,
    statusCode: statusCode ?? 0,
    ...(typeof statusMessage === 'string' && statusMessage.length > 0
      ? { statusMessage: truncate(statusMessage, maxStringLength) }
      : {}),
    attributes: attributesOf(field(s, 'attributes'), ctx, label),
    events: mapEvents(field(s, 'events'), ctx, label),
    links: mapLinks(field(s, 'links'), ctx, label),
    resource,
    ...(scopeName ? { scopeName } : {}),
  };
  return record;
}

/** Maps a whole request. Throws IngestError(400) when its structure is not OTLP. */
export function mapTraceRequest(request: unknown, flavor: WireFlavor, limits: IngestLimits): DecodedTraces {
  const decoded = mapTraceRequestAsSent(request, flavor, limits);
  applyGenAiConventions(decoded.spans);
  return decoded;
}

/**
 * The spans as sent, before the GenAI conventions (what a Collector stores in otel_traces; the
 * ClickHouse extractor applies the conventions when it reads them).
 */
export function mapTraceRequestAsSent(request: unknown, flavor: WireFlavor, limits: IngestLimits): DecodedTraces {
  const issues = new IngestIssues();
  const ctx: AttributeContext = { flavor, limits, issues };
  const spans: SpanRecord[] = [];
  walkEnvelope(
    request,
    { request: 'ExportTraceServiceRequest', resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans', item: 'span' },
    ctx,
    (s, resource, scopeName) => {
      const mapped = mapSpan(s, resource, scopeName, ctx);
      if (typeof mapped === 'string') issues.reject(mapped, spanLabel(field(s, 'name')));
      else spans.push(mapped);
    },
  );
  return { spans, rejected: issues.rejected, warnings: issues.messages() };
}
