/**
 * Bounds on what one OTLP request may put into the store. Over-long strings are truncated and
 * surplus attributes, events and links dropped (reported, never silent), so one noisy sender
 * cannot bloat the database or the server's memory.
 */

export interface IngestLimits {
  /** Characters kept per string attribute value (longer strings are truncated). */
  maxStringLength: number;
  /** Characters allowed in an attribute key (longer keys drop the attribute); span names are cut to it. */
  maxKeyLength: number;
  /** Attributes kept per span, event, link, data point or resource. */
  maxAttributes: number;
  /** Nesting levels of array / key-value list values kept (deeper values become null). */
  maxValueDepth: number;
  /** Elements kept per array or key-value list value. */
  maxArrayLength: number;
  /** Events kept per span. */
  maxEventsPerSpan: number;
  /** Links kept per span. */
  maxLinksPerSpan: number;
}

/** 8 KiB strings, and the SDK's own default of 128 attributes, events and links. */
export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxStringLength: 8192,
  maxKeyLength: 1024,
  maxAttributes: 128,
  maxValueDepth: 8,
  maxArrayLength: 1024,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
});

export function resolveLimits(partial?: Partial<IngestLimits>): IngestLimits {
  return { ...DEFAULT_INGEST_LIMITS, ...partial };
}
