/**
 * api/ingest: the OTLP/HTTP receiver (POST /v1/traces, /v1/metrics; JSON or protobuf; gzip) and
 * the decoders and name normalization behind it. Mount `createIngestRouter` before any body parser.
 */
export { createIngestRouter, DEFAULT_MAX_BODY_BYTES } from './router';
export { DecodePool, inlineDecoder } from './decode-pool';
export type { DecodePoolOptions, DecodePoolStats, IngestDecoder } from './decode-pool';
export { DEFAULT_DECODE_BOUNDS, checkJsonBounds, checkProtoBounds } from './bounds';
export type { DecodeBounds } from './bounds';
export { runDecodeTask } from './decode-task';
export type { DecodeResult, DecodeTask } from './decode-task';
export type { IngestRouterOptions } from './router';
export { decodeTraceRequest, decodeMetricsRequest, encodingOf, OTLP_MEDIA_TYPE } from './decode';
export type { DecodeOptions, OtlpEncoding } from './decode';
export type { DecodedTraces } from './map-traces';
export type { DecodedMetrics } from './map-metrics';
export { normalizeAttributes } from '../../store/conventions';
export { DEFAULT_INGEST_LIMITS } from './limits';
export type { IngestLimits } from './limits';
export { IngestError } from './errors';
export { OTLP_PROTO } from './proto';
