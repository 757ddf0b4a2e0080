/**
 * Artefacts in the store: the genscope.artefact events of a span (instrumentation/artefacts.ts,
 * or any OTLP sender using the same names) -> artefact rows. Pure: the writer stores the rows and
 * keeps the events without their content in spans.events (same positions, so score events keep
 * their `seq`). Each distinct content is stored once (artefact_blobs, by hash); text is gzipped
 * when that makes it smaller, images stay the PNG bytes they are.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { ARTEFACT, EVENT } from '../schema/names';
import type { AttributeMap, SpanEventRecord } from '../schema/records';

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
  const stripped = events.map((e) => {
    if (e.name !== EVENT.artefact) return e;
    const { [ARTEFACT.content]: _content, ...rest } = e.attributes;
    const name = e.attributes[ARTEFACT.name];
    const bytes = decoded(e.attributes);
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) problems.push('artefact event without a name (1-200 characters)');
    else if (typeof bytes === 'string') problems.push(`artefact ${JSON.stringify(name)}: ${bytes}`);
    else if (bytes.length > maxBytes) problems.push(`artefact ${JSON.stringify(name)}: ${bytes.length} bytes, past the store's bound of ${maxBytes}; not stored`);
    else {
      const mt = e.attributes[ARTEFACT.mediaType];
      const mediaType = typeof mt === 'string' && mt.length > 0 && mt.length <= 200 ? mt : 'application/octet-stream';
      const kind = artefactKind(mediaType);
      const original = e.attributes[ARTEFACT.originalBytes];
      rows.push({
        name,
        kind,
        media_type: mediaType,
        bytes: bytes.length,
        original_bytes: typeof original === 'number' && Number.isFinite(original) ? Math.max(original, bytes.length) : bytes.length,
        truncated: e.attributes[ARTEFACT.truncated] === true ? 1 : 0,
        content: bytes,
        hash: contentHash(bytes),
      });
    }
    return { ...e, attributes: rest };
  });
  return { rows, events: stripped, problems };
}
