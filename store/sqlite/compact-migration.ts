/**
 * The code step of migration 042: every row of the 041 layout (hex ids, full attribute JSON,
 * score events in spans.events) converted to the compact layout through the same mapping the
 * writer uses (compact-rows.ts). Row ids are kept, so run ids and export ids stay the same.
 * Scores and model calls whose span is gone (retention prunes by each table's own time) keep
 * their values; they then have no span ids (scores keep their own ids instead of a span row, model calls get negative ids).
 */
import { GEN_AI } from '../../schema/names';
import type { AttributeMap, SpanEventRecord } from '../../schema/records';
import type { ModelCallRow, ScoreRow, SpanRole, SpanRow } from '../span-rows';
import type { Db } from './db';
import { MODEL_CALL_130_COLUMNS, MODEL_CALL_INSERT_042, SCORE_INSERT_042, SPAN_INSERT, modelCallParams, scoreParams, spanParams } from './compact-rows';
import type { StoredParams } from './compact-rows';
import { StringTable } from './strings';
import { compactLinks } from '../compact';

const CHUNK = 2000;

type OldRow = Record<string, unknown>;

const withId = (sql: string, first: string): string => sql.replace(`(${first},`, `(id, ${first},`).replace(`VALUES (@${first}`, `VALUES (@id, @${first}`);

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}
function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
function txt(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function parseMap(json: unknown): AttributeMap {
  if (typeof json !== 'string') return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as AttributeMap) : {};
  } catch {
    return {};
  }
}

function parseOldEvents(json: unknown): SpanEventRecord[] {
  if (typeof json !== 'string') return [];
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return (list as { name?: unknown; timeNs?: unknown; attributes?: unknown }[]).map((e) => ({
    name: typeof e.name === 'string' ? e.name : '',
    timeNs: typeof e.timeNs === 'string' && /^\d+$/.test(e.timeNs) ? BigInt(e.timeNs) : BigInt(typeof e.timeNs === 'number' ? Math.round(e.timeNs) : 0),
    attributes: e.attributes && typeof e.attributes === 'object' && !Array.isArray(e.attributes) ? (e.attributes as AttributeMap) : {},
  }));
}

function oldSpan(r: OldRow): SpanRow {
  return {
    resource_id: num(r.resource_id),
    trace_id: String(r.trace_id),
    span_id: String(r.span_id),
    parent_span_id: txt(r.parent_span_id),
    name: String(r.name),
    role: String(r.role) as SpanRole,
    kind: Number(r.kind),
    scope_name: txt(r.scope_name),
    start_ns: big(r.start_ns),
    end_ns: big(r.end_ns),
    duration_ns: big(r.duration_ns),
    status_code: Number(r.status_code),
    status_message: txt(r.status_message),
    stage: txt(r.stage),
    component_id: txt(r.component_id),
    component_type: txt(r.component_type),
    model: txt(r.model),
    benchmark_run_id: txt(r.benchmark_run_id),
    cost_usd: num(r.cost_usd),
    cache_hit: num(r.cache_hit),
    attributes: String(r.attributes),
    events: txt(r.events),
    links: txt(r.links),
  };
}

function oldScore(r: OldRow, seq: number): ScoreRow {
  return {
    time_ns: big(r.time_ns),
    seq,
    trace_id: String(r.trace_id),
    span_id: String(r.span_id),
    name: String(r.name),
    value: num(r.value),
    label: txt(r.label),
    explanation: txt(r.explanation),
    stage: txt(r.stage),
    component_id: txt(r.component_id),
    component_type: txt(r.component_type),
    model: txt(r.model),
    benchmark_run_id: txt(r.benchmark_run_id),
  };
}

/** Model-call parameters for the 042 layout (the columns of migration 130 do not exist yet). */
function params042(p: StoredParams): StoredParams {
  const out = { ...p };
  for (const c of MODEL_CALL_130_COLUMNS) delete out[c];
  return out;
}

function oldModelCall(r: OldRow): ModelCallRow {
  return {
    time_ns: big(r.time_ns),
    duration_ns: big(r.duration_ns),
    trace_id: String(r.trace_id),
    span_id: String(r.span_id),
    provider: txt(r.provider),
    operation: txt(r.operation),
    request_model: txt(r.request_model),
    response_model: txt(r.response_model),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cached_tokens: Number(r.cached_tokens),
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    ttft_ns: null,
    cost_usd: num(r.cost_usd),
    cost_source: txt(r.cost_source) as ModelCallRow['cost_source'],
    sender_cost_usd: null,
    priced_cost_usd: null,
    sent_response_model: null,
    status_code: Number(r.status_code),
    stage: txt(r.stage),
    component_id: txt(r.component_id),
    component_type: txt(r.component_type),
    benchmark_run_id: txt(r.benchmark_run_id),
  };
}

/** The position of each score row's event among the span's events (-1: no such event). */
function matchEvents(events: readonly SpanEventRecord[], scores: readonly OldRow[]): number[] {
  const used = new Set<number>();
  return scores.map((sc) => {
    const t = big(sc.time_ns);
    const i = events.findIndex(
      (e, k) => !used.has(k) && e.name === GEN_AI.evaluationEvent && e.timeNs === t && String(e.attributes[GEN_AI.evaluationName]) === String(sc.name),
    );
    if (i >= 0) used.add(i);
    return i;
  });
}

export function compactRows(db: Db): void {
  db.exec(`CREATE INDEX spans_041_ids ON spans_041(span_id, trace_id);
    CREATE INDEX scores_041_span ON scores_041(span_id);
    CREATE INDEX model_calls_041_span ON model_calls_041(span_id);`);
  const strings = new StringTable(db);
  strings.begin();
  const insert = {
    span: db.prepare(withId(SPAN_INSERT, 'trace_id')),
    score: db.prepare(withId(SCORE_INSERT_042, 'time_ns')),
    modelCall: db.prepare(MODEL_CALL_INSERT_042),
  };
  const read = {
    spans: db.prepare('SELECT * FROM spans_041 WHERE id > ? ORDER BY id LIMIT ?').safeIntegers(true),
    scores: db.prepare('SELECT * FROM scores_041 WHERE span_id = ? AND trace_id = ? ORDER BY id').safeIntegers(true),
    modelCalls: db.prepare('SELECT * FROM model_calls_041 WHERE span_id = ? AND trace_id = ? ORDER BY id').safeIntegers(true),
    orphanScores: db
      .prepare('SELECT * FROM scores_041 s WHERE NOT EXISTS (SELECT 1 FROM spans_041 p WHERE p.span_id = s.span_id AND p.trace_id = s.trace_id) ORDER BY id')
      .safeIntegers(true),
    orphanCalls: db
      .prepare(
        `SELECT * FROM model_calls_041 m WHERE NOT EXISTS (SELECT 1 FROM spans_041 p WHERE p.span_id = m.span_id AND p.trace_id = m.trace_id)
           OR m.id <> (SELECT min(id) FROM model_calls_041 m2 WHERE m2.span_id = m.span_id AND m2.trace_id = m.trace_id) ORDER BY id`,
      )
      .safeIntegers(true),
  };
  let cursor = 0n;
  for (;;) {
    const rows = read.spans.all(cursor, CHUNK) as OldRow[];
    if (rows.length === 0) break;
    for (const r of rows) {
      const span = oldSpan(r);
      const events = parseOldEvents(r.events);
      const oldScores = read.scores.all(r.span_id, r.trace_id) as OldRow[];
      const seqs = matchEvents(events, oldScores);
      const scores = oldScores.map((sc, i) => oldScore(sc, seqs[i] ?? -1));
      const call = (read.modelCalls.all(r.span_id, r.trace_id) as OldRow[])[0];
      const modelCall = call ? oldModelCall(call) : null;
      const id = big(r.id);
      const attributes = parseMap(r.attributes);
      insert.span.run({ ...spanParams({ span, attributes, events, scores: scores.filter((s) => s.seq >= 0), modelCall }, strings), id });
      oldScores.forEach((o, i) => {
        const sc = scores[i] as ScoreRow;
        insert.score.run({ ...scoreParams(sc, id, sc.seq >= 0 ? events[sc.seq] : undefined, strings, '042'), id: big(o.id) });
      });
      if (modelCall) insert.modelCall.run(params042(modelCallParams(modelCall, id, strings)));
    }
    cursor = big((rows[rows.length - 1] as OldRow).id);
  }
  // Rows without a span (or a second call for one span) keep their values under new ids.
  for (const o of read.orphanScores.all() as OldRow[]) insert.score.run({ ...scoreParams(oldScore(o, -1), null, undefined, strings, '042'), id: big(o.id) });
  // Negative ids: a model call's id is its span's id, and span ids are positive.
  let next = 0n;
  for (const o of read.orphanCalls.all() as OldRow[]) insert.modelCall.run(params042(modelCallParams(oldModelCall(o), --next, strings)));
  db.exec('DROP TABLE spans_041; DROP TABLE scores_041; DROP TABLE model_calls_041;');
}

/** Migration 179's code step: spans' JSON links into compactLinks' bytes where exact, in pages by id. */
export function compactStoredLinks(db: Db): void {
  const page = db.prepare<[number], { id: number; links: string }>("SELECT id, links FROM spans WHERE id > ? AND typeof(links) = 'text' ORDER BY id LIMIT 1000");
  const update = db.prepare('UPDATE spans SET links = ? WHERE id = ?');
  let after = 0;
  for (;;) {
    const rows = page.all(after);
    if (rows.length === 0) break;
    for (const r of rows) {
      const stored = compactLinks(r.links);
      if (stored instanceof Buffer) update.run(stored, r.id);
      after = r.id;
    }
  }
}
