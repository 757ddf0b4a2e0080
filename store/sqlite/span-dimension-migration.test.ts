/**
 * Migration 208 (a span's stage, component type and model as string ids, the rows in spans_rows
 * under the `spans` view) on a real file at the schema before it (207), written by today's writer
 * (which keeps the layout it finds): every row reads back the same through `spans` and the views,
 * the panels, runs and run details answer the same, ids are not handed out again, copies are still
 * stored once, retention still deletes, and a fresh file holds the same rows as a migrated one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { pruneOnce } from './retention';
import { CostComponentsQuery, PanelQuery, QualityScoresQuery, RunsQuery } from '../../schema/api';
import { componentRunRecords } from '../../test/reliability/helpers';
import type { SpanRecord } from '../../schema/records';
import { rebuiltSpans } from './span-read';

const T0_MS = 1_780_000_000_000;
const ctx = { nowMs: T0_MS + 3 * 86_400_000, monthlyBudgetUsd: null };

function history(): SpanRecord[] {
  const spans = Array.from({ length: 24 }, (_, i) => componentRunRecords(T0_MS + i * 3 * 3_600_000, i, i % 2 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
  // A span without stage, component type or model stays without them.
  const odd = spans[4];
  if (odd) spans[4] = { ...odd, attributes: {} };
  return spans;
}

const text = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));

const SPAN_COLUMNS = `id, trace_id, span_id, parent_span_id, name_ref, role, kind, resource_id, scope_ref, start_ns, end_lag_ns, end_ns,
  duration_ns, status_code, status_message, stage, typeof(stage), component_id_ref, component_type, typeof(component_type), model,
  typeof(model), benchmark_run_ref, cost_usd, cache_hit, promoted, attributes, attributes_ref, events, links`;

/** Every row as readers see it: the spans' named columns (typed), the views, and the rebuilt spans. */
function rows(db: Db): Record<string, string> {
  const q = (sql: string) => text(db.prepare(sql).safeIntegers(true).raw(true).all());
  return {
    spans: q(`SELECT ${SPAN_COLUMNS} FROM spans ORDER BY id`),
    scores: q('SELECT * FROM scores ORDER BY id'),
    span_view: q('SELECT * FROM span_view ORDER BY id'),
    model_call_view: q('SELECT * FROM model_call_view ORDER BY id'),
    score_view: q('SELECT * FROM score_view ORDER BY id'),
    rebuilt: text(rebuiltSpans(db)),
  };
}

async function answers(db: Db): Promise<unknown[]> {
  const store = new SqliteStore(db, { ownsDb: false });
  const out: unknown[] = [];
  for (const range of ['7d', '24h']) {
    out.push(await store.panel('summary', PanelQuery.parse({ range }), ctx));
    out.push(await store.panel('performance-latency', PanelQuery.parse({ range, stage: 'classify' }), ctx));
    out.push(await store.panel('performance-latency', PanelQuery.parse({ range, componentType: 'card', model: 'gpt-4o' }), ctx));
    out.push(await store.panel('cost-components', CostComponentsQuery.parse({ range, model: 'gpt-4o-mini' }), ctx));
    out.push(await store.panel('quality-scores', QualityScoresQuery.parse({ range, groupBy: 'none', stage: 'classify', score: ['classification.accuracy'] }), ctx));
    for (const q of [{ range, limit: '100' }, { range, componentType: 'card' }, { range, model: 'gpt-4o-mini' }]) {
      const runs = (await store.runs(RunsQuery.parse(q), ctx)).runs;
      out.push(runs);
      for (const r of runs) out.push(await store.run(r.id, ctx));
    }
  }
  return out;
}

function fileAt207(file: string, spans: SpanRecord[]): Db {
  const db = openDatabase(file, { migrate: false });
  migrate(db, loadMigrations().filter((m) => m.version <= 207));
  new StoreWriter(db).writeSpans(spans);
  return db;
}

describe('migration 208 (span dimensions as string ids)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-span-dims-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every row as readers see it, and stores a copy of a span once', async () => {
    const spans = history();
    const old = fileAt207(path.join(dir, 'old.db'), spans);
    // The newest span deleted: its id is not handed out again.
    const lastId = Number(old.prepare('SELECT max(id) FROM spans').pluck().get());
    old.prepare('DELETE FROM spans WHERE id = ?').run(lastId);
    const before = rows(old);
    const answersBefore = await answers(old);
    expect(JSON.parse(before.spans ?? '[]').length).toBe(spans.length - 1);
    expect(old.prepare("SELECT count(*) FROM spans WHERE stage IS NULL AND component_type IS NULL AND model IS NULL").pluck().get()).toBeGreaterThan(0);

    expect(migrate(old)).toEqual([208]);
    expect(rows(old)).toEqual(before);
    expect(await answers(old)).toEqual(answersBefore);
    expect(old.pragma('integrity_check', { simple: true })).toBe('ok');
    // Stored as ids, each string live at least as long as the newest span using it.
    expect(old.prepare("SELECT DISTINCT typeof(stage_ref) || typeof(component_type_ref) || typeof(model_ref) FROM spans_rows WHERE stage_ref IS NOT NULL").pluck().all()).toEqual(['integerintegerinteger']);
    expect(
      old.prepare('SELECT count(*) FROM spans_rows r JOIN strings s ON s.id IN (r.stage_ref, r.component_type_ref, r.model_ref) WHERE s.last_ns < r.start_ns').pluck().get(),
    ).toBe(0);

    // The writer's new layout: copies are stored once; new spans get new ids.
    const again = new StoreWriter(old);
    again.writeSpans(spans);
    expect(again.stats.duplicates).toBe(spans.length - 1);
    expect(Number(old.prepare('SELECT min(id) FROM spans WHERE id > ?').pluck().get(lastId - 1))).toBeGreaterThan(lastId);
    old.close();
  });

  it('gives a fresh file the same rows as a migrated one, and retention deletes from either', () => {
    const spans = history();
    const fresh = openDatabase(path.join(dir, 'fresh.db'));
    new StoreWriter(fresh).writeSpans(spans);
    const old = fileAt207(path.join(dir, 'old.db'), spans);
    migrate(old);
    // As readers see them (the string ids themselves follow the order strings were first seen in).
    const seen = (db: Db) => {
      const { spans: _s, scores: _c, ...views } = rows(db);
      return views;
    };
    expect(seen(fresh)).toEqual(seen(old));
    for (const db of [fresh, old]) {
      const n = Number(db.prepare('SELECT count(*) FROM spans').pluck().get());
      const cut = BigInt(T0_MS + 36 * 3_600_000) * 1_000_000n;
      const older = Number(db.prepare('SELECT count(*) FROM spans WHERE start_ns < ?').pluck().get(cut));
      expect(older).toBeGreaterThan(0);
      const result = pruneOnce(db, { retentionDays: 1, nowMillis: T0_MS + 36 * 3_600_000 + 86_400_000 });
      expect(result.deleted['spans']).toBe(older);
      expect(Number(db.prepare('SELECT count(*) FROM spans').pluck().get())).toBe(n - older);
    }
    fresh.close();
    old.close();
  });
});
