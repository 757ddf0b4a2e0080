/**
 * A database as genscope wrote it up to migration 030, for upgrade tests: raw rows in that
 * format (hex text ids, full attribute and event JSON), minute and hour rollups with histograms
 * as sparse JSON over 4-per-doubling buckets (latency) and JSON arrays of 20 bins (scores), and
 * the day grain and totals left to the triggers of migrations 020/022/024, as that writer did.
 * Written here from the record mapping rather than kept as an old copy of the writer.
 */
import { CardinalityLimiter, loadMigrations, migrate, spanRecordToRows } from '../../store';
import type { Db } from '../../store';
import { aggregate, cacheLookupsOf } from '../../store/aggregate';
import { BucketCounts, sketchValueNs } from '../../store/histogram';
import { ROLLUPS } from '../../store/layout';
import type { RollupTable } from '../../store/layout';
import type { SpanRecord } from '../../schema/records';
import { ATTR } from '../../schema/names';

const OLD_BASE_NS = 100_000;
const OLD_LOG_R = Math.LN2 / 4;

function oldLatencyBucket(ns: number): number {
  if (!(ns > OLD_BASE_NS)) return 0;
  return Math.min(119, Math.floor(Math.log(ns / OLD_BASE_NS) / OLD_LOG_R));
}

/** The legacy writer wrote these tables and grains itself; the rest came from triggers. */
const WRITTEN: Partial<Record<RollupTable, readonly number[]>> = {
  rollup_spans: [60, 3600],
  rollup_scores: [60, 3600],
  rollup_model_calls: [60, 3600],
  rollup_cache: [60, 3600],
  rollup_components: [86_400],
};

/** Creates the schema of migrations 001..030. */
export function legacySchema(db: Db): void {
  migrate(
    db,
    loadMigrations().filter((m) => m.version <= 30),
  );
}

const SPAN_COLS = [
  'trace_id', 'span_id', 'parent_span_id', 'name', 'role', 'kind', 'resource_id', 'scope_name', 'start_ns', 'end_ns', 'duration_ns',
  'status_code', 'status_message', 'stage', 'component_id', 'component_type', 'model', 'benchmark_run_id', 'cost_usd', 'cache_hit',
  'attributes', 'events', 'links',
] as const;

/** Writes spans as the 030 writer did (one transaction). */
export function legacyWriteSpans(db: Db, records: readonly SpanRecord[]): void {
  const insertSpan = db.prepare(`INSERT INTO spans (${SPAN_COLS.join(', ')}) VALUES (${SPAN_COLS.map((c) => `@${c}`).join(', ')})`);
  const insertScore = db.prepare(
    `INSERT INTO scores (time_ns, trace_id, span_id, name, value, label, explanation, stage, component_id, component_type, model, benchmark_run_id)
     VALUES (@time_ns, @trace_id, @span_id, @name, @value, @label, @explanation, @stage, @component_id, @component_type, @model, @benchmark_run_id)`,
  );
  const insertCall = db.prepare(
    `INSERT INTO model_calls (time_ns, duration_ns, trace_id, span_id, provider, operation, request_model, response_model, input_tokens,
       output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id, component_type, benchmark_run_id)
     VALUES (@time_ns, @duration_ns, @trace_id, @span_id, @provider, @operation, @request_model, @response_model, @input_tokens,
       @output_tokens, @cached_tokens, @cost_usd, @cost_source, @status_code, @stage, @component_id, @component_type, @benchmark_run_id)`,
  );
  const resource = db.prepare("INSERT OR IGNORE INTO resources (id, hash, service_name, attributes) VALUES (1, 'legacy', ?, ?)");
  db.transaction(() => {
    const inputs = [];
    for (const r of records) {
      const service = r.resource[ATTR.serviceName];
      resource.run(typeof service === 'string' ? service : null, JSON.stringify(r.resource));
      const rows = spanRecordToRows(r);
      insertSpan.run({ ...rows.span, resource_id: 1 });
      for (const sc of rows.scores) insertScore.run(sc);
      if (rows.modelCall) insertCall.run(rows.modelCall);
      inputs.push({ span: rows.span, scores: rows.scores, modelCall: rows.modelCall, cacheLookups: cacheLookupsOf(r.events) });
    }
    const limiter = new CardinalityLimiter(db);
    for (const d of aggregate(inputs, (dim, ns, v) => limiter.admit(dim, ns, v ?? ''))) {
      if (!WRITTEN[d.table]?.includes(d.grainS)) continue;
      // The 030 schema has no service dimension (migration 150 adds it).
      const current = ROLLUPS[d.table];
      const def = {
        ...current,
        dimensions: current.dimensions.filter((c) => c !== 'service'),
        primaryKey: current.primaryKey.filter((c) => c !== 'service'),
      };
      const dims = d.dims.filter((_v, i) => current.dimensions[i] !== 'service');
      const key = [...(def.grainColumn ? [d.grainS] : []), d.bucketNs, ...dims];
      const keyCols = [...(def.grainColumn ? ['grain_s'] : []), 'bucket_ns', ...def.dimensions];
      const where = keyCols.map((c) => `${c} = ?`).join(' AND ');
      const old = db.prepare(`SELECT * FROM ${d.table} WHERE ${where}`).get(...key) as Record<string, unknown> | undefined;
      const values = d.measures.map((m, i) => {
        const col = def.measures[i]?.column ?? '';
        const prev = old?.[col];
        if (m instanceof BucketCounts) {
          if (col === 'latency_hist') {
            const h = (prev ? JSON.parse(prev as string) : {}) as Record<string, number>;
            m.forEach((idx, c) => {
              const b = oldLatencyBucket(sketchValueNs(idx));
              h[b] = (h[b] ?? 0) + c;
            });
            return JSON.stringify(h);
          }
          const bins = (prev ? JSON.parse(prev as string) : new Array<number>(20).fill(0)) as number[];
          m.forEach((idx, c) => (bins[idx] = (bins[idx] ?? 0) + c));
          return JSON.stringify(bins);
        }
        if (prev === undefined || prev === null || m === null) return m;
        const merge = def.measures[i]?.merge;
        if (merge === 'sum') return typeof m === 'bigint' ? BigInt(prev as number) + m : (prev as number) + m;
        if (merge === 'max') return m > (prev as number) ? m : prev;
        return m < (prev as number) ? m : prev;
      }) as (string | number | bigint | null)[];
      const cols = [...keyCols, ...def.measures.map((m) => m.column)];
      // INSERT OR REPLACE would delete and re-insert (no UPDATE trigger): upsert as the old writer did.
      db.prepare(
        `INSERT INTO ${d.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
         ON CONFLICT (${def.primaryKey.join(', ')}) DO UPDATE SET ${def.measures.map((m) => `${m.column} = excluded.${m.column}`).join(', ')}`,
      ).run(...key, ...values);
    }
  }).immediate();
}
