/**
 * One OTLP body from wire bytes to records, synchronously: gunzip within the decoded-size limit,
 * then the bounded decode. The decoder pool runs it in worker threads; it is also callable in
 * process (tests, tools), where it blocks the caller for as long as it takes.
 */
import zlib from 'node:zlib';
import type { ContentCoding } from './body';
import type { DecodeBounds } from './bounds';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './decode';
import { IngestError, badData } from './errors';
import type { IngestLimits } from './limits';
import type { DecodedLogs } from './map-logs';
import type { DecodedMetrics } from './map-metrics';
import type { DecodedTraces } from './map-traces';

export interface DecodeTask {
  signal: 'traces' | 'metrics' | 'logs';
  /** The request body as received (still compressed when coding is gzip). */
  body: Uint8Array;
  contentType: string;
  coding: ContentCoding;
  /** Largest body accepted after decompression (413 past it). */
  maxBodyBytes: number;
  limits?: Partial<IngestLimits> | undefined;
  bounds?: Partial<DecodeBounds> | undefined;
}

export type DecodeResult =
  | { signal: 'traces'; decoded: DecodedTraces }
  | { signal: 'metrics'; decoded: DecodedMetrics }
  | { signal: 'logs'; decoded: DecodedLogs };

/** Decompresses a gzip body, stopping (413) as soon as the output would pass `maxBytes`. */
export function gunzipBounded(raw: Uint8Array, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new IngestError(413, `decompressed request body exceeds the limit of ${maxBytes} bytes`);
    throw badData(`malformed gzip body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function runDecodeTask(task: DecodeTask): DecodeResult {
  const body = task.coding === 'gzip' ? gunzipBounded(task.body, task.maxBodyBytes) : task.body;
  const options = { limits: task.limits, bounds: task.bounds };
  if (task.signal === 'traces') return { signal: 'traces', decoded: decodeTraceRequest(body, task.contentType, options) };
  if (task.signal === 'logs') return { signal: 'logs', decoded: decodeLogsRequest(body, task.contentType, options) };
  return { signal: 'metrics', decoded: decodeMetricsRequest(body, task.contentType, options) };
}
