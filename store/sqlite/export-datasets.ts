/**
 * Export datasets: spans, runs, scores and model calls, read in keyset-paginated chunks in time
 * order ((time, id) through each table's time index). Chunks rather than one long iterator,
 * because better-sqlite3 forbids other statements on a connection while an iterator is open,
 * and an export waits on the network between chunks while other requests use the database.
 */
import { EXPORT_COLUMNS, EXPORT_JSON_COLUMNS } from '../../schema/api';
import type { ExportDataset, ExportQuery } from '../../schema/api';
import type { Db } from './db';
import type { Window } from '../window';
import { filterConditions, joinAnd, stmt } from './queries/sql';
import { serviceOf } from './queries/sources';

/** A span row's (alias s) service.name, for the service filter. */
const SPAN_SERVICE = serviceOf('s.resource_id');
import type { FilterColumns, SqlParam } from './queries/sql';
import { SPAN_REBUILD_COLUMNS, SPAN_REBUILD_KEYS, SpanRebuilder, eventsJson } from './span-read';
import type { SpanRebuildRow } from './span-read';
import { hexOf, stringOf } from './strings';

export type ExportValue = string | number | null;
/** One row as values in column order (arrays: cheaper to read from SQLite and to stringify). */
export type ExportRow = ExportValue[];

interface DatasetDef {
  table: string;
  timeCol: string;
  /** A fixed condition (kept literal so a partial index applies). */
  base: string;
  select: string;
  filters: FilterColumns;
  /** Spans: attributes and events are rebuilt in code from these extra columns (span-read.ts). */
  rebuild?: boolean;
}

/** The ids of a row's span (a score without a span row has its own). */
const parentIds = (col: string, own = false) => `lower(hex(${own ? `COALESCE((SELECT p.trace_id FROM spans p WHERE p.id = ${col}), s.trace_id)` : `(SELECT p.trace_id FROM spans p WHERE p.id = ${col})`})) AS trace_id,
      lower(hex(${own ? `COALESCE((SELECT p.span_id FROM spans p WHERE p.id = ${col}), s.span_id)` : `(SELECT p.span_id FROM spans p WHERE p.id = ${col})`})) AS span_id`;

const DATASETS: Record<ExportDataset, DatasetDef> = {
  spans: {
    table: 'spans',
    timeCol: 'start_ns',
    base: '1',
    select: `id, lower(hex(trace_id)) AS trace_id, lower(hex(span_id)) AS span_id, ${hexOf('parent_span_id')} AS parent_span_id,
      ${stringOf('name_ref')} AS name, role, kind, start_ns / 1e6 AS start_ms, end_ns / 1e6 AS end_ms,
      duration_ns / 1e6 AS duration_ms, status_code, status_message, stage, ${stringOf('component_id_ref')} AS component_id,
      component_type, model, ${stringOf('benchmark_run_ref')} AS benchmark_run_id, cost_usd, cache_hit, NULL AS attributes, NULL AS events,
      ${SPAN_REBUILD_COLUMNS}`,
    filters: { componentType: 'component_type', model: 'model', stage: 'stage', benchmarkRun: 'benchmark_run_ref', service: SPAN_SERVICE },
    rebuild: true,
  },
  runs: {
    table: 'spans',
    timeCol: 'start_ns',
    base: "role = 'run'",
    select: `id, lower(hex(trace_id)) AS trace_id, lower(hex(span_id)) AS span_id, start_ns / 1e6 AS start_ms,
      duration_ns / 1e6 AS duration_ms, status_code, status_message, ${stringOf('component_id_ref')} AS component_id, component_type,
      model, ${stringOf('benchmark_run_ref')} AS benchmark_run_id, cost_usd`,
    filters: { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_ref', service: SPAN_SERVICE },
  },
  scores: {
    table: 'scores',
    timeCol: 'time_ns',
    base: '1',
    select: `id, time_ns / 1e6 AS time_ms, ${parentIds('s.span_row', true)}, ${stringOf('name_ref')} AS name, value,
      ${stringOf('label_ref')} AS label, COALESCE(explanation, ${stringOf('explanation_ref')}) AS explanation, stage,
      ${stringOf('component_id_ref')} AS component_id, component_type, model, ${stringOf('benchmark_run_ref')} AS benchmark_run_id`,
    filters: {
      componentType: 'component_type',
      model: 'model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_ref',
      service: serviceOf('(SELECT p.resource_id FROM spans p WHERE p.id = s.span_row)'),
    },
  },
  'model-calls': {
    table: 'model_calls',
    timeCol: 'time_ns',
    base: '1',
    select: `id, time_ns / 1e6 AS time_ms, duration_ns / 1e6 AS duration_ms, ${parentIds('s.id')}, provider, operation, request_model,
      response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage,
      ${stringOf('component_id_ref')} AS component_id, component_type, ${stringOf('benchmark_run_ref')} AS benchmark_run_id`,
    filters: {
      componentType: 'component_type',
      model: 'response_model',
      stage: 'stage',
      benchmarkRun: 'benchmark_run_ref',
      service: serviceOf('(SELECT p.resource_id FROM spans p WHERE p.id = s.id)'),
    },
  },
};

export function datasetColumns(d: ExportDataset): readonly string[] {
  return EXPORT_COLUMNS[d];
}

export function datasetJsonColumns(d: ExportDataset): readonly string[] {
  return EXPORT_JSON_COLUMNS[d];
}

/** Filters the dataset cannot apply (reported in a response header). */
export function datasetIgnoredFilters(d: ExportDataset, q: ExportQuery): string[] {
  return filterConditions(q, DATASETS[d].filters).ignored;
}

/**
 * Yields the rows of a dataset in chunks of `chunkRows`, oldest first, at most `limit` rows, as
 * arrays in the order of EXPORT_COLUMNS. Each chunk is one short query; nothing is held between
 * chunks but the cursor.
 */
export function* datasetChunks(db: Db, d: ExportDataset, w: Window, q: ExportQuery, chunkRows = 2000): Generator<ExportRow[]> {
  const def = DATASETS[d];
  const { conds } = filterConditions(q, def.filters);
  const fixed = joinAnd(conds);
  const t = def.timeCol;
  const sql = `SELECT ${def.select}, CAST(${t} AS TEXT), id FROM ${def.table} s
    WHERE ${def.base} AND ${t} >= ? AND ${t} < ? AND (${t} > ? OR id > ?) AND ${fixed.sql}
    ORDER BY ${t}, id LIMIT ?`;
  // Raw (array) rows; the two cursor columns are appended after the exported ones.
  const statement = stmt(db, sql);
  const width = EXPORT_COLUMNS[d].length;
  // The rebuild columns sit between the exported ones and the cursor.
  const extra = def.rebuild ? SPAN_REBUILD_KEYS.length : 0;
  const columns: readonly string[] = EXPORT_COLUMNS[d];
  const attrAt = columns.indexOf('attributes');
  const eventsAt = columns.indexOf('events');
  let cursorT: bigint = w.fromNs;
  let cursorId = -1;
  let first = true;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const n = Math.min(chunkRows, left);
    const params: SqlParam[] = [cursorT, w.toNs, first ? cursorT - 1n : cursorT, cursorId, ...fixed.params, n];
    const rows = statement.raw(true).all(...params) as ExportValue[][];
    if (rows.length === 0) return;
    const last = rows[rows.length - 1];
    if (last) {
      cursorT = BigInt(String(last[width + extra]));
      cursorId = Number(last[width + extra + 1]);
    }
    first = false;
    const rebuild = def.rebuild ? new SpanRebuilder(db) : null;
    for (const r of rows) {
      if (rebuild) {
        const row = Object.fromEntries(SPAN_REBUILD_KEYS.map((k, i) => [k, r[width + i]])) as unknown as SpanRebuildRow;
        r[attrAt] = JSON.stringify(rebuild.attributes(row));
        r[eventsAt] = eventsJson(rebuild.events(row));
      }
      r.length = width;
    }
    left -= rows.length;
    yield rows;
    if (rows.length < n) return;
  }
}
