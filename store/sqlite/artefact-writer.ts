/**
 * Artefact rows in SQLite (migrations 165-166): each distinct content once in artefact_blobs (by
 * hash, its last_ns raised to the newest artefact using it), the artefact row pointing at it.
 * Runs inside the writer's transaction; content is compressed only when the blob is new.
 */
import type { Db } from './db';
import { compactContent, contentHash, expandContent } from '../artefacts';
import type { ArtefactRow } from '../artefacts';

export class ArtefactStatements {
  private readonly blobGet;
  private readonly blobTouch;
  private readonly blobInsert;
  private readonly row;

  constructor(db: Db) {
    this.blobGet = db.prepare<[Buffer], { id: number; last_ns: bigint }>('SELECT id, last_ns FROM artefact_blobs WHERE hash = ?').safeIntegers(true);
    this.blobTouch = db.prepare('UPDATE artefact_blobs SET last_ns = ? WHERE id = ? AND last_ns < ?');
    this.blobInsert = db.prepare('INSERT INTO artefact_blobs (hash, encoding, content, last_ns) VALUES (?, ?, ?, ?)');
    this.row = db.prepare(
      `INSERT INTO artefacts (span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, blob_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (span_row, name) DO NOTHING`,
    );
  }

  insert(a: ArtefactRow, spanRow: number | bigint, startNs: bigint): void {
    const found = this.blobGet.get(a.hash);
    let blobId: number | bigint;
    if (found) {
      blobId = found.id;
      if (found.last_ns < startNs) this.blobTouch.run(startNs, blobId, startNs);
    } else {
      const c = compactContent(a.kind, a.content);
      blobId = this.blobInsert.run(a.hash, c.encoding, c.content, startNs).lastInsertRowid;
    }
    this.row.run(spanRow, startNs, a.name, a.kind, a.media_type, a.bytes, a.original_bytes, a.truncated, blobId);
  }
}

/** Migration 166's code step: the rows of 165 (content inline) into blobs and the new rows. */
export function moveArtefactsToBlobs(db: Db): void {
  // Pages by id: a connection cannot write while a statement iterates.
  const page = db
    .prepare<[bigint], { id: bigint; span_row: bigint; start_ns: bigint; name: string; kind: ArtefactRow['kind']; media_type: string; bytes: bigint; original_bytes: bigint; truncated: bigint; encoding: string; content: Buffer }>(
      `SELECT id, span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, encoding, content
       FROM artefacts_165 WHERE id > ? ORDER BY id LIMIT 500`,
    )
    .safeIntegers(true);
  const statements = new ArtefactStatements(db);
  let after = 0n;
  for (;;) {
    const rows = page.all(after);
    if (rows.length === 0) break;
    for (const r of rows) {
      const content = expandContent(r.encoding, r.content);
      statements.insert(
        { name: r.name, kind: r.kind, media_type: r.media_type, bytes: Number(r.bytes), original_bytes: Number(r.original_bytes), truncated: Number(r.truncated), content, hash: contentHash(content) },
        r.span_row,
        r.start_ns,
      );
      after = r.id;
    }
  }
  db.exec('DROP TABLE artefacts_165');
}
