/**
 * Pure mapping from SDK spans to records (the store turns records into rows, store/span-rows.ts).
 * No I/O: tested without SQLite.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { HrTime } from '@opentelemetry/api';
import type { AttributeMap, SpanRecord } from '../schema/records';

export function hrTimeToNs(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

export function nsToHrTime(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/**
 * SDK attribute objects already hold only attribute values (the SDK sanitizes them on set), so
 * they are used as they are rather than copied: this is the exporter's hot path.
 */
function asAttributeMap(attrs: Readonly<Record<string, unknown>>): AttributeMap {
  return attrs as AttributeMap;
}

// Every span of a process shares one Resource object: convert it once.
const resourceMaps = new WeakMap<object, AttributeMap>();
function resourceMap(resource: ReadableSpan['resource']): AttributeMap {
  let map = resourceMaps.get(resource);
  if (!map) {
    map = { ...(resource.attributes as AttributeMap) };
    resourceMaps.set(resource, map);
  }
  return map;
}

/** SDK ReadableSpan -> SpanRecord. */
export function readableSpanToRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext?.spanId;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: span.name,
    kind: span.kind,
    startNs: hrTimeToNs(span.startTime),
    endNs: hrTimeToNs(span.endTime),
    statusCode: span.status.code,
    ...(span.status.message ? { statusMessage: span.status.message } : {}),
    attributes: asAttributeMap(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeNs: hrTimeToNs(e.time),
      attributes: asAttributeMap(e.attributes ?? {}),
    })),
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: asAttributeMap(l.attributes ?? {}),
    })),
    resource: resourceMap(span.resource),
    scopeName: span.instrumentationScope.name,
  };
}

