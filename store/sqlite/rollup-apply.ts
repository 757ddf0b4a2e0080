/**
 * Applying rollup deltas (store/aggregate.ts) to the SQLite rollup tables: one upsert per table,
 * generated from the layout (store/layout.ts), merging each measure by its rule. Histograms merge
 * in a function registered on the connection (never in stored SQL: every SQLite a user has must
 * be able to open the file), so an existing row is read and rewritten in one statement.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db';
import { BucketCounts, mergeEncoded } from '../histogram';
import { DAY_GRAIN_S, LABELLED_SCORES, ROLLUPS, storedColumn } from '../layout';
import type { MeasureDef, RollupTable, RollupTableDef } from '../layout';
import type { RollupDelta } from '../aggregate';
import { StringTable } from './strings';

export const HIST_MERGE_FUNCTION = 'genscope_hist_merge';

/** Registers the histogram merge on a connection (idempotent). */
export function registerRollupFunctions(db: Db): void {
  db.function(HIST_MERGE_FUNCTION, { deterministic: true }, (a: unknown, b: unknown) =>
    mergeEncoded(a instanceof Uint8Array ? a : null, b instanceof Uint8Array ? b : null),
  );
}

function mergeSql(m: MeasureDef): string {
  const c = m.column;
  const x = `excluded.${c}`;
  switch (m.merge) {
    case 'sum':
      return `${c} = ${c} + ${x}`;
    case 'max':
      return `${c} = CASE WHEN ${x} IS NULL THEN ${c} WHEN ${c} IS NULL OR ${x} > ${c} THEN ${x} ELSE ${c} END`;
    case 'min':
      return `${c} = CASE WHEN ${x} IS NULL THEN ${c} WHEN ${c} IS NULL OR ${x} < ${c} THEN ${x} ELSE ${c} END`;
    case 'hist':
      return `${c} = ${HIST_MERGE_FUNCTION}(${c}, ${x})`;
  }
}

/**
 * The upsert of one delta row into a rollup table: into its stored table with dimension ids
 * (migration 180) when `ids`, else into the table of text dimensions it was before.
 */
export function upsertSql(def: RollupTableDef, ids = true): string {
  const col = (c: string) => (ids ? storedColumn(def, c) : c);
  const cols = [...(def.grainColumn ? ['grain_s'] : []), 'bucket_ns', ...def.dimensions, ...def.measures.map((m) => m.column)].map(col);
  return `INSERT INTO ${ids ? def.stored : def.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
    ON CONFLICT (${def.primaryKey.map(col).join(', ')}) DO UPDATE SET ${def.measures.map(mergeSql).join(', ')}`;
}

export type RollupParam = string | number | bigint | Buffer | null;

/** A delta as bound parameters, in upsertSql's column order; `dimId` turns a dimension's text into its id. */
export function deltaParams(def: RollupTableDef, d: RollupDelta, dimId?: (v: string) => number): RollupParam[] {
  const out: RollupParam[] = def.grainColumn ? [d.grainS, d.bucketNs] : [d.bucketNs];
  for (const v of d.dims) out.push(dimId ? dimId(v) : v);
  for (const v of d.measures) out.push(v instanceof BucketCounts ? v.encode() : v);
  return out;
}

interface Prepared {
  stmt: Database.Statement;
  def: RollupTableDef;
  keep: number[] | null;
  ids: boolean;
}

/**
 * Upserts for the rollup tables of the layout, prepared on first use: a migration's rebuild runs
 * before later migrations have created the tables added since, or the dimensions (the rebuild of
 * migration 040 runs on tables that get `service` only in migration 150): a dimension the table
 * does not have yet is left out of its upsert, and before migration 180 the dimensions are text.
 * Dimension ids come from `strings` (the writer's, so its transaction bookkeeping covers them).
 */
export class RollupApplier {
  private readonly stmts = new Map<RollupTable, Prepared>();

  constructor(
    private readonly db: Db,
    // Made on first use when not given: before migration 042 there is no strings table.
    private strings?: StringTable,
  ) {
    registerRollupFunctions(db);
  }

  private stmt(t: RollupTable): Prepared {
    let s = this.stmts.get(t);
    if (!s) {
      const full = ROLLUPS[t];
      if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(full.stored)) {
        s = { stmt: this.db.prepare(upsertSql(full)), def: full, keep: null, ids: true };
      } else {
        const columns = new Set((this.db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name));
        const missing = full.dimensions.filter((d) => !columns.has(d));
        const def =
          missing.length === 0
            ? full
            : {
                ...full,
                dimensions: full.dimensions.filter((d) => columns.has(d)),
                primaryKey: full.primaryKey.filter((k) => !missing.includes(k)),
              };
        const keep = missing.length === 0 ? null : full.dimensions.flatMap((d, i) => (columns.has(d) ? [i] : []));
        s = { stmt: this.db.prepare(upsertSql(def, false)), def, keep, ids: false };
      }
      this.stmts.set(t, s);
    }
    return s;
  }

  /** Applies deltas; the caller holds the transaction. */
  apply(deltas: readonly RollupDelta[]): void {
    const dimId = (v: string) => (this.strings ??= new StringTable(this.db)).permanentId(v);
    for (const d of deltas) {
      const { stmt, def, keep, ids } = this.stmt(d.table);
      stmt.run(...deltaParams(def, keep ? { ...d, dims: keep.map((i) => d.dims[i] ?? '') } : d, ids ? dimId : undefined));
    }
  }
}

/**
 * Migration 178's code step: score rollup rows with a label the layout does not keep (a score
 * not in LABELLED_SCORES) merged into the row of label '' of the same key, exactly (sums add,
 * histograms merge). Batches of rows are read, deleted and applied until none is left.
 */
export function foldScoreLabels(db: Db): void {
  const labelled = JSON.stringify([...LABELLED_SCORES]);
  const page = db
    .prepare<[string], { grain_s: number; bucket_ns: bigint; name: string; component_type: string; model: string; service: string; count: number; sum: number; sum_sq: number; hist: Uint8Array }>(
      `SELECT grain_s, bucket_ns, name, component_type, model, service, count, sum, sum_sq, hist FROM rollup_scores
       WHERE label <> '' AND name NOT IN (SELECT value FROM json_each(?)) LIMIT 2000`,
    )
    .safeIntegers(true);
  const drop = db.prepare(
    `DELETE FROM rollup_scores WHERE (grain_s, bucket_ns, name, component_type, model, label, service) IN (
       SELECT grain_s, bucket_ns, name, component_type, model, label, service FROM rollup_scores
       WHERE label <> '' AND name NOT IN (SELECT value FROM json_each(?)) LIMIT 2000)`,
  );
  const applier = new RollupApplier(db);
  for (;;) {
    const rows = page.all(labelled);
    if (rows.length === 0) break;
    drop.run(labelled);
    applier.apply(
      rows.map((r) => ({
        table: 'rollup_scores' as const,
        grainS: Number(r.grain_s),
        bucketNs: r.bucket_ns,
        dims: [r.name, r.component_type, r.model, '', r.service],
        measures: [r.count, r.sum, r.sum_sq, BucketCounts.decode(r.hist)],
      })),
    );
  }
}

/** The narrow total tables and the full tables their rows sum (the same measures, fewer dimensions). */
const TOTALS_OF: readonly [RollupTable, RollupTable][] = [
  ['rollup_spans_total', 'rollup_spans'],
  ['rollup_scores_total', 'rollup_scores'],
];

/**
 * Migration 200's code step: the day grain of the total tables (their stored rows, migration
 * 180), summed from the day rows of the full tables (which hold every day the history has; a total's hour rows may start later), each
 * measure merged by its rule, so a month read from the totals is the month the full rows give.
 */
export function backfillTotalDays(db: Db): void {
  const applier = new RollupApplier(db);
  for (const [total, full] of TOTALS_OF) {
    const def = ROLLUPS[total];
    // Computed whole, so day rows a writer may have added already are not counted twice.
    db.prepare(`DELETE FROM ${def.stored} WHERE grain_s = ?`).run(DAY_GRAIN_S);
    const cols = ['bucket_ns', ...def.dimensions, ...def.measures.map((m) => m.column)];
    const rows = db.prepare(`SELECT ${cols.join(', ')} FROM ${full} WHERE grain_s = ?`).safeIntegers(true).raw(true).iterate(BigInt(DAY_GRAIN_S));
    const deltas: RollupDelta[] = [];
    for (const r of rows as Iterable<unknown[]>) {
      const dims = r.slice(1, 1 + def.dimensions.length) as string[];
      const measures = def.measures.map((m, i) => {
        const v = r[1 + def.dimensions.length + i];
        return m.merge === 'hist' ? BucketCounts.decode(v as Uint8Array) : (v as number | bigint);
      });
      deltas.push({ table: total, grainS: DAY_GRAIN_S, bucketNs: r[0] as bigint, dims, measures } as RollupDelta);
    }
    applier.apply(deltas);
  }
}
