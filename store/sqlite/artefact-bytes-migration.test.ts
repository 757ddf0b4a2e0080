/**
 * Migration 207 (an artefact's size on its blob) on a real file at the schema before it (206),
 * written by today's writer (which keeps the layout it finds): every artefact row keeps its values,
 * a blob no artefact uses is sized from its content, a file whose artefacts of one blob disagree on
 * the size is refused untouched, and the migrated file answers (artefact list, contents, the span
 * events rebuilt from the rows) and stores exactly what a fresh file given the same spans does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { componentRunRecords } from '../../test/reliability/helpers';
import type { SpanRecord } from '../../schema/records';
import { rebuiltSpans } from './span-read';

const T0_MS = 1_780_000_000_000;
const ctx = { nowMs: T0_MS + 86_400_000, monthlyBudgetUsd: null };
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function artefact(timeNs: bigint, name: string, attrs: Record<string, string | number>): SpanRecord['events'][number] {
  return { name: 'genscope.artefact', timeNs, attributes: { 'genscope.artefact.name': name, ...attrs } };
}

/** Runs whose stage spans carry artefacts: a shared image, gzipped text, a truncated one, a per-run one. */
function history(): SpanRecord[] {
  return Array.from({ length: 6 }, (_, i) => {
    const spans = componentRunRecords(T0_MS + i * 90_000, i);
    const stage = spans[1];
    if (!stage) throw new Error('no stage span');
    stage.events = [
      ...stage.events,
      artefact(stage.startNs + 5n, 'render.reference', { 'genscope.artefact.media_type': 'image/png', 'genscope.artefact.encoding': 'base64', 'genscope.artefact.content': PNG.toString('base64') }),
      artefact(stage.startNs + 6n, 'prompt', { 'genscope.artefact.media_type': 'text/plain', 'genscope.artefact.encoding': 'utf-8', 'genscope.artefact.content': 'design line\n'.repeat(50 + (i % 2)) }),
      artefact(stage.startNs + 7n, 'code', { 'genscope.artefact.media_type': 'text/tsx', 'genscope.artefact.encoding': 'utf-8', 'genscope.artefact.content': `export const C${i} = 1;`, 'genscope.artefact.original_bytes': 900 }),
    ];
    return spans;
  }).flat();
}

const text = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));

/** The artefact rows with their size (the row's before 207, the blob's after). */
function rows(db: Db, size: string): string {
  return text(
    db
      .prepare(`SELECT span_row, (SELECT value FROM strings WHERE id = name_ref), seq, dt, (SELECT value FROM strings WHERE id = media_type_ref), ${size}, original_bytes, flags, blob_id FROM artefacts ORDER BY span_row, seq`)
      .safeIntegers(true)
      .raw(true)
      .all(),
  );
}
const BLOB_SIZE = '(SELECT bytes FROM artefact_blobs WHERE id = blob_id)';

/** Every artefact as readers see it: the API's list and contents, the rebuilt spans. */
async function answers(db: Db): Promise<Record<string, string>> {
  const store = new SqliteStore(db, { ownsDb: false });
  const runs = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns").pluck().all() as number[];
  const api: unknown[] = [];
  for (const id of runs) {
    const list = (await store.artefacts(id, ctx)).artefacts;
    api.push(list);
    for (const a of list) api.push((await store.artefact(id, a.name, ctx)).content.toString('hex'));
  }
  return {
    api: text(api),
    rebuilt: text(rebuiltSpans(db)),
  };
}

function fileAt206(dir: string, name: string, spans: SpanRecord[]): Db {
  const db = openDatabase(path.join(dir, name), { migrate: false });
  migrate(db, loadMigrations().filter((m) => m.version <= 206));
  new StoreWriter(db).writeSpans(spans);
  return db;
}

function fresh(dir: string, spans: SpanRecord[]): Db {
  const db = openDatabase(path.join(dir, 'fresh.db'));
  new StoreWriter(db).writeSpans(spans);
  return db;
}

const blobs = (db: Db) => db.prepare('SELECT id, hash, encoding, content, last_ns, bytes FROM artefact_blobs ORDER BY id').raw(true).all();

describe('migration 207 (artefact sizes on their blobs)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-artefact-bytes-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every artefact row, sizes every blob, and answers as a fresh file does', async () => {
    const spans = history();
    const db = fileAt206(dir, 'old.db', spans);
    const before = rows(db, 'bytes');
    expect(JSON.parse(before)).toHaveLength(18);
    expect(db.prepare("SELECT count(*) FROM artefact_blobs WHERE encoding = 'gzip'").pluck().get()).toBeGreaterThan(1);
    expect(migrate(db)).toEqual([207, 208]);
    expect(rows(db, BLOB_SIZE)).toEqual(before);
    expect((db.pragma('table_info(artefacts)') as { name: string }[]).map((c) => c.name)).not.toContain('bytes');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const f = fresh(dir, spans);
    expect(rows(f, BLOB_SIZE)).toEqual(before);
    expect(blobs(db)).toEqual(blobs(f));
    expect(await answers(db)).toEqual(await answers(f));
    // Sizes as sent: the list's bytes are the contents' lengths.
    const list = JSON.parse((await answers(db)).api ?? '[]') as ({ bytes: number } | string)[];
    const sizes = list.flatMap((x) => (typeof x === 'string' ? [] : (x as unknown as { bytes: number }[]).map((a) => a.bytes)));
    const contents = list.filter((x): x is string => typeof x === 'string').map((h) => h.length / 2);
    expect(sizes).toHaveLength(18);
    expect(sizes).toEqual(contents);
    f.close();
    db.close();
  });

  it('sizes a blob no artefact uses from its content', () => {
    const db = fileAt206(dir, 'old.db', history());
    // Retention deletes such blobs later: its size comes from its (gzipped) content.
    const orphan = Buffer.from('left over '.repeat(30));
    db.prepare("INSERT INTO artefact_blobs (hash, encoding, content, last_ns) VALUES (?, 'gzip', ?, 1)").run(Buffer.alloc(16, 9), zlib.gzipSync(orphan));
    migrate(db);
    expect(db.prepare('SELECT bytes FROM artefact_blobs WHERE hash = ?').pluck().get(Buffer.alloc(16, 9))).toBe(orphan.length);
    expect(db.prepare('SELECT count(*) FROM artefact_blobs WHERE bytes IS NULL').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a file whose artefacts of one blob disagree on the size, leaving it as it was', () => {
    const db = fileAt206(dir, 'odd.db', history());
    db.exec(`UPDATE artefacts SET bytes = bytes + 1 WHERE span_row = (SELECT min(span_row) FROM artefacts)
      AND name_ref = (SELECT id FROM strings WHERE value = 'render.reference')`);
    const before = rows(db, 'bytes');
    const blobsAt206 = () => db.prepare('SELECT * FROM artefact_blobs ORDER BY id').raw(true).all();
    const blobsBefore = blobsAt206();
    expect(() => migrate(db)).toThrow(/migration 207: 1 artefact contents are recorded with more than one size/);
    expect(rows(db, 'bytes')).toEqual(before);
    expect(blobsAt206()).toEqual(blobsBefore);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(206);
    db.close();
  });
});
