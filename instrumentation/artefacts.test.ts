/**
 * Artefacts end to end on real SQLite files: recorded through startTelemetry, stored by the
 * writer, read back through the store; the size bounds; retention.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { openDatabase, pruneOnce, SqliteStore } from '../store';
import type { Db } from '../store';
import { ARTEFACT } from '../schema/names';
import { SimulatedClock } from './clock';
import { startTelemetry } from './telemetry';
import type { TelemetryOptions } from './telemetry';
import { truncationMarker } from './artefacts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-artefacts-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function dbFile(): string {
  return path.join(dir, `t${n++}.db`);
}

/** A real PNG of noise (does not compress): `side` x `side` pixels. */
function noisePng(side: number, seed: number): Buffer {
  const png = new PNG({ width: side, height: side });
  let x = seed;
  for (let i = 0; i < png.data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    png.data[i] = i % 4 === 3 ? 255 : x >>> 24;
  }
  return PNG.sync.write(png);
}

const ctx = { nowMs: Date.now(), monthlyBudgetUsd: null };

async function recordRun(
  file: string,
  body: (t: ReturnType<typeof startTelemetry>) => void,
  options: Partial<TelemetryOptions> = {},
) {
  const t = startTelemetry({ db: file, otlp: false, env: {}, ...options });
  const p = t.pipeline({ name: 'p', version: '1' });
  const stage = p.stage('generate', () => body(t));
  await p.run({ componentId: `c${n}` }, () => stage());
  const stats = t.artefactStats();
  await t.shutdown();
  return stats;
}

function onlyRunId(db: Db): number {
  return (db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY id DESC LIMIT 1").get() as { id: number }).id;
}

describe('artefacts', () => {
  it('round-trips text and PNG bytes through the store, text gzipped, the span events without the content', async () => {
    const file = dbFile();
    const prompt = 'Generate a <Button> for:\n' + 'design line\n'.repeat(400);
    const png = noisePng(24, 7);
    await recordRun(file, (t) => {
      expect(t.recordArtefact('prompt', prompt)).toBe('recorded');
      expect(t.recordArtefact('render.generated', png, { mediaType: 'image/png' })).toBe('recorded');
    });
    const db = openDatabase(file);
    const store = new SqliteStore(db, { ownsDb: false });
    const id = onlyRunId(db);
    const list = await store.artefacts(id, ctx);
    expect(list.artefacts.map((a) => [a.name, a.kind, a.mediaType, a.bytes, a.truncated, a.stage])).toEqual([
      ['prompt', 'text', 'text/plain; charset=utf-8', Buffer.byteLength(prompt), false, 'generate'],
      ['render.generated', 'image', 'image/png', png.length, false, 'generate'],
    ]);
    const text = await store.artefact(id, 'prompt', ctx);
    expect(text.content.toString('utf8')).toBe(prompt);
    const image = await store.artefact(id, 'render.generated', ctx);
    expect(image.mediaType).toBe('image/png');
    expect(Buffer.compare(image.content, png)).toBe(0);

    const rows = db.prepare('SELECT (SELECT value FROM strings WHERE id = a.name_ref) AS name, b.encoding, length(b.content) AS stored, b.bytes FROM artefacts a JOIN artefact_blobs b ON b.id = a.blob_id ORDER BY a.span_row, a.seq').all() as { name: string; encoding: string; stored: number; bytes: number }[];
    const promptRow = rows.find((r) => r.name === 'prompt');
    expect(promptRow?.encoding).toBe('gzip');
    expect(promptRow?.stored).toBeLessThan(promptRow?.bytes ?? 0);
    expect(rows.find((r) => r.name === 'render.generated')?.encoding).toBe('identity');
    // The event stays (its description), its content is only in the artefacts table.
    const detail = await store.run(id, ctx);
    const events = detail.spans.flatMap((s) => s.events).filter((e) => e.name === 'genscope.artefact');
    expect(events.map((e) => e.attributes[ARTEFACT.name])).toEqual(['prompt', 'render.generated']);
    for (const e of events) expect(e.attributes[ARTEFACT.content]).toBeUndefined();
    db.close();
  });

  it('truncates text past maxBytes with a marker, skips bytes past it and anything past the run budget, and counts each', async () => {
    const file = dbFile();
    const long = 'é'.repeat(3000); // 6000 bytes of two-byte characters: the cut must not split one
    const png = noisePng(24, 3);
    expect(png.length).toBeGreaterThan(1000);
    const outcomes: string[] = [];
    const stats = await recordRun(
      file,
      (t) => {
        outcomes.push(t.recordArtefact('long', long));
        outcomes.push(t.recordArtefact('png', png, { mediaType: 'image/png' }));
        outcomes.push(t.recordArtefact('a', 'x'.repeat(900)));
        outcomes.push(t.recordArtefact('b', 'y'.repeat(900))); // 1000 + 900 + 900 > 2500
        outcomes.push(t.recordArtefact('c', 'small'));
      },
      { artefacts: { maxBytes: 1000, maxRunBytes: 2500 } },
    );
    expect(outcomes).toEqual(['truncated', 'skipped', 'recorded', 'skipped', 'recorded']);
    expect(stats).toEqual({ recorded: 2, truncated: 1, skipped: 2 });
    const db = openDatabase(file);
    const store = new SqliteStore(db, { ownsDb: false });
    const id = onlyRunId(db);
    const list = await store.artefacts(id, ctx);
    expect(list.artefacts.map((a) => a.name)).toEqual(['long', 'a', 'c']);
    const longRow = list.artefacts[0];
    expect(longRow?.truncated).toBe(true);
    expect(longRow?.originalBytes).toBe(Buffer.byteLength(long));
    expect(longRow?.bytes).toBeLessThanOrEqual(1000);
    const kept = (await store.artefact(id, 'long', ctx)).content.toString('utf8');
    const keptText = kept.slice(0, kept.indexOf('\n[genscope'));
    expect(keptText).toMatch(/^é+$/);
    expect(kept.endsWith(truncationMarker(Buffer.byteLength(keptText), Buffer.byteLength(long)))).toBe(true);
    db.close();
  });

  it('stores a content repeated across runs once, and keeps it while a run in retention uses it', async () => {
    const file = dbFile();
    const day = 86_400_000;
    const now = Date.UTC(2026, 5, 15);
    const reference = noisePng(16, 5);
    for (const ageDays of [10, 1]) {
      const clock = new SimulatedClock(BigInt(now - ageDays * day) * 1_000_000n);
      await recordRun(file, (t) => {
        t.recordArtefact('render.reference', reference, { mediaType: 'image/png' });
        t.recordArtefact('code', `export const Age${ageDays} = 1;`);
      }, { clock });
    }
    const db = openDatabase(file);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM artefacts')).toBe(4);
    expect(count('SELECT count(*) AS n FROM artefact_blobs')).toBe(3);
    pruneOnce(db, { retentionDays: 5, nowMillis: now });
    expect(count('SELECT count(*) AS n FROM artefacts')).toBe(2);
    // The shared render stays (the newer run uses it); the older run's own code goes.
    expect(count('SELECT count(*) AS n FROM artefact_blobs')).toBe(2);
    const image = await new SqliteStore(db, { ownsDb: false }).artefact(onlyRunId(db), 'render.reference', ctx);
    expect(Buffer.compare(image.content, reference)).toBe(0);
    db.close();
  });

  it('records nothing with artefacts: false, and everything still runs', async () => {
    const file = dbFile();
    const stats = await recordRun(file, (t) => expect(t.recordArtefact('prompt', 'hello')).toBe('skipped'), { artefacts: false });
    expect(stats).toEqual({ recorded: 0, truncated: 0, skipped: 1 });
    const db = openDatabase(file);
    expect((await new SqliteStore(db, { ownsDb: false }).artefacts(onlyRunId(db), ctx)).artefacts).toEqual([]);
    db.close();
  });

  it('is pruned by retention with the raw rows of its time', async () => {
    const file = dbFile();
    const day = 86_400_000;
    const now = Date.UTC(2026, 5, 15);
    for (const ageDays of [10, 1]) {
      const clock = new SimulatedClock(BigInt(now - ageDays * day) * 1_000_000n);
      await recordRun(file, (t) => t.recordArtefact('code', `export const Age${ageDays} = 1;`), { clock });
    }
    const db = openDatabase(file);
    expect((db.prepare('SELECT count(*) AS n FROM artefacts').get() as { n: number }).n).toBe(2);
    const result = pruneOnce(db, { retentionDays: 5, nowMillis: now });
    expect(result.deleted['artefacts']).toBe(1);
    expect(result.deleted['artefact_blobs']).toBe(1);
    const left = db.prepare('SELECT content FROM artefact_blobs').all() as { content: Buffer }[];
    expect(left.map((r) => r.content.toString('utf8'))).toEqual(['export const Age1 = 1;']);
    db.close();
  });
});
