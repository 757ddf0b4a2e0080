/**
 * OTLP/JSON request bodies -> records. Strict UTF-8 and JSON.parse; the structure is then read by
 * the shared mappers with the JSON flavor (hex ids, 64-bit integers as strings or numbers).
 */
import { badData } from './errors';
import type { IngestLimits } from './limits';
import { mapMetricsRequest } from './map-metrics';
import type { DecodedMetrics } from './map-metrics';
import { mapLogsRequest } from './map-logs';
import type { DecodedLogs } from './map-logs';
import { mapTraceRequest } from './map-traces';
import type { DecodedTraces } from './map-traces';
import { JSON_FLAVOR } from './wire';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses a JSON body or throws IngestError(400) saying why. */
export function parseJsonBody(body: Uint8Array): unknown {
  // OTLP says an empty request is a success; an empty body is the emptiest request there is.
  if (body.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badData('malformed JSON body: not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // SyntaxError for bad JSON, RangeError for nesting deep enough to exhaust the stack.
    throw badData(`malformed JSON body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function decodeJsonTraces(body: Uint8Array, limits: IngestLimits): DecodedTraces {
  return mapTraceRequest(parseJsonBody(body), JSON_FLAVOR, limits);
}

export function decodeJsonMetrics(body: Uint8Array, limits: IngestLimits): DecodedMetrics {
  return mapMetricsRequest(parseJsonBody(body), JSON_FLAVOR, limits);
}

export function decodeJsonLogs(body: Uint8Array, limits: IngestLimits): DecodedLogs {
  return mapLogsRequest(parseJsonBody(body), JSON_FLAVOR, limits);
}
