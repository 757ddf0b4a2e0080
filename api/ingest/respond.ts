/**
 * OTLP/HTTP response bodies, in the request's encoding: Export*ServiceResponse on success (with
 * partial_success when something was rejected or truncated), google.rpc.Status on failure.
 */
import type { OtlpEncoding } from './decode';
import { OTLP_MEDIA_TYPE } from './decode';
import { OTLP_PROTO } from './proto';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface ResponseBody {
  contentType: string;
  body: Buffer;
}

/**
 * The OTLP spec bounds responses (4 MiB recommended) and asks servers to shorten the diagnostic
 * message rather than fail; ours are grouped by reason already, this is the last guard.
 */
const MAX_MESSAGE_CHARS = 4096;

function clipMessage(message: string): string {
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 3)}...` : message;
}

/** The partial-success field counting what was refused, per signal (OTLP collector services). */
const REJECTED_FIELD: Readonly<Record<Signal, string>> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

const RESPONSE_TYPE = {
  traces: OTLP_PROTO.ExportTraceServiceResponse,
  metrics: OTLP_PROTO.ExportMetricsServiceResponse,
  logs: OTLP_PROTO.ExportLogsServiceResponse,
} as const;

/** 200 body: full success when nothing was rejected and there is nothing to say. */
export function successBody(
  signal: Signal,
  encoding: OtlpEncoding,
  rejected: number,
  messages: readonly string[],
): ResponseBody {
  const contentType = OTLP_MEDIA_TYPE[encoding];
  const errorMessage = clipMessage(messages.join('; '));
  // The spec: leave partial_success unset on full success; set it (rejected may be 0) to warn.
  const partial = rejected > 0 || errorMessage.length > 0;
  const rejectedField = REJECTED_FIELD[signal];
  if (encoding === 'json') {
    // int64 is a decimal string in the proto3 JSON mapping.
    const payload = partial ? { partialSuccess: { [rejectedField]: String(rejected), errorMessage } } : {};
    return { contentType, body: Buffer.from(JSON.stringify(payload)) };
  }
  const type = RESPONSE_TYPE[signal];
  const message = type.fromObject(
    partial ? { partialSuccess: { [rejectedField]: rejected, errorMessage } } : {},
  );
  return { contentType, body: Buffer.from(type.encode(message).finish()) };
}

/** gRPC status codes for the HTTP statuses ingest answers with (the spec lets clients ignore them). */
function grpcCode(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 405:
      return 12; // UNIMPLEMENTED
    case 413:
    case 429:
    case 507:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

/** 4xx/5xx body: a google.rpc.Status with the code and a developer-facing message. */
export function statusBody(encoding: OtlpEncoding, httpStatus: number, message: string): ResponseBody {
  const contentType = OTLP_MEDIA_TYPE[encoding];
  const status = { code: grpcCode(httpStatus), message: clipMessage(message) };
  if (encoding === 'json') return { contentType, body: Buffer.from(JSON.stringify(status)) };
  const type = OTLP_PROTO.RpcStatus;
  return { contentType, body: Buffer.from(type.encode(type.fromObject(status)).finish()) };
}
