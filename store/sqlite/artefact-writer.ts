/**
 * Artefact rows in SQLite (migrations 165-166, 176): each distinct content once in artefact_blobs
 * (by hash, its last_ns raised to the newest artefact using it), the artefact row pointing at it.
 * Runs inside the writer's transaction; content is compressed only when the blob is new.
 */
import type { Db } from './db';
import { ARTEFACT_FLAG, artefactEventFlags, compactContent, contentHash, expandContent } from '../artefacts';
import type { ArtefactRow } from '../artefacts';
import { EVENTS_IN_ARTEFACTS } from '../compact';
import type { StoredEvent } from '../compact';
import { ARTEFACT, EVENT } from '../../schema/names';
import type { AttributeMap } from '../../schema/records';
import { StringReader, StringTable } from './strings';

/** An event's time as an offset from the span's start, when it is a safe integer (else null: the event stays stored). */
export function dtOf(timeNs: bigint, startNs: bigint): number | null {
  const dt = timeNs - startNs;
  return dt >= BigInt(-Number.MAX_SAFE_INTEGER) && dt <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(dt) : null;
}

function hasColumn(db: Db, table: string, column: string): boolean {
  return db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) !== undefined;
}

/** The blob of a content: found by hash (its last_ns raised) or inserted compacted. */
class BlobStatements {
  private readonly get;
  private readonly touch;
  private readonly insert;

  /** Whether the blob holds the content's size (migration 207). */
  private readonly sized: boolean;

  constructor(db: Db) {
    this.get = db.prepare<[Buffer], { id: number; last_ns: bigint }>('SELECT id, last_ns FROM artefact_blobs WHERE hash = ?').safeIntegers(true);
    this.touch = db.prepare('UPDATE artefact_blobs SET last_ns = ? WHERE id = ? AND last_ns < ?');
    this.sized = hasColumn(db, 'artefact_blobs', 'bytes');
    this.insert = db.prepare(
      this.sized
        ? 'INSERT INTO artefact_blobs (hash, encoding, content, last_ns, bytes) VALUES (?, ?, ?, ?, ?)'
        : 'INSERT INTO artefact_blobs (hash, encoding, content, last_ns) VALUES (?, ?, ?, ?)',
    );
  }

  id(a: Pick<ArtefactRow, 'hash' | 'kind' | 'content'>, startNs: bigint): number | bigint {
    const found = this.get.get(a.hash);
    if (found) {
      if (found.last_ns < startNs) this.touch.run(startNs, found.id, startNs);
      return found.id;
    }
    const c = compactContent(a.kind, a.content);
    return (this.sized ? this.insert.run(a.hash, c.encoding, c.content, startNs, a.content.length) : this.insert.run(a.hash, c.encoding, c.content, startNs))
      .lastInsertRowid;
  }
}

/** The artefact rows of today's layout (migrations 176, 181). */
export class ArtefactStatements {
  private readonly blobs;
  private readonly row;
  private readonly withBytes: boolean;

  constructor(db: Db) {
    this.blobs = new BlobStatements(db);
    // The name is a shared string (migration 181); the size is the blob's (207), before it the row's.
    this.withBytes = hasColumn(db, 'artefacts', 'bytes');
    this.row = db.prepare(
      `INSERT INTO artefacts (span_row, name_ref, seq, dt, media_type_ref, ${this.withBytes ? 'bytes, ' : ''}original_bytes, flags, blob_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?${this.withBytes ? ', ?' : ''}) ON CONFLICT (span_row, name_ref) DO NOTHING`,
    );
  }

  /** `a.event` non-null (and a safe dt) means the caller left the event out of spans.events. */
  insert(a: ArtefactRow, spanRow: number | bigint, startNs: bigint, strings: StringTable): void {
    const blobId = this.blobs.id(a, startNs);
    const dt = dtOf(a.timeNs, startNs);
    const flags = a.event !== null && dt !== null ? a.event : a.truncated === 1 ? ARTEFACT_FLAG.truncated : 0;
    const rebuilt = (flags & ARTEFACT_FLAG.rebuilt) !== 0;
    const params = [
      spanRow,
      strings.id(a.name, startNs),
      a.seq,
      rebuilt ? dt : null,
      strings.id(a.media_type, startNs),
      ...(this.withBytes ? [a.bytes] : []),
      a.original_bytes === a.bytes ? null : a.original_bytes,
      flags,
      blobId,
    ];
    this.row.run(...params);
  }
}

type Row165 = { id: bigint; span_row: bigint; start_ns: bigint; name: string; kind: ArtefactRow['kind']; media_type: string; bytes: bigint; original_bytes: bigint; truncated: bigint };

/** Migration 166's code step: the rows of 165 (content inline) into blobs and the new rows. */
export function moveArtefactsToBlobs(db: Db): void {
  // Pages by id: a connection cannot write while a statement iterates.
  const page = db
    .prepare<[bigint], Row165 & { encoding: string; content: Buffer }>(
      `SELECT id, span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, encoding, content
       FROM artefacts_165 WHERE id > ? ORDER BY id LIMIT 500`,
    )
    .safeIntegers(true);
  const blobs = new BlobStatements(db);
  const row = db.prepare(
    `INSERT INTO artefacts (span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, blob_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (span_row, name) DO NOTHING`,
  );
  let after = 0n;
  for (;;) {
    const rows = page.all(after);
    if (rows.length === 0) break;
    for (const r of rows) {
      const content = expandContent(r.encoding, r.content);
      const blobId = blobs.id({ kind: r.kind, content, hash: contentHash(content) }, r.start_ns);
      row.run(r.span_row, r.start_ns, r.name, r.kind, r.media_type, r.bytes, r.original_bytes, r.truncated, blobId);
      after = r.id;
    }
  }
  db.exec('DROP TABLE artefacts_165');
}

/** The event of a stored events item (a shared body resolved), or null when unreadable. */
function storedItemEvent(item: StoredEvent, strings: StringReader): { name: unknown; attributes: AttributeMap } | null {
  if (typeof item.ref === 'number') {
    const body = strings.get(item.ref);
    if (body === null) return null;
    const parsed = JSON.parse(body) as { name?: unknown; attributes?: AttributeMap };
    return { name: parsed.name, attributes: parsed.attributes ?? {} };
  }
  return { name: item.name, attributes: item.attributes ?? {} };
}

/**
 * Migration 176's code step: the rows of 166 into the compact table, span by span. Each row finds
 * its event (the first genscope.artefact event of its name among the span's stored events); when
 * the row holds that event exactly, the event leaves spans.events and is rebuilt from the row.
 * Every row is kept, also one whose event is not found (it keeps seq past the span's events).
 */
export function compactArtefactRows(db: Db): void {
  const spanRows = db.prepare<[bigint], { span_row: bigint }>('SELECT DISTINCT span_row FROM artefacts_166 WHERE span_row > ? ORDER BY span_row LIMIT 500').safeIntegers(true);
  const rowsOf = db.prepare<[bigint], Row165 & { blob_id: bigint }>('SELECT id, span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, blob_id FROM artefacts_166 WHERE span_row = ? ORDER BY id').safeIntegers(true);
  const spanOf = db.prepare<[bigint], { start_ns: bigint; promoted: bigint; events: string | null }>('SELECT start_ns, promoted, events FROM spans WHERE id = ?').safeIntegers(true);
  const scoreSeqs = db.prepare<[bigint], { seq: bigint }>('SELECT seq FROM scores WHERE span_row = ? AND seq IS NOT NULL').safeIntegers(true);
  const updateSpan = db.prepare('UPDATE spans SET events = ?, promoted = ? WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO artefacts (span_row, name, seq, dt, media_type_ref, bytes, original_bytes, flags, blob_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (span_row, name) DO NOTHING`,
  );
  const strings = new StringTable(db);
  strings.begin();
  const reader = new StringReader(db);
  let after = -1n;
  for (;;) {
    const page = spanRows.all(after).map((r) => r.span_row);
    if (page.length === 0) break;
    for (const spanRow of page) {
      after = spanRow;
      const rows = rowsOf.all(spanRow);
      const span = spanOf.get(spanRow);
      let items: StoredEvent[] = [];
      if (span?.events) {
        try {
          const parsed = JSON.parse(span.events) as unknown;
          if (Array.isArray(parsed)) items = parsed as StoredEvent[];
        } catch {
          items = [];
        }
      }
      // Positions in the span's whole event list: score events (kept in scores) take theirs.
      const taken = new Set(scoreSeqs.all(spanRow).map((r) => Number(r.seq)));
      const positions: number[] = [];
      for (let pos = 0; positions.length < items.length; pos++) if (!taken.has(pos)) positions.push(pos);
      const total = items.length + taken.size;
      const used = new Set<number>();
      const removed = new Set<number>();
      let missing = 0;
      for (const r of rows) {
        const startNs = span?.start_ns ?? r.start_ns;
        const cols = { name: r.name, media_type: r.media_type, bytes: Number(r.bytes), original_bytes: Number(r.original_bytes), truncated: Number(r.truncated) };
        let seq = total + missing;
        let flags = cols.truncated === 1 ? ARTEFACT_FLAG.truncated : 0;
        let dt: number | null = null;
        for (let i = 0; i < items.length; i++) {
          if (used.has(i)) continue;
          const item = items[i] as StoredEvent;
          const ev = item && typeof item === 'object' ? storedItemEvent(item, reader) : null;
          if (!ev || ev.name !== EVENT.artefact || ev.attributes[ARTEFACT.name] !== r.name) continue;
          used.add(i);
          seq = positions[i] as number;
          const exact = typeof item.t === 'string' ? null : artefactEventFlags(ev.attributes, cols);
          if (exact !== null && typeof item.dt === 'number' && Number.isSafeInteger(item.dt)) {
            flags = exact;
            dt = item.dt;
            removed.add(i);
          }
          break;
        }
        if (seq >= total) missing++;
        insert.run(spanRow, r.name, seq, dt, strings.id(r.media_type, startNs), cols.bytes, cols.original_bytes === cols.bytes ? null : cols.original_bytes, flags, r.blob_id);
      }
      if (span && removed.size > 0) {
        const kept = items.filter((_, i) => !removed.has(i));
        updateSpan.run(kept.length > 0 ? JSON.stringify(kept) : null, span.promoted | BigInt(EVENTS_IN_ARTEFACTS), spanRow);
      }
    }
  }
  db.exec('DROP TABLE artefacts_166');
}

/**
 * Migration 207's code step, after its SQL moved the size onto the blobs: a file where two artefacts
 * of one blob had different sizes is refused (the migration rolls back, the file stays as it was);
 * a blob no artefact points at gets its decoded content's size.
 */
export function sizeArtefactBlobs(db: Db): void {
  const mixed = db.prepare('SELECT count(*) AS n FROM temp.artefact_bytes_207 WHERE bytes <> most').get() as { n: number };
  db.exec('DROP TABLE temp.artefact_bytes_207');
  if (mixed.n > 0) throw new Error(`genscope: migration 207: ${mixed.n} artefact contents are recorded with more than one size; the file is left as it was`);
  const unsized = db.prepare<[], { id: number; encoding: string; content: Buffer }>('SELECT id, encoding, content FROM artefact_blobs WHERE bytes IS NULL');
  const size = db.prepare('UPDATE artefact_blobs SET bytes = ? WHERE id = ?');
  for (const b of unsized.all()) size.run(expandContent(b.encoding, b.content).length, b.id);
}
