/**
 * OTLP/protobuf request bodies -> records. Traces, the hot path, are read straight from the wire
 * (proto-traces.ts); metrics and logs are decoded by protobufjs with our own message definitions
 * (proto.ts), then the shared mappers read the messages with the protobuf flavor.
 */
import type protobuf from 'protobufjs';
import { badData } from './errors';
import type { IngestLimits } from './limits';
import { mapMetricsRequest } from './map-metrics';
import type { DecodedMetrics } from './map-metrics';
import { mapLogsRequest } from './map-logs';
import type { DecodedLogs } from './map-logs';
import type { DecodedTraces } from './map-traces';
import { OTLP_PROTO } from './proto';
import { decodeTraceRequestProto } from './proto-traces';
import { PROTO_FLAVOR, field } from './wire';

function decode(type: protobuf.Type, body: Uint8Array, listName: string): Record<string, unknown> {
  let message: protobuf.Message;
  try {
    message = type.decode(body);
  } catch (err) {
    // Truncated input, bad wire types, or nesting deep enough to exhaust the stack.
    throw badData(`malformed protobuf body: ${err instanceof Error ? err.message : String(err)}`);
  }
  const decoded = message as unknown as Record<string, unknown>;
  const list = field(decoded, listName);
  // The wire format lets almost any byte string decode as "only unknown fields". A non-empty body
  // in which none of the request's one field was found is corrupt (or not OTLP), not a new version.
  if (body.length > 0 && (!Array.isArray(list) || list.length === 0))
    throw badData(`malformed protobuf body: no ${type.name}.${listName} found in ${body.length} bytes`);
  return decoded;
}

/** Same records, rejections and warnings as protobufjs + mapTraceRequest (proto-traces.test.ts). */
export function decodeProtoTraces(body: Uint8Array, limits: IngestLimits): DecodedTraces {
  return decodeTraceRequestProto(body, limits);
}

export function decodeProtoMetrics(body: Uint8Array, limits: IngestLimits): DecodedMetrics {
  return mapMetricsRequest(
    decode(OTLP_PROTO.ExportMetricsServiceRequest, body, 'resourceMetrics'),
    PROTO_FLAVOR,
    limits,
  );
}

export function decodeProtoLogs(body: Uint8Array, limits: IngestLimits): DecodedLogs {
  return mapLogsRequest(decode(OTLP_PROTO.ExportLogsServiceRequest, body, 'resourceLogs'), PROTO_FLAVOR, limits);
}
