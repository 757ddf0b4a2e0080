/**
 * The size migrations (175-180) on real files at the schema before them (migration 170), filled
 * by today's writer where its rows are unchanged and by hand where the layout changed: every row
 * is kept and every answer that reads them stays the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import {
  BenchmarkDurationsQuery,
  BudgetQuery,
  CostBreakdownQuery,
  CostComponentsQuery,
  CostOverTimeQuery,
  DistributionQuery,
  FilterOptionsQuery,
  OpportunitiesQuery,
  PanelQuery,
  QualityBreakdownQuery,
  QualityScoresQuery,
  RunsQuery,
  SummaryQuery,
  TrendsQuery,
} from '../../schema/api';
import { ROLLUPS, ROLLUP_TABLES, storedColumn } from '../layout';
import { PERMANENT_NS, pruneStrings } from './strings';
import { RollupApplier } from './rollup-apply';
import { BucketCounts } from '../histogram';
import { linksJson } from '../compact';
import { componentRunRecords } from '../../test/reliability/helpers';
import { rebuiltSpans } from './span-read';

const T0_MS = 1_780_000_000_000;
const ctx = { nowMs: T0_MS + 3_600_000, monthlyBudgetUsd: null };

function fileAt170(): { db: Db; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-size-mig-'));
  const db = openDatabase(path.join(dir, 'old.db'), { migrate: false });
  migrate(db, loadMigrations().filter((m) => m.version <= 170));
  return { db, dir };
}

const dump = (db: Db, table: string) => JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4, 5, 6, 7`).raw(true).all());

describe('migration 175 (no score-name index on rollup_scores)', () => {
  it('drops the index, keeps the rollup rows, and the filter options list the same score names', async () => {
    const { db, dir } = fileAt170();
    new StoreWriter(db).writeSpans(Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat());
    // A second score name, only in the last half hour.
    const late = componentRunRecords(T0_MS + 40 * 60_000, 3);
    const stage = late[1];
    if (!stage) throw new Error('no stage span');
    const ev = stage.events[0];
    if (!ev) throw new Error('no score event');
    stage.events = [...stage.events, { ...ev, attributes: { ...ev.attributes, 'gen_ai.evaluation.name': 'code.quality' } }];
    new StoreWriter(db).writeSpans(late);
    const store = new SqliteStore(db, { ownsDb: false });
    const windows = [FilterOptionsQuery.parse({ range: '24h' }), FilterOptionsQuery.parse({ from: String(T0_MS), to: String(T0_MS + 30 * 60_000) })];
    const rows = dump(db, 'rollup_scores');
    migrate(db, loadMigrations().filter((m) => m.version <= 175));
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'rollup_scores_name'").pluck().get()).toBe(0);
    expect(dump(db, 'rollup_scores')).toBe(rows);
    // Today's readers read today's layout (migration 180 and on).
    migrate(db);
    const after = [];
    for (const q of windows) after.push((await store.filterOptions(q, ctx)).scores);
    expect(after).toEqual([['classification.accuracy', 'code.quality'], ['classification.accuracy']]);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 176 (compact artefact rows)', () => {
  it('keeps every artefact row and rebuilds every event exactly, taking out of spans.events the descriptions the rows hold', async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 175));
    new StoreWriter(db).writeSpans(Array.from({ length: 4 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat());
    const stages = db.prepare("SELECT id, start_ns, events FROM spans WHERE role = 'stage' ORDER BY start_ns").safeIntegers(true).all() as { id: bigint; start_ns: bigint; events: string }[];
    const blob = db.prepare("INSERT INTO artefact_blobs (hash, encoding, content, last_ns) VALUES (?, 'identity', ?, ?)");
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const pngBlob = blob.run(Buffer.alloc(16, 1), png, stages[3]?.start_ns ?? 0n).lastInsertRowid;
    const textBlob = blob.run(Buffer.alloc(16, 2), Buffer.from('export const Card = 1;'), stages[3]?.start_ns ?? 0n).lastInsertRowid;
    const row = db.prepare(
      `INSERT INTO artefacts (span_row, start_ns, name, kind, media_type, bytes, original_bytes, truncated, blob_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const desc = (name: string, mediaType: string, encoding: string, original: number, extra: Record<string, unknown> = {}) => ({
      name: 'genscope.artefact',
      attributes: { 'genscope.artefact.name': name, 'genscope.artefact.media_type': mediaType, 'genscope.artefact.encoding': encoding, 'genscope.artefact.original_bytes': original, ...extra },
    });
    const shared = desc('render.diff', 'image/png', 'base64', png.length);
    const ref = Number(db.prepare('INSERT INTO strings (value, last_ns) VALUES (?, ?) RETURNING id').pluck().get(JSON.stringify(shared), 9_000_000_000_000_000_000n));
    for (const s of stages) {
      // As migration 166's writer left them: each description inline (or a shared body), content in the rows.
      const kept = JSON.parse(s.events) as unknown[];
      const events = [
        ...kept,
        { dt: 500, ...desc('code', 'text/tsx; charset=utf-8', 'utf-8', 40, { 'genscope.artefact.truncated': true }) },
        { dt: 600, ...desc('prompt', 'text/plain', 'utf-8', 22, { origin: 'judge' }) },
        { dt: 700, ref },
      ];
      db.prepare('UPDATE spans SET events = ? WHERE id = ?').run(JSON.stringify(events), s.id);
      row.run(s.id, s.start_ns, 'code', 'text', 'text/tsx; charset=utf-8', 22, 40, 1, textBlob);
      row.run(s.id, s.start_ns, 'prompt', 'text', 'text/plain', 22, 22, 0, textBlob);
      row.run(s.id, s.start_ns, 'render.diff', 'image', 'image/png', png.length, png.length, 0, pngBlob);
      // A row whose event is gone (kept all the same).
      row.run(s.id, s.start_ns, 'orphan', 'binary', 'application/octet-stream', png.length, png.length, 0, pngBlob);
    }
    const before = rebuiltSpans(db);
    expect(before.filter((s) => s.events.some((e) => e.name === 'genscope.artefact'))).toHaveLength(stages.length);
    const eventsBytes = () => Number(db.prepare('SELECT sum(length(events)) FROM spans').pluck().get());
    const bytesBefore = eventsBytes();
    migrate(db);
    expect(rebuiltSpans(db)).toEqual(before);
    expect(eventsBytes()).toBeLessThan(bytesBefore);
    expect(db.prepare('SELECT (SELECT value FROM strings WHERE id = name_ref) AS name, flags & 2 AS rebuilt FROM artefacts WHERE span_row = ? ORDER BY seq').all(stages[0]?.id)).toEqual([
      { name: 'code', rebuilt: 2 },
      { name: 'prompt', rebuilt: 0 },
      { name: 'render.diff', rebuilt: 2 },
      { name: 'orphan', rebuilt: 0 },
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'artefacts_166'").pluck().get()).toBe(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const store = new SqliteStore(db, { ownsDb: false });
    const runs = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns").pluck().all() as number[];
    for (const id of runs) {
      const list = (await store.artefacts(id, ctx)).artefacts.map((a) => [a.name, a.kind, a.mediaType, a.bytes, a.originalBytes, a.truncated]);
      expect(list).toEqual([
        ['code', 'text', 'text/tsx; charset=utf-8', 22, 40, true],
        ['prompt', 'text', 'text/plain', 22, 22, false],
        ['render.diff', 'image', 'image/png', png.length, png.length, false],
        ['orphan', 'binary', 'application/octet-stream', png.length, png.length, false],
      ]);
      expect(Buffer.compare((await store.artefact(id, 'render.diff', ctx)).content, png)).toBe(0);
      expect((await store.artefact(id, 'code', ctx)).content.toString('utf8')).toBe('export const Card = 1;');
    }
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 177 (no min and max in the score rollups)', () => {
  it('drops the two columns, keeps every row with its other values, and the score panels answer the same', async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 176));
    const records = Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat();
    new StoreWriter(db).writeSpans(records);
    const keep = 'grain_s, bucket_ns, name, component_type, model, label, service, count, sum, sum_sq, hist';
    const rows = JSON.stringify(db.prepare(`SELECT ${keep} FROM rollup_scores ORDER BY 1, 2, 3, 4, 5, 6, 7`).raw(true).all());
    const totals = JSON.stringify(db.prepare('SELECT grain_s, name, bucket_ns, count, sum, sum_sq, hist FROM rollup_scores_total ORDER BY 1, 2, 3').raw(true).all());
    const panels = async (d: Db) => {
      const store = new SqliteStore(d, { ownsDb: false });
      return JSON.stringify([
        await store.panel('quality-scores', QualityScoresQuery.parse({ range: '24h' }), ctx),
        await store.panel('quality-distribution', DistributionQuery.parse({ range: '24h', score: 'classification.accuracy' }), ctx),
      ]);
    };
    // What today's store answers for the same telemetry (today's readers read today's layout).
    const fresh = openDatabase(':memory:');
    new StoreWriter(fresh).writeSpans(records);
    const before = await panels(fresh);
    migrate(db);
    const cols = (t: string) => (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name);
    expect(cols('rollup_scores')).not.toContain('min');
    expect(cols('rollup_scores_total')).not.toContain('max');
    expect(JSON.stringify(db.prepare(`SELECT ${keep} FROM rollup_scores ORDER BY 1, 2, 3, 4, 5, 6, 7`).raw(true).all())).toBe(rows);
    expect(JSON.stringify(db.prepare('SELECT grain_s, name, bucket_ns, count, sum, sum_sq, hist FROM rollup_scores_total ORDER BY 1, 2, 3').raw(true).all())).toBe(totals);
    expect(JSON.parse(rows)).not.toHaveLength(0);
    expect(await panels(db)).toBe(before);
    fresh.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 178 (score rollup labels only where read)', () => {
  it("merges the rows of other scores' labels into label '', exactly, and the panels answer the same", async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 177));
    const records = Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat();
    new StoreWriter(db).writeSpans(records);
    // As the writer before 178 left them: a second score name with a label per row, at every grain.
    db.prepare(
      `INSERT INTO rollup_scores (grain_s, bucket_ns, name, component_type, model, label, service, count, sum, sum_sq, hist)
       SELECT grain_s, bucket_ns, 'mapping.confidence', component_type, model, 'entry-' || (count % 3), service, count, sum, sum_sq, hist
       FROM rollup_scores WHERE name = 'classification.accuracy'`,
    ).run();
    const keyed = (sql: string) => JSON.stringify(db.prepare(sql).raw(true).all());
    const sums = `SELECT grain_s, bucket_ns, name, component_type, model, service, SUM(count), ROUND(SUM(sum), 9), ROUND(SUM(sum_sq), 9)
      FROM rollup_scores GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`;
    const before = keyed(sums);
    const labelled = keyed("SELECT * FROM rollup_scores WHERE name = 'classification.accuracy' ORDER BY 1, 2, 3, 4, 5, 6, 7");
    const panels = async (d: Db) => {
      const store = new SqliteStore(d, { ownsDb: false });
      return JSON.stringify([
        await store.panel('quality-scores', QualityScoresQuery.parse({ range: '24h' }), ctx),
        await store.panel('quality-distribution', DistributionQuery.parse({ range: '24h' }), ctx),
        await store.panel('quality-confusion', PanelQuery.parse({ range: '24h' }), ctx),
      ]);
    };
    // What today's store answers (today's readers read today's layout): the same telemetry and the
    // same extra rows, each added to label '' as today's writer does.
    const fresh = openDatabase(':memory:');
    new StoreWriter(fresh).writeSpans(records);
    const extra = db
      .prepare("SELECT grain_s, bucket_ns, name, component_type, model, service, count, sum, sum_sq, hist FROM rollup_scores WHERE name = 'mapping.confidence'")
      .safeIntegers(true)
      .all() as { grain_s: bigint; bucket_ns: bigint; name: string; component_type: string; model: string; service: string; count: bigint; sum: number; sum_sq: number; hist: Uint8Array }[];
    fresh.transaction(() =>
      new RollupApplier(fresh).apply(
        extra.map((r) => ({
          table: 'rollup_scores' as const,
          grainS: Number(r.grain_s),
          bucketNs: r.bucket_ns,
          dims: [r.name, r.component_type, r.model, '', r.service],
          measures: [Number(r.count), r.sum, r.sum_sq, BucketCounts.decode(r.hist)],
        })),
      ),
    )();
    const answers = await panels(fresh);
    const histTotal = () => (db.prepare("SELECT hist FROM rollup_scores WHERE name = 'mapping.confidence'").pluck().all() as Uint8Array[]).reduce((n, h) => n + BucketCounts.decode(h).total, 0);
    const histBefore = histTotal();
    migrate(db);
    expect(db.prepare("SELECT count(*) FROM rollup_scores WHERE name = 'mapping.confidence' AND label <> ''").pluck().get()).toBe(0);
    expect(keyed(sums)).toBe(before);
    expect(keyed("SELECT * FROM rollup_scores WHERE name = 'classification.accuracy' ORDER BY 1, 2, 3, 4, 5, 6, 7")).toBe(labelled);
    expect(histTotal()).toBe(histBefore);
    expect(histBefore).toBeGreaterThan(0);
    expect(await panels(db)).toBe(answers);
    expect(answers).toContain('mapping.confidence');
    fresh.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 179 (links as bytes)', () => {
  it('turns JSON links that are only ids into 24 bytes each, keeps the others, and every link reads back the same', () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 178));
    new StoreWriter(db).writeSpans(Array.from({ length: 3 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat());
    const ids = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY id").pluck().all() as number[];
    const json = [
      JSON.stringify([{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: {} }]),
      JSON.stringify([{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: { why: 'retry' } }]),
      JSON.stringify([{ traceId: '12'.repeat(16), spanId: '34'.repeat(8), attributes: {} }, { traceId: '56'.repeat(16), spanId: '78'.repeat(8), attributes: {} }]),
    ];
    // As the writer before 179 stored them.
    ids.forEach((id, i) => db.prepare('UPDATE spans SET links = ? WHERE id = ?').run(json[i], id));
    migrate(db);
    const rows = db.prepare('SELECT typeof(links) AS t, links FROM spans WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(ids)) as { t: string; links: unknown }[];
    expect(rows.map((r) => r.t)).toEqual(['blob', 'text', 'blob']);
    expect(rows.map((r) => linksJson(r.links))).toEqual(json);
    expect(db.prepare('SELECT count(*) FROM spans WHERE links IS NOT NULL').pluck().get()).toBe(3);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 180 (rollup dimensions as string ids)', () => {
  const rollupRows = (db: Db) =>
    JSON.stringify(ROLLUP_TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY ${ROLLUPS[t].primaryKey.join(', ')}`).raw(true).all()));
  const answers = async (db: Db) => {
    const store = new SqliteStore(db, { ownsDb: false });
    const out: unknown[] = [await store.filterOptions(FilterOptionsQuery.parse({ range: '24h' }), ctx)];
    const panels = [
      ['summary', SummaryQuery],
      ['quality-accuracy', PanelQuery],
      ['quality-confusion', PanelQuery],
      ['quality-distribution', DistributionQuery],
      ['quality-scores', QualityScoresQuery],
      ['quality-breakdown', QualityBreakdownQuery],
      ['performance-latency', PanelQuery],
      ['performance-stages', PanelQuery],
      ['performance-heatmap', PanelQuery],
      ['performance-cache', PanelQuery],
      ['performance-benchmarks', BenchmarkDurationsQuery],
      ['cost-over-time', CostOverTimeQuery],
      ['cost-breakdown', CostBreakdownQuery],
      ['cost-components', CostComponentsQuery],
      ['cost-budget', BudgetQuery],
      ['cost-opportunities', OpportunitiesQuery],
      ['trends', TrendsQuery],
    ] as const;
    const queries = [{ range: '24h' }, { range: '24h', componentType: 'card' }, { range: '24h', model: 'gpt-4o', service: 'reliability' }, { range: '24h', stage: 'classify' }, {}];
    for (const [id, schema] of panels)
      for (const q of queries) {
        // Each panel with the filters it accepts.
        const parsed = schema.safeParse(q);
        out.push(parsed.success ? await store.panel(id, parsed.data as never, ctx) : null);
      }
    return JSON.stringify(out);
  };

  it('keeps every rollup row, reads back the same text through the views, and every panel answers as a fresh store does', async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 179));
    const first = Array.from({ length: 30 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i, i % 4 === 0 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
    const later = Array.from({ length: 10 }, (_, i) => componentRunRecords(T0_MS + 45 * 60_000 + i * 60_000, i)).flat();
    new StoreWriter(db).writeSpans(first);
    const rows = rollupRows(db);
    // What today's store answers for the same telemetry (today's readers read the stored rows).
    const fresh = openDatabase(path.join(dir, 'fresh.db'));
    new StoreWriter(fresh).writeSpans(first);
    const before = await answers(fresh);
    // Up to 199: migration 200 recomputes the totals' day rows (a float sum in another order).
    migrate(db, loadMigrations().filter((m) => m.version <= 199));
    for (const t of ROLLUP_TABLES) {
      expect(db.prepare('SELECT type FROM sqlite_master WHERE name = ?').pluck().get(t)).toBe('view');
      expect(db.prepare(`SELECT count(*) FROM ${ROLLUPS[t].stored}`).pluck().get()).toBe(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get());
    }
    expect(JSON.parse(rows).every((r: unknown[]) => r.length > 0)).toBe(true);
    expect(rollupRows(db)).toBe(rows);
    expect(await answers(db)).toBe(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Written after the migration (ids) or all along by today's writer: the same rollups.
    new StoreWriter(db).writeSpans(later);
    new StoreWriter(fresh).writeSpans(later);
    expect(rollupRows(db)).toBe(rollupRows(fresh));
    expect(await answers(db)).toBe(await answers(fresh));
    expect(await answers(db)).not.toBe(before);

    // Retention never deletes a string a rollup uses, even once every raw row is gone.
    for (const d of [db, fresh]) {
      pruneStrings(d, PERMANENT_NS - 1n);
      for (const t of ROLLUP_TABLES) {
        const def = ROLLUPS[t];
        const missing = def.dimensions.map((c) => `${storedColumn(def, c)} NOT IN (SELECT id FROM strings)`).join(' OR ');
        expect(d.prepare(`SELECT count(*) FROM ${def.stored} WHERE ${missing}`).pluck().get()).toBe(0);
      }
    }
    fresh.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 181 (artefact names as string ids)', () => {
  it('keeps every artefact row under its name, and the artefacts read back as stored', async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 180));
    new StoreWriter(db).writeSpans(Array.from({ length: 4 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i)).flat());
    const stages = db.prepare("SELECT id, start_ns FROM spans WHERE role = 'stage' ORDER BY start_ns").safeIntegers(true).all() as { id: bigint; start_ns: bigint }[];
    // As the writer of 176-180 stored them: the name as text.
    const blob = db.prepare("INSERT INTO artefact_blobs (hash, encoding, content, last_ns) VALUES (?, 'identity', ?, ?)");
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const code = Buffer.from('export const Card = 1;');
    const pngBlob = blob.run(Buffer.alloc(16, 1), png, stages[3]?.start_ns ?? 0n).lastInsertRowid;
    const codeBlob = blob.run(Buffer.alloc(16, 2), code, stages[3]?.start_ns ?? 0n).lastInsertRowid;
    const mediaRef = (v: string) => Number(db.prepare('INSERT INTO strings (value, last_ns) VALUES (?, ?) ON CONFLICT (value) DO UPDATE SET last_ns = last_ns RETURNING id').pluck().get(v, 9_000_000_000_000_000_000n));
    const row = db.prepare('INSERT INTO artefacts (span_row, name, seq, dt, media_type_ref, bytes, original_bytes, flags, blob_id) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)');
    for (const s of stages) {
      row.run(s.id, 'code', 5, mediaRef('text/tsx; charset=utf-8'), code.length, 40, 1, codeBlob);
      row.run(s.id, 'render.diff', 6, mediaRef('image/png'), png.length, null, 0, pngBlob);
    }
    const rows = db.prepare('SELECT * FROM artefacts ORDER BY span_row, seq').raw(true).all();
    migrate(db);
    const cols = (db.pragma('table_info(artefacts)') as { name: string }[]).map((c) => c.name);
    expect(cols).toContain('name_ref');
    expect(cols).not.toContain('name');
    expect(
      // The size is the blob's since migration 207.
      db.prepare('SELECT span_row, (SELECT value FROM strings WHERE id = name_ref), seq, dt, media_type_ref, (SELECT bytes FROM artefact_blobs WHERE id = blob_id), original_bytes, flags, blob_id FROM artefacts ORDER BY span_row, seq').raw(true).all(),
    ).toEqual(rows);
    expect(rows).toHaveLength(8);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const store = new SqliteStore(db, { ownsDb: false });
    const runs = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns").pluck().all() as number[];
    for (const id of runs) {
      expect((await store.artefacts(id, ctx)).artefacts.map((a) => [a.name, a.mediaType, a.bytes, a.originalBytes, a.truncated])).toEqual([
        ['code', 'text/tsx; charset=utf-8', code.length, 40, true],
        ['render.diff', 'image/png', png.length, png.length, false],
      ]);
      expect(Buffer.compare((await store.artefact(id, 'render.diff', ctx)).content, png)).toBe(0);
      expect((await store.artefact(id, 'code', ctx)).content.toString('utf8')).toBe(code.toString('utf8'));
    }
    // Written after the migration: by name id, read back the same.
    const later = componentRunRecords(T0_MS + 10 * 90_000, 9);
    const stage = later[1];
    if (!stage) throw new Error('no stage span');
    stage.events = [
      ...stage.events,
      { name: 'genscope.artefact', timeNs: stage.startNs + 5n, attributes: { 'genscope.artefact.name': 'prompt', 'genscope.artefact.media_type': 'text/plain', 'genscope.artefact.encoding': 'utf-8', 'genscope.artefact.content': 'hi' } },
    ];
    new StoreWriter(db).writeSpans(later);
    const last = db.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns DESC LIMIT 1").pluck().get() as number;
    expect((await store.artefacts(last, ctx)).artefacts.map((a) => [a.name, a.mediaType, a.bytes])).toEqual([['prompt', 'text/plain', 2]]);
    expect((await store.artefact(last, 'prompt', ctx)).content.toString('utf8')).toBe('hi');
    // The artefact's event, rebuilt from its row (its name from the id), without the content the row holds.
    const content = 'genscope.artefact.content';
    expect(rebuiltSpans(db, 's.id = (SELECT id FROM spans WHERE span_id = ?)', Buffer.from(stage.spanId, 'hex'))[0]?.events).toEqual(
      stage.events.map((e) => ({ ...e, attributes: Object.fromEntries(Object.entries(e.attributes).filter(([k]) => k !== content)) })),
    );
    expect(db.prepare('SELECT flags & 2 FROM artefacts WHERE span_row = (SELECT id FROM spans WHERE span_id = ?)').pluck().get(Buffer.from(stage.spanId, 'hex'))).toBe(2);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('migration 182 (score dimensions as string ids)', () => {
  it('keeps every score with the same columns through the view, and the score readers answer as a fresh store does', async () => {
    const { db, dir } = fileAt170();
    migrate(db, loadMigrations().filter((m) => m.version <= 181));
    const first = Array.from({ length: 12 }, (_, i) => componentRunRecords(T0_MS + i * 90_000, i, i % 3 === 0 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
    new StoreWriter(db).writeSpans(first);
    // A score without a span row and without dimensions (an evaluation of a span not stored).
    db.prepare(
      `INSERT INTO scores (time_ns, trace_id, span_id, name_ref, value, promoted, stage, component_type, model)
       VALUES (?, ?, ?, (SELECT name_ref FROM scores LIMIT 1), 0.5, 0, NULL, 'card', NULL)`,
    ).run(BigInt(T0_MS) * 1_000_000n + 5n, Buffer.alloc(16, 7), Buffer.alloc(8, 7));
    const all = (d: Db, t: string) => JSON.stringify(d.prepare(`SELECT * FROM ${t} ORDER BY id`).raw(true).all(), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const rows = all(db, 'scores');
    const view = all(db, 'score_view');
    const spans = rebuiltSpans(db);
    migrate(db);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'scores'").pluck().get()).toBe('view');
    expect(all(db, 'scores')).toBe(rows);
    expect(all(db, 'score_view')).toBe(view);
    expect(rebuiltSpans(db)).toEqual(spans);
    expect(db.prepare('SELECT count(*) FROM scores_rows WHERE stage_ref IS NULL').pluck().get()).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Written after the migration or all along by today's writer: the same rows and answers.
    const later = Array.from({ length: 6 }, (_, i) => componentRunRecords(T0_MS + 30 * 60_000 + i * 60_000, i)).flat();
    new StoreWriter(db).writeSpans(later);
    const fresh = openDatabase(':memory:');
    new StoreWriter(fresh).writeSpans(first);
    fresh
      .prepare(
        `INSERT INTO scores_rows (time_ns, trace_id, span_id, name_ref, value, promoted, component_type_ref)
         VALUES (?, ?, ?, (SELECT name_ref FROM scores_rows LIMIT 1), 0.5, 0, (SELECT id FROM strings WHERE value = 'card'))`,
      )
      .run(BigInt(T0_MS) * 1_000_000n + 5n, Buffer.alloc(16, 7), Buffer.alloc(8, 7));
    new StoreWriter(fresh).writeSpans(later);
    expect(all(db, 'score_view')).toBe(all(fresh, 'score_view'));
    const read = async (d: Db) => {
      const store = new SqliteStore(d, { ownsDb: false });
      return JSON.stringify([
        await store.panel('quality-scores', QualityScoresQuery.parse({ range: '24h', stage: 'classify' }), ctx),
        await store.panel('quality-accuracy', PanelQuery.parse({ range: '24h', stage: 'classify', componentType: 'card' }), ctx),
        await store.panel('quality-distribution', DistributionQuery.parse({ range: '24h', stage: 'classify', model: 'gpt-4o', score: 'classification.accuracy' }), ctx),
        (await store.runs(RunsQuery.parse({ range: '24h', limit: '100' }), ctx)).runs,
        await store.run(Number(d.prepare("SELECT id FROM spans WHERE role = 'run' ORDER BY start_ns LIMIT 1").pluck().get()), ctx),
      ]);
    };
    const answers = await read(db);
    expect(answers).toBe(await read(fresh));
    expect(answers).toContain('classification.accuracy');
    fresh.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
