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
import type { FilterColumns, SqlParam } from './queries/sql';

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
}

const DATASETS: Record<ExportDataset, DatasetDef> = {
  spans: {
    table: 'spans',
    timeCol: 'start_ns',
    base: '1',
    select: `id, trace_id, span_id, parent_span_id, name, role, kind, start_ns / 1e6 AS start_ms, end_ns / 1e6 AS end_ms,
      duration_ns / 1e6 AS duration_ms, status_code, status_message, stage, component_id, component_type, model,
      benchmark_run_id, cost_usd, cache_hit, attributes, events`,
    filters: { componentType: 'component_type', model: 'model', stage: 'stage', benchmarkRun: 'benchmark_run_id' },
  },
  runs: {
    table: 'spans',
    timeCol: 'start_ns',
    base: "role = 'run'",
    select: `id, trace_id, span_id, start_ns / 1e6 AS start_ms, duration_ns / 1e6 AS duration_ms, status_code, status_message,
      component_id, component_type, model, benchmark_run_id, cost_usd`,
    filters: { componentType: 'component_type', model: 'model', benchmarkRun: 'benchmark_run_id' },
  },
  scores: {
    table: 'scores',
    timeCol: 'time_ns',
    base: '1',
    select: `id, time_ns / 1e6 AS time_ms, trace_id, span_id, name, value, label, explanation, stage, component_id, component_type,
      model, benchmark_run_id`,
    filters: { componentType: 'component_type', model: 'model', stage: 'stage', benchmarkRun: 'benchmark_run_id' },
  },
  'model-calls': {
    table: 'model_calls',
    timeCol: 'time_ns',
    base: '1',
    select: `id, time_ns / 1e6 AS time_ms, duration_ns / 1e6 AS duration_ms, trace_id, span_id, provider, operation, request_model,
      response_model, input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id,
      component_type, benchmark_run_id`,
    filters: { componentType: 'component_type', model: 'response_model', stage: 'stage', benchmarkRun: 'benchmark_run_id' },
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
  const sql = `SELECT ${def.select}, CAST(${t} AS TEXT), id FROM ${def.table}
    WHERE ${def.base} AND ${t} >= ? AND ${t} < ? AND (${t} > ? OR id > ?) AND ${fixed.sql}
    ORDER BY ${t}, id LIMIT ?`;
  // Raw (array) rows; the two cursor columns are appended after the exported ones.
  const statement = stmt(db, sql);
  const width = EXPORT_COLUMNS[d].length;
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
      cursorT = BigInt(String(last[width]));
      cursorId = Number(last[width + 1]);
    }
    first = false;
    for (const r of rows) r.length = width;
    left -= rows.length;
    yield rows;
    if (rows.length < n) return;
  }
}
