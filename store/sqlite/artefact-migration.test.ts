/**
 * Migration 166 on a real file holding migration 165's artefact rows (content inline, text
 * gzipped): every artefact reads back the same bytes, and a content two runs share is one blob.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadMigrations, migrate, openDatabase } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { SPAN, ATTR } from '../../schema/names';
import type { SpanRecord } from '../../schema/records';

const T0 = 1_780_000_000_000_000_000n;

function spans(trace: string, offsetNs: bigint): SpanRecord[] {
  const base = { kind: 0, statusCode: 1, events: [], links: [], resource: { [ATTR.serviceName]: 's' } };
  return [
    { ...base, traceId: trace, spanId: `${trace.slice(0, 15)}1`, name: SPAN.run, startNs: T0 + offsetNs, endNs: T0 + offsetNs + 10_000n, attributes: { [ATTR.componentId]: 'c' } },
    { ...base, traceId: trace, spanId: `${trace.slice(0, 15)}2`, parentSpanId: `${trace.slice(0, 15)}1`, name: 'validate', startNs: T0 + offsetNs + 1n, endNs: T0 + offsetNs + 9_000n, attributes: { [ATTR.stage]: 'validate' } },
  ];
}

describe('migration 166 (artefact blobs)', () => {
  it('moves 165 rows into blobs, one per distinct content, readable as before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-art-mig-'));
    const file = path.join(dir, 'old.db');
    const db = openDatabase(file, { migrate: false });
    // Up to 165, plus 170 (two score columns, independent of 166) because the spans below are
    // written with today's writer, whose score insert names them.
    migrate(db, loadMigrations().filter((m) => m.version <= 165 || m.version === 170));
    new StoreWriter(db).writeSpans([...spans('a'.repeat(32), 0n), ...spans('b'.repeat(32), 1_000_000n)]);
    const stage = db.prepare("SELECT id, start_ns FROM spans WHERE role = 'stage' ORDER BY start_ns").safeIntegers(true).all() as { id: bigint; start_ns: bigint }[];
    const code = 'export const Card = () => <div>' + 'x'.repeat(400) + '</div>;';
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
    const insert = db.prepare(
      `INSERT INTO artefacts (span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, encoding, content)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    );
    for (const s of stage) {
      insert.run(s.id, s.start_ns, 'code', 'text', 'text/tsx', Buffer.byteLength(code), Buffer.byteLength(code), 'gzip', zlib.gzipSync(Buffer.from(code)));
      insert.run(s.id, s.start_ns, 'render.reference', 'image', 'image/png', png.length, png.length, 'identity', png);
    }
    migrate(db);
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(n('SELECT count(*) AS n FROM artefacts')).toBe(4);
    expect(n('SELECT count(*) AS n FROM artefact_blobs')).toBe(2);
    expect(n("SELECT count(*) AS n FROM sqlite_master WHERE name = 'artefacts_165'")).toBe(0);
    const store = new SqliteStore(db, { ownsDb: false });
    const ctx = { nowMs: Number(T0 / 1_000_000n), monthlyBudgetUsd: null };
    const runs = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns").all() as { id: number }[];
    for (const r of runs) {
      expect((await store.artefact(r.id, 'code', ctx)).content.toString('utf8')).toBe(code);
      expect(Buffer.compare((await store.artefact(r.id, 'render.reference', ctx)).content, png)).toBe(0);
      expect((await store.artefacts(r.id, ctx)).artefacts.map((a) => a.name)).toEqual(['code', 'render.reference']);
    }
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
