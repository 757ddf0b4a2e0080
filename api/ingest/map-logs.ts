/**
 * ExportLogsServiceRequest (JSON mapping or decoded protobuf) -> LogRecordRecords. A record with
 * neither a time nor an observed time, or with malformed trace context, is rejected and counted for
 * the partial-success answer; the rest is kept as sent. Interpreting records (evaluation results
 * become scores) is the store's job, so both encodings and every sender meet one rule.
 */
import { anyValueOf, attributesOf, truncate } from './attributes';
import type { AttributeContext } from './attributes';
import { walkEnvelope } from './envelope';
import { IngestIssues } from './issues';
import type { IngestLimits } from './limits';
import { validId, validTime } from './map-traces';
import { field } from './wire';
import type { WireFlavor, WireObject } from './wire';
import type { AttributeMap, LogRecordRecord } from '../../schema/records';

export interface DecodedLogs {
  records: LogRecordRecord[];
  /** Records refused by the decoder (the writer may refuse more). */
  rejected: number;
  warnings: string[];
}

/** The attribute older senders put the event name in, before LogRecord.event_name existed. */
const EVENT_NAME_ATTRIBUTE = 'event.name';

function mapRecord(
  r: WireObject,
  resource: AttributeMap,
  scopeName: string | undefined,
  ctx: AttributeContext,
): LogRecordRecord | string {
  const f = ctx.flavor;
  const time = f.u64(field(r, 'timeUnixNano'));
  const observed = f.u64(field(r, 'observedTimeUnixNano'));
  if (time === null || observed === null) return 'invalid timeUnixNano or observedTimeUnixNano';
  // The spec: time is optional (0 = unknown), the observed time is set by the first collector.
  const timeNs = validTime(time) ? time : validTime(observed) ? observed : null;
  if (timeNs === null) return 'log record with neither timeUnixNano nor observedTimeUnixNano';

  const traceId = f.id(field(r, 'traceId'));
  const spanId = f.id(field(r, 'spanId'));
  // Empty ids mean "no context"; anything else must be a valid id.
  const hasTrace = traceId !== undefined && traceId !== '' && !/^0+$/.test(traceId ?? '');
  const hasSpan = spanId !== undefined && spanId !== '' && !/^0+$/.test(spanId ?? '');
  if (hasTrace && !validId(traceId, 16)) return 'invalid traceId (must be 16 bytes, hex in JSON)';
  if (hasSpan && !validId(spanId, 8)) return 'invalid spanId (must be 8 bytes, hex in JSON)';
  if (hasSpan && !hasTrace) return 'spanId without a traceId';

  const severity = f.int(field(r, 'severityNumber'));
  if (severity === null || (severity !== undefined && (severity < 0 || severity > 24)))
    return 'invalid severityNumber (must be 0..24)';
  const severityText = f.str(field(r, 'severityText'));
  const label = 'log record';
  const attributes = attributesOf(field(r, 'attributes'), ctx, label);
  const named = f.str(field(r, 'eventName'));
  const legacyName = attributes[EVENT_NAME_ATTRIBUTE];
  const eventName =
    typeof named === 'string' && named.length > 0
      ? named
      : typeof legacyName === 'string' && legacyName.length > 0
        ? legacyName
        : undefined;
  const { maxKeyLength } = ctx.limits;
  return {
    timeNs,
    ...(validTime(observed) ? { observedNs: observed } : {}),
    ...(hasTrace ? { traceId: traceId as string } : {}),
    ...(hasSpan ? { spanId: spanId as string } : {}),
    severityNumber: severity ?? 0,
    ...(typeof severityText === 'string' && severityText.length > 0
      ? { severityText: truncate(severityText, maxKeyLength) }
      : {}),
    ...(eventName !== undefined ? { eventName: truncate(eventName, maxKeyLength) } : {}),
    body: anyValueOf(field(r, 'body'), ctx, `${label} body`),
    attributes,
    resource,
    ...(scopeName ? { scopeName } : {}),
  };
}

/** Maps a whole request. Throws IngestError(400) when its structure is not OTLP. */
export function mapLogsRequest(request: unknown, flavor: WireFlavor, limits: IngestLimits): DecodedLogs {
  const issues = new IngestIssues();
  const ctx: AttributeContext = { flavor, limits, issues };
  const records: LogRecordRecord[] = [];
  walkEnvelope(
    request,
    { request: 'ExportLogsServiceRequest', resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords', item: 'log record' },
    ctx,
    (r, resource, scopeName) => {
      const mapped = mapRecord(r, resource, scopeName, ctx);
      if (typeof mapped === 'string') issues.reject(mapped, 'log record');
      else records.push(mapped);
    },
  );
  return { records, rejected: issues.rejected, warnings: issues.messages() };
}
