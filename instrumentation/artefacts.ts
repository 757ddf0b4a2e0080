/**
 * Artefacts: what a stage read and produced (prompt, response, code, renders), attached to the
 * active span as a `genscope.artefact` event whose attributes carry the content (text as it is,
 * bytes in base64), so it goes wherever the span goes: the SQLite store and OTLP alike.
 *
 * Bounded, never required: an artefact past `maxBytes` is truncated with a marker when it is text
 * and skipped when it is bytes (a cut image is no image); once a run's artefacts reach
 * `maxRunBytes` further ones in that run are skipped. Nothing throws: the outcome is returned and
 * counted (artefactStats()).
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { ARTEFACT, EVENT } from '../schema/names';

export interface ArtefactLimits {
  /** Bytes of one artefact's content (UTF-8 text or raw bytes). Default 256 KiB. */
  maxBytes: number;
  /** Bytes of all artefacts of one run together. Default 1 MiB. */
  maxRunBytes: number;
}

export const DEFAULT_ARTEFACT_LIMITS: Readonly<ArtefactLimits> = { maxBytes: 256 * 1024, maxRunBytes: 1024 * 1024 };

export interface ArtefactOptions {
  /** Default: text/plain; charset=utf-8 for a string, application/octet-stream for bytes. */
  mediaType?: string;
}

export type ArtefactOutcome = 'recorded' | 'truncated' | 'skipped';

export interface ArtefactStats {
  recorded: number;
  truncated: number;
  /** Not recorded: bytes past maxBytes, the run's budget spent, no active span, or artefacts off. */
  skipped: number;
}

/** The marker that ends a truncated text artefact. */
export function truncationMarker(keptBytes: number, originalBytes: number): string {
  return `\n[genscope: truncated, ${keptBytes} of ${originalBytes} bytes kept]`;
}

/** The longest prefix of text within maxBytes of UTF-8 that does not cut a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

function validLimit(name: string, n: number): number {
  if (!Number.isFinite(n) || n < 0) throw new Error(`artefacts.${name} must be a number of bytes >= 0 (got ${String(n)})`);
  return Math.floor(n);
}

/** Counts and bounds; one per Telemetry, shared by its pipelines. */
export class ArtefactRecorder {
  readonly stats: ArtefactStats = { recorded: 0, truncated: 0, skipped: 0 };
  readonly limits: ArtefactLimits;

  /** `false` turns artefacts off (every call is skipped and counted). */
  constructor(limits: Partial<ArtefactLimits> | false = {}) {
    this.enabled = limits !== false;
    const l = limits === false ? {} : limits;
    this.limits = {
      maxBytes: validLimit('maxBytes', l.maxBytes ?? DEFAULT_ARTEFACT_LIMITS.maxBytes),
      maxRunBytes: validLimit('maxRunBytes', l.maxRunBytes ?? DEFAULT_ARTEFACT_LIMITS.maxRunBytes),
    };
  }

  private readonly enabled: boolean;

  /**
   * Adds the artefact event to span. `run` is the run's byte budget (shared by its spans), when
   * the span is inside a run.
   */
  record(
    span: Span | undefined,
    run: { artefactBytes: number } | undefined,
    name: string,
    content: string | Uint8Array,
    options: ArtefactOptions,
    timeNs: bigint,
    toHrTime: (ns: bigint) => [number, number],
  ): ArtefactOutcome {
    if (!this.enabled || span === undefined || !span.isRecording() || typeof name !== 'string' || name.length === 0) {
      this.stats.skipped++;
      return 'skipped';
    }
    const isText = typeof content === 'string';
    const originalBytes = isText ? Buffer.byteLength(content, 'utf8') : content.byteLength;
    const spent = run?.artefactBytes ?? 0;
    const room = Math.min(this.limits.maxBytes, this.limits.maxRunBytes - spent);
    let text: string | undefined;
    let truncated = false;
    if (originalBytes > room) {
      const marker = isText ? truncationMarker(0, originalBytes) : '';
      // Bytes are all or nothing; text is cut when the marker and something of the text fit.
      if (!isText || room <= Buffer.byteLength(marker, 'utf8') + 16 || originalBytes <= this.limits.maxBytes) {
        this.stats.skipped++;
        return 'skipped';
      }
      const reserve = Buffer.byteLength(truncationMarker(room, originalBytes), 'utf8');
      const kept = utf8Prefix(content, room - reserve);
      text = kept + truncationMarker(Buffer.byteLength(kept, 'utf8'), originalBytes);
      truncated = true;
    } else if (isText) text = content;
    const attrs: Attributes = {
      [ARTEFACT.name]: name,
      [ARTEFACT.mediaType]: options.mediaType ?? (isText ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
      [ARTEFACT.encoding]: isText ? 'utf-8' : 'base64',
      [ARTEFACT.content]: text ?? Buffer.from(content as Uint8Array).toString('base64'),
      [ARTEFACT.originalBytes]: originalBytes,
    };
    if (truncated) attrs[ARTEFACT.truncated] = true;
    span.addEvent(EVENT.artefact, attrs, toHrTime(timeNs));
    if (run) run.artefactBytes += text !== undefined ? Buffer.byteLength(text, 'utf8') : originalBytes;
    if (truncated) this.stats.truncated++;
    else this.stats.recorded++;
    return truncated ? 'truncated' : 'recorded';
  }
}
