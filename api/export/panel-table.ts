/**
 * A panel's chart-ready columns as a table for CSV: time-series panels become one row per time
 * bucket (`t` as ISO 8601 plus epoch ms, then one column per series), grouped panels one row per
 * group, matrices one row per matrix row. Generic over the response shapes of schema/api.
 */
import type { PanelId } from '../../schema/api';
import type { ExportRow, ExportValue } from '../../store/sqlite/export-datasets';

type NamedRow = Record<string, ExportValue>;

export interface Table {
  columns: string[];
  /** Values in `columns` order. */
  rows: ExportRow[];
}

function table(columns: string[], rows: NamedRow[]): Table {
  return { columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) };
}

type Json = unknown;

function isArray(v: Json): v is Json[] {
  return Array.isArray(v);
}

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cell(v: Json): ExportValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/**
 * Columns of equal length `n` in an object: its arrays of scalars, and the arrays inside its
 * records (named "record.key"). Nested objects one level down (e.g. `overall`) are skipped.
 */
function columnsOfLength(obj: Record<string, Json>, n: number, skip: ReadonlySet<string>): [string, Json[]][] {
  const out: [string, Json[]][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (skip.has(k)) continue;
    if (isArray(v) && v.length === n && !v.some((x) => isArray(x) || isRecord(x))) out.push([k, v]);
    else if (isRecord(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (isArray(v2) && v2.length === n && !v2.some((x) => isArray(x) || isRecord(x))) out.push([`${k}.${k2}`, v2]);
      }
    }
  }
  return out;
}

function fromColumns(cols: [string, Json[]][], n: number): { columns: string[]; rows: NamedRow[] } {
  const rows: NamedRow[] = [];
  for (let i = 0; i < n; i++) {
    const r: NamedRow = {};
    for (const [name, values] of cols) r[name] = cell(values[i]);
    rows.push(r);
  }
  return { columns: cols.map(([c]) => c), rows };
}

/** The key array a non-time panel's rows are named by. */
const ROW_KEYS = ['stages', 'groups', 'componentTypes', 'componentType', 'componentId', 'id', 'caches', 'labels'] as const;

export function panelToTable(panel: PanelId, response: object): Table {
  const r = response as Record<string, Json>;
  if (panel === 'summary' && isRecord(r.kpis)) {
    const rows: NamedRow[] = Object.entries(r.kpis).map(([k, v]) => ({
      kpi: k,
      value: isRecord(v) ? cell(v.value) : null,
      previous: isRecord(v) ? cell(v.previous) : null,
      delta: isRecord(v) ? cell(v.delta) : null,
      change: isRecord(v) ? cell(v.change) : null,
    }));
    return table(['kpi', 'value', 'previous', 'delta', 'change'], rows);
  }
  if (panel === 'quality-confusion' && isArray(r.labels) && isArray(r.counts)) {
    const labels = r.labels.map((l) => String(l));
    const rows = r.counts.map((row, i) => {
      const out: NamedRow = { actual: labels[i] ?? '' };
      labels.forEach((l, j) => (out[`predicted:${l}`] = isArray(row) ? cell(row[j]) : null));
      return out;
    });
    return table(['actual', ...labels.map((l) => `predicted:${l}`)], rows);
  }
  if (panel === 'performance-heatmap' && isArray(r.t) && isArray(r.edgesMs) && isArray(r.counts)) {
    const edges = r.edgesMs.map((e) => Number(e));
    const names = edges.slice(0, -1).map((lo, j) => `${lo}-${edges[j + 1]}ms`);
    const rows = r.t.map((t, i) => {
      const out: NamedRow = { time: new Date(Number(t)).toISOString(), t: cell(t) };
      const row = r.counts as Json[];
      const counts = row[i];
      names.forEach((name, j) => (out[name] = isArray(counts) ? cell(counts[j]) : null));
      return out;
    });
    return table(['time', 't', ...names], rows);
  }
  if (panel === 'quality-distribution' && isArray(r.edges) && isArray(r.counts)) {
    const edges = r.edges as Json[];
    const rows = r.counts.map((c, i) => ({ from: cell(edges[i]), to: cell(edges[i + 1]), count: cell(c) }));
    return table(['from', 'to', 'count'], rows);
  }
  if (panel === 'cost-budget' && isRecord(r.daily) && isArray(r.daily.t)) {
    const t = r.daily.t;
    const cols = columnsOfLength(r.daily, t.length, new Set());
    const named = fromColumns(cols, t.length);
    named.rows.forEach((row, i) => (row.time = new Date(Number(t[i])).toISOString()));
    return table(['time', ...named.columns], named.rows);
  }
  // Cost per component: one row per component, then its spend per stage and operation.
  if (panel === 'cost-components' && isArray(r.componentId) && isRecord(r.split)) {
    const n = r.componentId.length;
    const cols = columnsOfLength(r, n, new Set(['meta', 'split']));
    const split = r.split;
    const stages = isArray(split.stage) ? split.stage : [];
    const ops = isArray(split.operation) ? split.operation : [];
    const costs = isArray(split.costUsd) ? split.costUsd : [];
    stages.forEach((stage, k) => {
      const values = costs[k];
      if (isArray(values)) cols.push([`costUsd.${String(stage) || '(no stage)'}.${String(ops[k]) || '(no operation)'}`, values]);
    });
    const named = fromColumns(cols, n);
    return table(named.columns, named.rows);
  }
  // The stage breakdown's table is per stage (its over-time means are in the JSON export).
  if (panel !== 'performance-stages' && isArray(r.t) && r.t.length > 0) {
    const n = r.t.length;
    const cols = columnsOfLength(r, n, new Set(['meta']));
    const times = r.t;
    const named = fromColumns(cols, n);
    named.rows.forEach((row, i) => (row.time = new Date(Number(times[i])).toISOString()));
    return table(['time', ...named.columns], named.rows);
  }
  for (const key of ROW_KEYS) {
    const keys = r[key];
    if (isArray(keys)) {
      const n = keys.length;
      const cols = columnsOfLength(r, n, new Set(['meta', 't']));
      // The key column first.
      cols.sort((a, b) => (a[0] === key ? -1 : b[0] === key ? 1 : 0));
      const named = fromColumns(cols, n);
      return table(named.columns, named.rows);
    }
  }
  return { columns: [], rows: [] };
}
