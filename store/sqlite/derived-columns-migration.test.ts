/**
 * Migrations 205 and 206 (derived columns: spans.end_ns, model_calls.cost_source, request_model
 * and sent_response_model computed on read) on a real file at the schema before it (200), written by today's writer (which keeps the layout it finds): every row
 * reads back the same, copies are still stored once, and the panels answer the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { SqliteStore } from './store';
import { PanelQuery, QualityScoresQuery, RunsQuery } from '../../schema/api';
import { componentRunRecords } from '../../test/reliability/helpers';
import type { SpanRecord } from '../../schema/records';
import { rebuiltSpans } from './span-read';

const T0_MS = 1_780_000_000_000;
const ctx = { nowMs: T0_MS + 3 * 86_400_000, monthlyBudgetUsd: null };

function history(): SpanRecord[] {
  const spans = Array.from({ length: 24 }, (_, i) => componentRunRecords(T0_MS + i * 3 * 3_600_000, i, i % 2 ? 'gpt-4o-mini' : 'gpt-4o')).flat();
  // A span that ends before it starts (its duration is clamped to 0): end_ns must still read back as sent.
  const odd = spans[5];
  if (odd) spans[5] = { ...odd, endNs: odd.startNs - 7_000n };
  return spans;
}

const text = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));

/** Every row as readers see it: the tables' named columns (typed), the views, and the rebuilt spans. */
function rows(db: Db): Record<string, string> {
  const q = (sql: string) => text(db.prepare(sql).safeIntegers(true).raw(true).all());
  return {
    spans: q(`SELECT id, trace_id, span_id, parent_span_id, name_ref, role, typeof(role), kind, resource_id, scope_ref, start_ns, end_ns,
      typeof(end_ns), duration_ns, status_code, status_message, stage, component_id_ref, component_type, model, benchmark_run_ref, cost_usd,
      cache_hit, promoted, attributes, attributes_ref, events, links FROM spans ORDER BY id`),
    model_calls: q(`SELECT id, time_ns, duration_ns, provider, operation, request_model, response_model, input_tokens, output_tokens,
      cached_tokens, cost_usd, typeof(cost_usd), cost_source, status_code, stage, component_id_ref, component_type, benchmark_run_ref,
      cache_write_tokens, reasoning_tokens, ttft_ns, sender_cost_usd, priced_cost_usd, sent_response_model FROM model_calls ORDER BY id`),
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
    out.push(await store.panel('quality-scores', QualityScoresQuery.parse({ range, groupBy: 'none', stage: 'classify', score: ['classification.accuracy'] }), ctx));
    const runs = (await store.runs(RunsQuery.parse({ range, limit: '100' }), ctx)).runs;
    out.push(runs);
    for (const r of runs) out.push(await store.run(r.id, ctx));
  }
  return out;
}

describe('migrations 205 and 206 (derived columns)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-derived-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every row as readers see it, and stores a copy of a span once', async () => {
    const spans = history();
    const old = openDatabase(path.join(dir, 'old.db'), { migrate: false });
    migrate(old, loadMigrations().filter((m) => m.version <= 200));
    new StoreWriter(old).writeSpans(spans);
    // A cost source the code does not know, and a request or sent model other than the response model
    // (or none, or the text '0'), stay exactly as they are.
    old.exec(`UPDATE model_calls SET request_model = 'other-model', sent_response_model = NULL WHERE id = (SELECT min(id) FROM model_calls);
      UPDATE model_calls SET cost_source = 'legacy', request_model = NULL, sent_response_model = '0' WHERE id = (SELECT max(id) FROM model_calls)`);
    // The newest span deleted: its id is not handed out again.
    const lastId = Number(old.prepare('SELECT max(id) FROM spans').pluck().get());
    old.prepare('DELETE FROM spans WHERE id = ?').run(lastId);
    const before = rows(old);
    const answersBefore = await answers(old);
    expect(JSON.parse(before.spans ?? '[]').length).toBe(spans.length - 1);

    // Up to 206: 208 moves the span rows (span-dimension-migration.test.ts).
    expect(migrate(old, loadMigrations().filter((m) => m.version <= 206))).toEqual([205, 206]);
    expect(rows(old)).toEqual(before);
    expect(await answers(old)).toEqual(answersBefore);
    expect(old.pragma('integrity_check', { simple: true })).toBe('ok');

    // The writer's new layout: copies are stored once; new spans get new ids.
    const again = new StoreWriter(old);
    again.writeSpans(spans);
    expect(again.stats.duplicates).toBe(spans.length - 1);
    expect(Number(old.prepare('SELECT min(id) FROM spans WHERE id > ?').pluck().get(lastId - 1))).toBeGreaterThan(lastId);
    old.close();
  });

  it('gives a fresh file the same rows as a migrated one', () => {
    const spans = history();
    const fresh = openDatabase(path.join(dir, 'fresh.db'), { migrate: false });
    migrate(fresh, loadMigrations().filter((m) => m.version <= 206));
    new StoreWriter(fresh).writeSpans(spans);
    const old = openDatabase(path.join(dir, 'old.db'), { migrate: false });
    migrate(old, loadMigrations().filter((m) => m.version <= 200));
    new StoreWriter(old).writeSpans(spans);
    migrate(old, loadMigrations().filter((m) => m.version <= 206));
    expect(rows(fresh)).toEqual(rows(old));
    // Stored compactly: codes as integers, no lag unless a span ended before it started.
    expect(fresh.prepare('SELECT count(end_lag_ns) AS lags FROM spans').get()).toEqual({ lags: 1 });
    expect(fresh.prepare('SELECT DISTINCT typeof(cost_source_code) AS t FROM model_calls').all()).toEqual([{ t: 'integer' }]);
    expect(fresh.prepare('SELECT DISTINCT request_model_code AS r, sent_response_model_code AS s FROM model_calls').all()).toEqual([{ r: 0, s: null }]);
    fresh.close();
    old.close();
  });
});
