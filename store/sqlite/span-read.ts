/**
 * Reading the compact span layout back (migration 042): a span's attributes and events exactly
 * as received, rebuilt from its row, its model call and its score rows. Run detail, the spans
 * export and the rollup rebuild read spans through here.
 */
import { EVENT, GEN_AI } from '../../schema/names';
import { ARTEFACT_FLAG, rebuildArtefactEvent } from '../artefacts';
import type Database from 'better-sqlite3';
import type { AttributeMap, SpanEventRecord } from '../../schema/records';
import { EVENTS_IN_ARTEFACTS, mergeEvents, rebuildScoreAttributes, rebuildSpanAttributes, storedEventTimeNs } from '../compact';
import type { ExtractedEvent, PromotedColumns, StoredEvent } from '../compact';
import type { Db } from './db';
import { StringReader, stringOf } from './strings';

/** The columns of a spans row (alias s) a rebuild needs, with text for the shared strings. */
export const SPAN_REBUILD_COLUMNS = `s.id AS row_id, CAST(s.start_ns AS TEXT) AS start_ns_text, s.role AS row_role, s.stage AS row_stage,
  s.component_type AS row_component_type, s.model AS row_model, s.cost_usd AS row_cost_usd, s.cache_hit AS row_cache_hit,
  s.promoted AS row_promoted, s.attributes AS row_attributes, s.attributes_ref AS row_attributes_ref, s.events AS row_events,
  ${stringOf('s.component_id_ref')} AS row_component_id, ${stringOf('s.benchmark_run_ref')} AS row_benchmark_run_id`;

/** The names of SPAN_REBUILD_COLUMNS in their order (for rows read as arrays). */
export const SPAN_REBUILD_KEYS = [
  'row_id', 'start_ns_text', 'row_role', 'row_stage', 'row_component_type', 'row_model', 'row_cost_usd', 'row_cache_hit',
  'row_promoted', 'row_attributes', 'row_attributes_ref', 'row_events', 'row_component_id', 'row_benchmark_run_id',
] as const;

export interface SpanRebuildRow {
  row_id: number;
  start_ns_text: string;
  row_role: string;
  row_stage: string | null;
  row_component_type: string | null;
  row_model: string | null;
  row_cost_usd: number | null;
  row_cache_hit: number | null;
  row_promoted: number;
  row_attributes: string | null;
  row_attributes_ref: number | null;
  row_events: string | null;
  row_component_id: string | null;
  row_benchmark_run_id: string | null;
}

interface ModelCallCols {
  operation: string | null;
  provider: string | null;
  request_model: string | null;
  response_model: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
}

interface ScoreEventRow {
  time_text: string;
  seq: number;
  name: string | null;
  value: number | null;
  label: string | null;
  explanation: string | null;
  promoted: number;
  attributes: string | null;
  evaluated_span_id: string | null;
  response_id: string | null;
}

interface ArtefactEventRow {
  name: string;
  seq: number;
  dt: number;
  media_type: string;
  bytes: number;
  original_bytes: number;
  flags: number;
}

/** Stored events JSON -> events (shared bodies resolved). */
export function decodeStoredEvents(json: string | null, startNs: bigint, strings: StringReader): SpanEventRecord[] {
  if (!json) return [];
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: SpanEventRecord[] = [];
  for (const item of list as StoredEvent[]) {
    if (!item || typeof item !== 'object') continue;
    let name = item.name;
    let attributes = item.attributes;
    if (typeof item.ref === 'number') {
      const body = strings.get(item.ref);
      if (body === null) continue;
      const parsed = JSON.parse(body) as { name?: string; attributes?: AttributeMap };
      name = parsed.name;
      attributes = parsed.attributes;
    }
    out.push({ name: typeof name === 'string' ? name : '', timeNs: storedEventTimeNs(item, startNs), attributes: attributes ?? {} });
  }
  return out;
}

/** Rebuilds spans of one read (a run, an export chunk); shared strings are cached for it. */
export class SpanRebuilder {
  readonly strings: StringReader;
  private readonly stmt;
  private readonly db: Db;

  constructor(db: Db) {
    this.strings = new StringReader(db);
    this.stmt = {
      modelCall: db.prepare<[number], ModelCallCols>(
        'SELECT operation, provider, request_model, response_model, input_tokens, output_tokens, cached_tokens FROM model_calls WHERE id = ?',
      ),
      scores: db.prepare<[number], ScoreEventRow>(
        `SELECT CAST(time_ns AS TEXT) AS time_text, seq, ${stringOf('name_ref')} AS name, value, ${stringOf('label_ref')} AS label,
           COALESCE(explanation, ${stringOf('explanation_ref')}) AS explanation, promoted, attributes,
           CASE WHEN evaluated_span_id IS NULL THEN NULL ELSE lower(hex(evaluated_span_id)) END AS evaluated_span_id, ${stringOf('response_id_ref')} AS response_id
         FROM scores WHERE span_row = ? AND seq IS NOT NULL ORDER BY seq`,
      ),
      // Only for spans whose mask says so: databases before migration 176 have no such column.
      artefacts: null as Database.Statement<[number], ArtefactEventRow> | null,
    };
    this.db = db;
  }

  attributes(r: SpanRebuildRow): AttributeMap {
    // Any role: a trace root that is a model call is a run with its model-call row.
    const mc = (r.row_promoted & ~EVENTS_IN_ARTEFACTS) >= 1 << 7 ? this.stmt.modelCall.get(r.row_id) : undefined;
    const cols: PromotedColumns = {
      stage: r.row_stage,
      component_type: r.row_component_type,
      component_id: r.row_component_id,
      benchmark_run_id: r.row_benchmark_run_id,
      model: r.row_model,
      cost_usd: r.row_cost_usd,
      cache_hit: r.row_cache_hit,
      ...(mc ?? {}),
    };
    const rest = r.row_attributes ?? this.strings.get(r.row_attributes_ref);
    return rebuildSpanAttributes(r.row_promoted, rest, cols);
  }

  events(r: SpanRebuildRow): SpanEventRecord[] {
    const startNs = BigInt(r.start_ns_text);
    const kept = decodeStoredEvents(r.row_events, startNs, this.strings);
    const extracted: ExtractedEvent[] = this.stmt.scores.all(r.row_id).map((sc) => ({
      seq: sc.seq,
      event: {
        name: GEN_AI.evaluationEvent,
        timeNs: BigInt(sc.time_text),
        attributes: rebuildScoreAttributes(sc.promoted, sc.attributes, {
          name: sc.name ?? '',
          value: sc.value,
          label: sc.label,
          explanation: sc.explanation,
          evaluated_span_id: sc.evaluated_span_id,
          response_id: sc.response_id,
        }),
      },
    }));
    if (r.row_promoted & EVENTS_IN_ARTEFACTS) {
      this.stmt.artefacts ??= this.db.prepare<[number], ArtefactEventRow>(
        `SELECT ${stringOf('a.name_ref')} AS name, a.seq, a.dt, ${stringOf('a.media_type_ref')} AS media_type, b.bytes, COALESCE(a.original_bytes, b.bytes) AS original_bytes, a.flags
         FROM artefacts a JOIN artefact_blobs b ON b.id = a.blob_id WHERE a.span_row = ? AND a.flags & ${ARTEFACT_FLAG.rebuilt}`,
      );
      for (const a of this.stmt.artefacts.all(r.row_id)) {
        const cols = { name: a.name, media_type: a.media_type, bytes: a.bytes, original_bytes: a.original_bytes, truncated: a.flags & ARTEFACT_FLAG.truncated };
        extracted.push({ seq: a.seq, event: { name: EVENT.artefact, timeNs: startNs + BigInt(a.dt), attributes: rebuildArtefactEvent(a.flags, cols) } });
      }
    }
    return mergeEvents(kept, extracted);
  }
}

/** Events as the API and exports show them: times as decimal ns strings (JSON has no BigInt). */
export function eventsJson(events: readonly SpanEventRecord[]): string | null {
  if (events.length === 0) return null;
  return JSON.stringify(events.map((e) => ({ name: e.name, timeNs: e.timeNs.toString(), attributes: e.attributes })));
}

/** A stored span with its attributes and events as received (tests and tools read spans so). */
export interface RebuiltSpan {
  id: number;
  traceId: string;
  spanId: string;
  name: string;
  attributes: AttributeMap;
  events: SpanEventRecord[];
}

/** The spans matching `where` (SQL over the spans row, alias s), rebuilt, in row order. */
export function rebuiltSpans(db: Db, where = '1', ...params: unknown[]): RebuiltSpan[] {
  const rebuild = new SpanRebuilder(db);
  const rows = db
    .prepare(
      `SELECT lower(hex(s.trace_id)) AS trace_hex, lower(hex(s.span_id)) AS span_hex, ${stringOf('s.name_ref')} AS span_name,
         ${SPAN_REBUILD_COLUMNS} FROM spans s WHERE ${where} ORDER BY s.id`,
    )
    .all(...params) as (SpanRebuildRow & { trace_hex: string; span_hex: string; span_name: string })[];
  return rows.map((r) => ({
    id: r.row_id,
    traceId: r.trace_hex,
    spanId: r.span_hex,
    name: r.span_name,
    attributes: rebuild.attributes(r),
    events: rebuild.events(r),
  }));
}
