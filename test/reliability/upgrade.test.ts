/**
 * Upgrades: a database of the schema before rollups moved into code (migrations up to 030, its
 * triggers and JSON histograms), filled as that release wrote it, opens under the current code,
 * migrates, and keeps every raw row value for value and every rollup row with its numbers; the
 * rollups then equal what the current writer writes for the same telemetry.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, migrate, openDatabase } from '../../store';
import type { Db } from '../../store';
import { componentRunRecords, count, integrity, metricPointRecord, removeDir, rollupsAgree, tempDir } from './helpers';
import { StoreWriter, rebuiltSpans, spanRecordToRows } from '../../store';
import type { RebuiltSpan } from '../../store';
import type { SpanRecord } from '../../schema/records';
import { legacySchema, legacyWriteSpans } from './legacy-writer';
import { BucketCounts } from '../../store/histogram';
import { linksJson } from '../../store/compact';
import { ROLLUPS, ROLLUP_TABLES } from '../../store/layout';

/** Every rollup row (keys and measures; histograms as their total count). */
function rollupDump(db: Db): string[] {
  return ROLLUP_TABLES.map((t) =>
    JSON.stringify(
      db
        .prepare(`SELECT * FROM ${t} ORDER BY ${ROLLUPS[t].primaryKey.join(', ')}`)
        .raw(true)
        .all()
        .map((r) => (r as unknown[]).map((v) => (v instanceof Uint8Array ? BucketCounts.decode(v).total : typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))),
    ),
  );
}

/** Total histogram count of a rollup table's rows (JSON before 040, the codec after). */
function histTotal(db: Db, table: string, column: string, where = '1'): number {
  let n = 0;
  for (const v of db.prepare(`SELECT ${column} FROM ${table} WHERE ${where}`).pluck().all() as (string | Uint8Array)[]) {
    if (v instanceof Uint8Array) n += BucketCounts.decode(v).total;
    else {
      const parsed = JSON.parse(v) as Record<string, number> | number[];
      for (const c of Object.values(parsed)) n += c;
    }
  }
  return n;
}

/** Every table of a schema with its columns, as the first migration made them. */
function tablesOf(db: Db): Map<string, string[]> {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name)
    .filter((t) => t !== 'schema_migrations');
  return new Map(tables.map((t) => [t, (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name)]));
}

/**
 * One digest per row over the given columns (a multiset, so a table rebuilt in another physical
 * order still matches, a changed value does not). Integers are read as BigInt so that nanosecond
 * timestamps compare exactly.
 */
function rowDigests(db: Db, table: string, columns: string[]): Map<string, number> {
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const stmt = db.prepare(`SELECT ${cols} FROM "${table}"`).raw(true).safeIntegers(true);
  const out = new Map<string, number>();
  for (const row of stmt.iterate() as Iterable<unknown[]>) {
    const d = crypto
      .createHash('sha1')
      .update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
      .digest('base64');
    out.set(d, (out.get(d) ?? 0) + 1);
  }
  return out;
}

/** JSON with object keys sorted (attribute key order is not kept by the compact layout). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function digestsOf(rows: Iterable<unknown[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const d = crypto
      .createHash('sha1')
      .update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
      .digest('base64');
    out.set(d, (out.get(d) ?? 0) + 1);
  }
  return out;
}

/** Tables whose layout migration 042 changed, read as logical rows: the view, and spans rebuilt. */
const COMPACTED: Record<string, string> = { spans: 'span_view', scores: 'score_view', model_calls: 'model_call_view' };
const JSON_COLUMNS = new Set(['attributes', 'events', 'links']);
/** Rollup measures dropped because nothing read them (migration 177: the score rollups' min and max). */
const DROPPED: Record<string, ReadonlySet<string>> = { rollup_scores: new Set(['min', 'max']), rollup_scores_total: new Set(['min', 'max']) };

/** Columns compared for a compacted table: a model call's id became its span's id. */
function logicalColumns(t: string, cols: string[]): string[] {
  return t === 'model_calls' ? cols.filter((c) => c !== 'id') : cols;
}

/** Rows of a compacted table in the 041 layout (JSON columns canonical). */
function legacyLogicalDigests(db: Db, t: string, cols: string[]): Map<string, number> {
  const use = logicalColumns(t, cols);
  const rows = db.prepare(`SELECT ${use.map((c) => `"${c}"`).join(', ')} FROM "${t}"`).raw(true).safeIntegers(true).all() as unknown[][];
  return digestsOf(rows.map((r) => r.map((v, i) => (JSON_COLUMNS.has(use[i] ?? '') && typeof v === 'string' ? canonical(JSON.parse(v)) : v))));
}

/** The same rows after 042: through the views, attributes and events rebuilt by the store. */
function compactLogicalDigests(db: Db, t: string, cols: string[]): Map<string, number> {
  const use = logicalColumns(t, cols);
  const plain = use.filter((c) => !JSON_COLUMNS.has(c));
  const rows = db.prepare(`SELECT id AS row_key, ${plain.map((c) => `"${c}"`).join(', ')} FROM ${COMPACTED[t] ?? t}`).safeIntegers(true).all() as Record<string, unknown>[];
  const rebuilt = t === 'spans' ? new Map(rebuiltSpans(db).map((r) => [r.id, r])) : new Map<number, RebuiltSpan>();
  // Links are JSON or bytes (migration 179): compared as the JSON they stand for.
  const links = new Map((db.prepare('SELECT id, links FROM spans').all() as { id: number; links: unknown }[]).map((r) => [r.id, linksJson(r.links)]));
  return digestsOf(
    rows.map((r) =>
      use.map((c) => {
        if (!JSON_COLUMNS.has(c)) return r[c];
        const span = rebuilt.get(Number(r.row_key));
        if (c === 'links') {
          const l = links.get(Number(r.row_key));
          return l ? canonical(JSON.parse(l)) : null;
        }
        if (c === 'attributes') return canonical(span?.attributes ?? {});
        const events = span?.events ?? [];
        return events.length ? canonical(events.map((e) => ({ name: e.name, timeNs: e.timeNs.toString(), attributes: e.attributes }))) : null;
      }),
    ),
  );
}

function rowCount(digests: Map<string, number>): number {
  let n = 0;
  for (const c of digests.values()) n += c;
  return n;
}

/** Rows of before that are missing (or changed) in after; a migration may add rows, never lose one. */
function lostRows(before: Map<string, number>, after: Map<string, number>): number {
  let lost = 0;
  for (const [d, c] of before) lost += Math.max(0, c - (after.get(d) ?? 0));
  return lost;
}

describe('upgrade from the schema of migration 030', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('genscope-upgrade-');
  });
  afterEach(() => removeDir(dir));

  it('opens a filled 030 database under the current code, migrates it and keeps every row', () => {
    const file = path.join(dir, 'v030.db');
    const all = loadMigrations();

    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    legacySchema(old);
    const t0 = Date.UTC(2025, 5, 1);
    const records = [];
    for (let b = 0; b < 10; b++) {
      const spans = [];
      for (let i = 0; i < 100; i++) spans.push(...componentRunRecords(t0 + (b * 100 + i) * 60_000, i));
      legacyWriteSpans(old, spans);
      records.push(spans);
    }
    old.prepare(
      `INSERT INTO benchmark_runs (id, trace_id, pipeline, pipeline_version, model, started_ns, ended_ns, duration_ns,
         components, status_code, simulated, attributes) VALUES ('bench-1', ?, 'p', '1', 'gpt-4o', ?, ?, ?, 48, 1, 0, '{}')`,
    ).run('ab'.repeat(16), 1_748_736_000_123_456_789n, 1_748_736_060_987_654_321n, 60_864_197_532n);
    const tables = tablesOf(old);
    const before = new Map([...tables].map(([t, cols]) => [t, COMPACTED[t] ? legacyLogicalDigests(old, t, cols) : rowDigests(old, t, cols)]));
    const histsBefore = {
      spans: histTotal(old, 'rollup_spans', 'latency_hist'),
      totals: histTotal(old, 'rollup_spans_total', 'latency_hist'),
      scores: histTotal(old, 'rollup_scores', 'hist'),
    };
    const triggers = count(old, "SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'");
    old.close();

    const rowsBefore = (t: string) => rowCount(before.get(t) ?? new Map<string, number>());
    expect(triggers).toBe(12);
    expect(rowsBefore('spans')).toBe(3000);
    expect(rowsBefore('scores')).toBe(1000);
    expect(rowsBefore('model_calls')).toBe(1000);
    // The triggers filled the day grain and the totals.
    expect(count(new Database(file, { readonly: true }), 'SELECT count(*) AS n FROM rollup_spans WHERE grain_s = 86400')).toBeGreaterThan(0);
    // Every rollup table the 030 schema has (later migrations add others, filled by their own steps).
    for (const t of ROLLUP_TABLES.filter((x) => before.has(x))) expect({ t, rows: rowsBefore(t) > 0 }).toEqual({ t, rows: true });

    // The current code: every migration applied, nothing lost.
    const db = openDatabase(file);
    const versions = db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => r.version);
    expect(versions).toEqual(all.map((m) => m.version));
    expect(integrity(db)).toBe('ok');
    expect(count(db, "SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'")).toBe(0);
    for (const [t, cols] of tables) {
      // Since migrations 180, 182 and 208 a rollup, the scores and the spans are views of the same columns over a `_rows` table.
      const view = (ROLLUP_TABLES as string[]).includes(t) || t === 'scores' || t === 'spans';
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = ${view ? "'view'" : "'table'"} AND name = ?`).get(t);
      expect({ table: t, exists: Boolean(exists) }).toEqual({ table: t, exists: true });
      const liveCols = new Set((db.pragma(`table_info(${COMPACTED[t] ?? t})`) as { name: string }[]).map((c) => c.name));
      // Compacted tables: every old column is in the view, or rebuilt (attributes, events, links).
      const missing = cols.filter((c) => !liveCols.has(c) && !(COMPACTED[t] && JSON_COLUMNS.has(c)) && !DROPPED[t]?.has(c));
      expect({ table: t, missing }).toEqual({ table: t, missing: [] });
      if (t.startsWith('rollup_') && t !== 'rollup_dimension_values') {
        // Rollups are rebuilt: same keys, same row count; the totals gained the day grain (migration 200).
        const totals = t === 'rollup_spans_total' || t === 'rollup_scores_total';
        expect({ table: t, rows: count(db, `SELECT count(*) AS n FROM ${t}${totals ? ' WHERE grain_s <> 86400' : ''}`) }).toEqual({ table: t, rows: rowsBefore(t) });
        if (totals) {
          const key = t === 'rollup_spans_total' ? 'stage' : 'name';
          const days = count(db, `SELECT count(*) AS n FROM (SELECT DISTINCT ${key}, bucket_ns / 86400000000000 FROM ${t} WHERE grain_s = 3600)`);
          expect({ table: t, dayRows: count(db, `SELECT count(*) AS n FROM ${t} WHERE grain_s = 86400`) }).toEqual({ table: t, dayRows: days });
        }
        continue;
      }
      const now = COMPACTED[t] ? compactLogicalDigests(db, t, cols) : rowDigests(db, t, cols);
      expect({ table: t, lost: lostRows(before.get(t) ?? new Map<string, number>(), now) }).toEqual({ table: t, lost: 0 });
      // Migration 150's rebuild admits the new service dimension's values too (and nothing else).
      const added = t === 'rollup_dimension_values' ? count(db, "SELECT count(*) AS n FROM rollup_dimension_values WHERE dimension = 'service'") : 0;
      expect({ table: t, rows: rowCount(now) - added }).toEqual({ table: t, rows: rowsBefore(t) });
    }
    expect({
      spans: histTotal(db, 'rollup_spans', 'latency_hist'),
      totals: histTotal(db, 'rollup_spans_total', 'latency_hist', 'grain_s <> 86400'),
      scores: histTotal(db, 'rollup_scores', 'hist'),
    }).toEqual(histsBefore);
    // The totals' day rows (migration 200) hold what their hours hold.
    expect(histTotal(db, 'rollup_spans_total', 'latency_hist', 'grain_s = 86400')).toBe(histsBefore.totals);
    const bench = db
      .prepare("SELECT started_ns, ended_ns, duration_ns FROM benchmark_runs WHERE id = 'bench-1'")
      .safeIntegers(true)
      .get();
    expect(bench).toEqual({
      started_ns: 1_748_736_000_123_456_789n,
      ended_ns: 1_748_736_060_987_654_321n,
      duration_ns: 60_864_197_532n,
    });

    // The rebuilt rollups are what the current writer writes for the same telemetry.
    const fresh = openDatabase(':memory:');
    const freshWriter = new StoreWriter(fresh);
    for (const spans of records) freshWriter.writeSpans(spans);
    expect(rollupDump(db)).toEqual(rollupDump(fresh));

    // The upgraded file keeps working: new writes land beside the old rows, rollups still agree.
    const after = new StoreWriter(db);
    after.writeSpans(componentRunRecords(Date.UTC(2026, 0, 1), 1));
    after.writeMetricPoints([metricPointRecord(Date.UTC(2026, 0, 1), 1)]);
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(3003);
    const r = rollupsAgree(db);
    expect(r.runRollup).toBe(r.runs);
    expect(r.callRollup).toBe(r.calls);
    db.close();

    // Opening again is a no-op.
    const again = openDatabase(file);
    expect(migrate(again)).toEqual([]);
    expect(count(again, 'SELECT count(*) AS n FROM spans')).toBe(3003);
    again.close();
  });
});

describe('upgrade from the layout of migration 041 (before compact rows)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('genscope-upgrade-041-');
  });
  afterEach(() => removeDir(dir));

  it('converts every span, score and model call and gives back every attribute and event as written', () => {
    const file = path.join(dir, 'v041.db');
    const old = new Database(file);
    migrate(old, loadMigrations().filter((m) => m.version <= 41));
    // Rows as the 041 writer stored them: hex ids, the full attribute JSON, score events in events.
    const insert = {
      span: old.prepare(`INSERT INTO spans (trace_id, span_id, parent_span_id, name, role, kind, resource_id, scope_name, start_ns, end_ns,
          duration_ns, status_code, status_message, stage, component_id, component_type, model, benchmark_run_id, cost_usd, cache_hit,
          attributes, events, links)
        VALUES (@trace_id, @span_id, @parent_span_id, @name, @role, @kind, NULL, @scope_name, @start_ns, @end_ns, @duration_ns,
          @status_code, @status_message, @stage, @component_id, @component_type, @model, @benchmark_run_id, @cost_usd, @cache_hit,
          @attributes, @events, @links)`),
      score: old.prepare(`INSERT INTO scores (time_ns, trace_id, span_id, name, value, label, explanation, stage, component_id,
          component_type, model, benchmark_run_id)
        VALUES (@time_ns, @trace_id, @span_id, @name, @value, @label, @explanation, @stage, @component_id, @component_type, @model,
          @benchmark_run_id)`),
      call: old.prepare(`INSERT INTO model_calls (time_ns, duration_ns, trace_id, span_id, provider, operation, request_model,
          response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id,
          component_type, benchmark_run_id)
        VALUES (@time_ns, @duration_ns, @trace_id, @span_id, @provider, @operation, @request_model, @response_model, @input_tokens,
          @output_tokens, @cached_tokens, @cost_usd, @cost_source, @status_code, @stage, @component_id, @component_type,
          @benchmark_run_id)`),
    };
    const records: SpanRecord[] = [];
    for (let i = 0; i < 60; i++) records.push(...componentRunRecords(Date.UTC(2026, 10, 1) + i * 60_000, i));
    // Odd values the compact layout must not rebuild wrongly: numeric strings, empty strings, arrays.
    const odd = records[1];
    if (odd) {
      odd.attributes = { ...odd.attributes, 'pipeline.stage': '', 'genscope.cost.usd': '0.5', list: [1, 2.5, true, 'x'], n: 7, f: 0.25 };
      odd.events.push({ name: 'gen_ai.evaluation.result', timeNs: odd.startNs + 5n, attributes: { 'gen_ai.evaluation.name': 'x.score', 'gen_ai.evaluation.score.value': '0.9', extra: [1, 2] } });
    }
    old.transaction(() => {
      for (const r of records) {
        const rows = spanRecordToRows(r);
        insert.span.run(rows.span);
        for (const sc of rows.scores) {
          const { seq: _seq, ...legacy } = sc;
          insert.score.run(legacy);
        }
        if (rows.modelCall) insert.call.run(rows.modelCall);
      }
    })();
    const before = {
      spans: count(old, 'SELECT count(*) AS n FROM spans'),
      scores: count(old, 'SELECT count(*) AS n FROM scores'),
      calls: count(old, 'SELECT count(*) AS n FROM model_calls'),
      scoreRows: old.prepare('SELECT trace_id, span_id, name, value, label, explanation, stage, component_id, component_type, model, benchmark_run_id FROM scores ORDER BY id').all(),
      callRows: old.prepare('SELECT trace_id, span_id, provider, operation, input_tokens, output_tokens, cost_usd, component_id FROM model_calls ORDER BY id').all(),
    };
    old.close();
    expect(before.spans).toBe(records.length);

    const db = openDatabase(file);
    expect(integrity(db)).toBe('ok');
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(before.spans);
    expect(count(db, 'SELECT count(*) AS n FROM scores')).toBe(before.scores);
    expect(count(db, 'SELECT count(*) AS n FROM model_calls')).toBe(before.calls);
    const stored = new Map(rebuiltSpans(db).map((s) => [s.spanId, s]));
    for (const r of records) {
      const s = stored.get(r.spanId);
      expect({ span: r.spanId, traceId: s?.traceId, name: s?.name, attributes: s?.attributes, events: s?.events }).toEqual({
        span: r.spanId,
        traceId: r.traceId,
        name: r.name,
        attributes: r.attributes,
        events: r.events,
      });
    }
    expect(db.prepare('SELECT trace_id, span_id, name, value, label, explanation, stage, component_id, component_type, model, benchmark_run_id FROM score_view ORDER BY id').all()).toEqual(before.scoreRows);
    expect(db.prepare('SELECT trace_id, span_id, provider, operation, input_tokens, output_tokens, cost_usd, component_id FROM model_call_view ORDER BY time_ns, span_id').all()).toEqual(before.callRows);
    db.close();
  });
});
