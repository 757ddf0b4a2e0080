/**
 * Decoding an OTLP/HTTP body by its Content-Type. Used by the router, and usable on its own
 * (e.g. to import a file of OTLP JSON). The body must already be decompressed.
 */
import { DEFAULT_DECODE_BOUNDS, checkJsonBounds, checkProtoBounds } from './bounds';
import type { DecodeBounds } from './bounds';
import { decodeJsonLogs, decodeJsonMetrics, decodeJsonTraces } from './decode-json';
import { decodeProtoLogs, decodeProtoMetrics, decodeProtoTraces } from './decode-proto';
import { IngestError } from './errors';
import { resolveLimits } from './limits';
import type { IngestLimits } from './limits';
import type { DecodedLogs } from './map-logs';
import type { DecodedMetrics } from './map-metrics';
import type { DecodedTraces } from './map-traces';
import { OTLP_PROTO } from './proto';
import type { Type } from 'protobufjs';

export type OtlpEncoding = 'json' | 'protobuf';

/** The media types OTLP/HTTP defines. */
export const OTLP_MEDIA_TYPE: Readonly<Record<OtlpEncoding, string>> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
};

/** The encoding a Content-Type header names (parameters such as charset ignored), or null. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const media = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (media === OTLP_MEDIA_TYPE.json) return 'json';
  if (media === OTLP_MEDIA_TYPE.protobuf) return 'protobuf';
  return null;
}

export interface DecodeOptions {
  limits?: Partial<IngestLimits>;
  /** Bounds on the work of decoding (elements, depth); checked before anything is built. */
  bounds?: Partial<DecodeBounds>;
}

function requireEncoding(contentType: string): OtlpEncoding {
  const encoding = encodingOf(contentType);
  if (encoding === null)
    throw new IngestError(
      415,
      `unsupported Content-Type "${contentType}": use application/json or application/x-protobuf`,
    );
  return encoding;
}

/** The encoding of a body that fits the bounds (413 / 400 otherwise, before any allocation). */
function boundedEncoding(
  body: Uint8Array,
  contentType: string,
  request: Type,
  options: DecodeOptions,
): OtlpEncoding {
  const encoding = requireEncoding(contentType);
  const bounds = { ...DEFAULT_DECODE_BOUNDS, ...options.bounds };
  if (encoding === 'json') checkJsonBounds(body, bounds);
  else checkProtoBounds(body, request, bounds);
  return encoding;
}

/**
 * An ExportTraceServiceRequest body -> spans, plus the count and reasons of spans rejected.
 * Throws IngestError: 400 for a body that cannot be decoded, 413 for one past the decode bounds,
 * 415 for another content type.
 */
export function decodeTraceRequest(
  body: Uint8Array,
  contentType: string,
  options: DecodeOptions = {},
): DecodedTraces {
  const limits = resolveLimits(options.limits);
  return boundedEncoding(body, contentType, OTLP_PROTO.ExportTraceServiceRequest, options) === 'json'
    ? decodeJsonTraces(body, limits)
    : decodeProtoTraces(body, limits);
}

/** An ExportMetricsServiceRequest body -> metric points; errors as decodeTraceRequest. */
export function decodeMetricsRequest(
  body: Uint8Array,
  contentType: string,
  options: DecodeOptions = {},
): DecodedMetrics {
  const limits = resolveLimits(options.limits);
  return boundedEncoding(body, contentType, OTLP_PROTO.ExportMetricsServiceRequest, options) === 'json'
    ? decodeJsonMetrics(body, limits)
    : decodeProtoMetrics(body, limits);
}

/** An ExportLogsServiceRequest body -> log records; errors as decodeTraceRequest. */
export function decodeLogsRequest(
  body: Uint8Array,
  contentType: string,
  options: DecodeOptions = {},
): DecodedLogs {
  const limits = resolveLimits(options.limits);
  return boundedEncoding(body, contentType, OTLP_PROTO.ExportLogsServiceRequest, options) === 'json'
    ? decodeJsonLogs(body, limits)
    : decodeProtoLogs(body, limits);
}
