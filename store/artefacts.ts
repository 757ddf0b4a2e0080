/**
 * Artefacts in the store: the genscope.artefact events of a span (instrumentation/artefacts.ts,
 * or any OTLP sender using the same names) -> artefact rows. Pure: the writer stores the rows and
 * keeps the events without their content (same positions, so score events keep their `seq`).
 * An event whose description the row holds exactly (migration 176: name, media type, encoding,
 * original bytes, truncated, time) is not kept in spans.events at all: it is rebuilt from the row
 * on read, like score events from scores. Each distinct content is stored once (artefact_blobs,
 * by hash); text is gzipped when that makes it smaller, images stay the PNG bytes they are.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { ARTEFACT, EVENT } from '../schema/names';
import type { AttributeMap, AttributeValue, SpanEventRecord } from '../schema/records';

/** The store's own bound on one artefact's decoded content (producers have theirs, smaller). */
export const DEFAULT_STORE_MAX_ARTEFACT_BYTES = 4 * 1024 * 1024;

export type ArtefactKind = 'text' | 'image' | 'binary';

export interface ArtefactRow {
  name: string;
  kind: ArtefactKind;
  media_type: string;
  bytes: number;
  original_bytes: number;
  truncated: number;
  /** The decoded content, and the first 16 bytes of its SHA-256 (the blob it is stored as). */
  content: Buffer;
  hash: Buffer;
  /** The position of its event among the span's events, and the event's time. */
  seq: number;
  timeNs: bigint;
  /** ARTEFACT_EVENT flags when the row rebuilds its event exactly (the event is then not kept), else null. */
  event: number | null;
}

/**
 * Bits of an artefact row's `flags` (migration 176). `truncated` is the row's own; `rebuilt` says
 * the event is rebuilt from the row (not kept in spans.events); the others say which attributes
 * that event had (name always; media type as the row's, encoding utf-8 or base64, original
 * bytes as the row's, truncated as a boolean). Append only: the bits are part of the stored format.
 */
export const ARTEFACT_FLAG = {
  truncated: 1,
  rebuilt: 2,
  mediaType: 4,
  encoding: 8,
  base64: 16,
  originalBytes: 32,
  truncatedAttribute: 64,
} as const;

/** What an artefact row holds of its event. */
export interface ArtefactEventColumns {
  name: string;
  media_type: string;
  bytes: number;
  original_bytes: number;
  truncated: number;
}

const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

const EVENT_KEYS: ReadonlySet<string> = new Set([ARTEFACT.name, ARTEFACT.mediaType, ARTEFACT.encoding, ARTEFACT.originalBytes, ARTEFACT.truncated]);

/**
 * The flags under which the row rebuilds the event's attributes (content left out) exactly, or
 * null when it cannot (another attribute, an unusual value or type): that event stays stored as it is.
 */
export function artefactEventFlags(attrs: AttributeMap, row: ArtefactEventColumns): number | null {
  let flags = row.truncated === 1 ? ARTEFACT_FLAG.truncated : 0;
  for (const k of Object.keys(attrs)) if (!EVENT_KEYS.has(k)) return null;
  if (attrs[ARTEFACT.name] !== row.name) return null;
  if (Object.hasOwn(attrs, ARTEFACT.mediaType)) {
    if (attrs[ARTEFACT.mediaType] !== row.media_type) return null;
    flags |= ARTEFACT_FLAG.mediaType;
  } else if (row.media_type !== DEFAULT_MEDIA_TYPE) return null;
  if (Object.hasOwn(attrs, ARTEFACT.encoding)) {
    const e = attrs[ARTEFACT.encoding];
    if (e === 'base64') flags |= ARTEFACT_FLAG.encoding | ARTEFACT_FLAG.base64;
    else if (e === 'utf-8') flags |= ARTEFACT_FLAG.encoding;
    else return null;
  }
  if (Object.hasOwn(attrs, ARTEFACT.originalBytes)) {
    const o = attrs[ARTEFACT.originalBytes];
    if (o !== row.original_bytes || Object.is(o, -0)) return null;
    flags |= ARTEFACT_FLAG.originalBytes;
  } else if (row.original_bytes !== row.bytes) return null;
  if (Object.hasOwn(attrs, ARTEFACT.truncated)) {
    const t = attrs[ARTEFACT.truncated];
    if (typeof t !== 'boolean' || t !== (row.truncated === 1)) return null;
    flags |= ARTEFACT_FLAG.truncatedAttribute;
  } else if (row.truncated === 1) return null;
  return flags | ARTEFACT_FLAG.rebuilt;
}

/** The attributes of an artefact event rebuilt from its row (the inverse of artefactEventFlags). */
export function rebuildArtefactEvent(flags: number, row: ArtefactEventColumns): AttributeMap {
  const out: Record<string, AttributeValue> = { [ARTEFACT.name]: row.name };
  if (flags & ARTEFACT_FLAG.mediaType) out[ARTEFACT.mediaType] = row.media_type;
  if (flags & ARTEFACT_FLAG.encoding) out[ARTEFACT.encoding] = flags & ARTEFACT_FLAG.base64 ? 'base64' : 'utf-8';
  if (flags & ARTEFACT_FLAG.originalBytes) out[ARTEFACT.originalBytes] = row.original_bytes;
  if (flags & ARTEFACT_FLAG.truncatedAttribute) out[ARTEFACT.truncated] = (flags & ARTEFACT_FLAG.truncated) !== 0;
  return out;
}

export interface ExtractedArtefacts {
  rows: ArtefactRow[];
  /** The events with each artefact's content left out (the same array when there was none). */
  events: SpanEventRecord[];
  /** Artefact events not stored, with why (malformed, or past the store's bound). */
  problems: string[];
}

export function artefactKind(mediaType: string): ArtefactKind {
  const t = mediaType.toLowerCase();
  if (t.startsWith('image/')) return 'image';
  if (t.startsWith('text/') || /[/+](json|xml|javascript|typescript)\b/.test(t)) return 'text';
  return 'binary';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decoded(attrs: AttributeMap): Buffer | string {
  const content = attrs[ARTEFACT.content];
  if (typeof content !== 'string') return 'no string content';
  const encoding = attrs[ARTEFACT.encoding] ?? 'utf-8';
  if (encoding === 'utf-8') return Buffer.from(content, 'utf8');
  if (encoding === 'base64') {
    if (content.length % 4 !== 0 || !BASE64.test(content)) return 'content is not base64';
    return Buffer.from(content, 'base64');
  }
  return `unknown encoding ${JSON.stringify(encoding)}`;
}

/** What identifies a content in artefact_blobs (migration 166). */
export function contentHash(content: Buffer): Buffer {
  return crypto.createHash('sha256').update(content).digest().subarray(0, 16);
}

/** Compact content: gzip for anything but images, kept only when it saves bytes. */
export function compactContent(kind: ArtefactKind, content: Buffer): { encoding: 'identity' | 'gzip'; content: Buffer } {
  if (kind === 'image' || content.length < 128) return { encoding: 'identity', content };
  const gz = zlib.gzipSync(content, { level: 6 });
  return gz.length < content.length ? { encoding: 'gzip', content: gz } : { encoding: 'identity', content };
}

export function expandContent(encoding: string, content: Buffer): Buffer {
  return encoding === 'gzip' ? zlib.gunzipSync(content) : content;
}

export function extractArtefacts(events: readonly SpanEventRecord[], maxBytes = DEFAULT_STORE_MAX_ARTEFACT_BYTES): ExtractedArtefacts {
  if (!events.some((e) => e.name === EVENT.artefact)) return { rows: [], events: events as SpanEventRecord[], problems: [] };
  const rows: ArtefactRow[] = [];
  const problems: string[] = [];
  // One row per name per span: a later event of the same name keeps its description, not its content.
  const names = new Set<string>();
  const stripped = events.map((e, seq) => {
    if (e.name !== EVENT.artefact) return e;
    const { [ARTEFACT.content]: _content, ...rest } = e.attributes;
    const name = e.attributes[ARTEFACT.name];
    const bytes = decoded(e.attributes);
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) problems.push('artefact event without a name (1-200 characters)');
    else if (typeof bytes === 'string') problems.push(`artefact ${JSON.stringify(name)}: ${bytes}`);
    else if (bytes.length > maxBytes) problems.push(`artefact ${JSON.stringify(name)}: ${bytes.length} bytes, past the store's bound of ${maxBytes}; not stored`);
    else if (!names.has(name)) {
      names.add(name);
      const mt = e.attributes[ARTEFACT.mediaType];
      const mediaType = typeof mt === 'string' && mt.length > 0 && mt.length <= 200 ? mt : DEFAULT_MEDIA_TYPE;
      const kind = artefactKind(mediaType);
      const original = e.attributes[ARTEFACT.originalBytes];
      const row = {
        name,
        kind,
        media_type: mediaType,
        bytes: bytes.length,
        original_bytes: typeof original === 'number' && Number.isFinite(original) ? Math.max(original, bytes.length) : bytes.length,
        truncated: e.attributes[ARTEFACT.truncated] === true ? 1 : 0,
        content: bytes,
        hash: contentHash(bytes),
        seq,
        timeNs: e.timeNs,
      };
      rows.push({ ...row, event: artefactEventFlags(rest, row) });
    }
    return { ...e, attributes: rest };
  });
  return { rows, events: stripped, problems };
}
