/**
 * The extractor: reads spans the Collector wrote to `otel_traces` and writes genscope's extracted
 * rows (genscope_spans, and through its materialized views the model calls, scores, cache lookups,
 * benchmark runs and hour rollups). It runs in the genscope process, off the Collector's insert
 * path, and uses the same GenAI convention mapping as OTLP ingest (store/conventions) and the same
 * pure mapping as the SQLite writer (store/span-rows), so both stores derive the same rows from the
 * same span.
 *
 * Exactly once: each pass reads spans from (watermark - late allowance) on that genscope_spans does
 * not hold yet (an anti-join on trace and span id), so a span the Collector delivers late, within
 * the allowance, is still picked up and a span is never extracted twice. Duplicate rows in
 * otel_traces (Collector retries) are collapsed with LIMIT 1 BY. One extractor per database.
 */
import type { AttributeMap, PriceBook } from '../../schema/records';
import { ATTR, EVENT } from '../../schema/names';
import { spanRecordToRows } from '../span-rows';
import { applyGenAiConventions } from '../conventions';
import { extractArtefacts } from '../artefacts';
import type { SpanRows } from '../span-rows';
import type { ChClient } from './client';
import type { TracesVariant } from './ddl';
import { otelReadColumns, otelRowToSpanRecord } from './otel-rows';
import { extractLogEvaluations } from './otel-logs';
import type { LogsTable } from './otel-logs';
import type { OtelReadRow } from './otel-rows';

export const WATERMARK_KEY = 'extract.watermark_ns';

export interface ExtractOptions {
  database: string;
  tracesTable: string;
  variant: TracesVariant;
  /** How late (by its start time) a span may reach otel_traces and still be extracted. */
  lateAllowanceMillis?: number;
  /** Spans read per round trip. */
  pageSize?: number;
  /** Prices for GenAI spans that carry tokens but no cost. */
  prices?: PriceBook;
  /** The Collector's otel_logs, when it exists: its evaluation records become scores. */
  logs?: LogsTable | null;
  /** Read otel_logs from here when it is before the pass's own start (records just written). */
  logsFromNs?: bigint;
}

export interface ExtractResult {
  spans: number;
  /** Scores extracted from otel_logs evaluation records. */
  logScores: number;
  pages: number;
  watermarkNs: bigint;
}

export const DEFAULT_LATE_ALLOWANCE_MILLIS = 15 * 60_000;
const DEFAULT_PAGE_SIZE = 20_000;

function ns(v: bigint): string {
  return v.toString();
}

/** The genscope_spans row (with its nested derived data) for one mapped span. */
export function extractedRow(
  rows: SpanRows,
  resource: AttributeMap,
  events: readonly SpanRowsEvent[],
): object {
  const s = rows.span;
  const mc = rows.modelCall;
  const bm = rows.benchmark;
  const cache = events.filter((e) => e.name === EVENT.cacheLookup);
  const service = resource[ATTR.serviceName];
  return {
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id,
    name: s.name,
    role: s.role,
    kind: s.kind,
    service_name: typeof service === 'string' ? service : null,
    scope_name: s.scope_name,
    start: ns(s.start_ns),
    end: ns(s.end_ns),
    duration_ns: ns(s.duration_ns),
    status_code: s.status_code,
    status_message: s.status_message,
    stage: s.stage,
    component_id: s.component_id,
    component_type: s.component_type,
    model: s.model,
    benchmark_run_id: s.benchmark_run_id,
    cost_usd: s.cost_usd,
    cache_hit: s.cache_hit,
    simulated: resource[ATTR.simulated] === true || bm?.simulated === 1 ? 1 : 0,
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    mc_provider: mc?.provider ?? null,
    mc_operation: mc?.operation ?? null,
    mc_request_model: mc?.request_model ?? null,
    mc_response_model: mc?.response_model ?? null,
    mc_input_tokens: mc?.input_tokens ?? 0,
    mc_output_tokens: mc?.output_tokens ?? 0,
    mc_cached_tokens: mc?.cached_tokens ?? 0,
    mc_cache_write_tokens: mc?.cache_write_tokens ?? 0,
    mc_reasoning_tokens: mc?.reasoning_tokens ?? 0,
    mc_ttft_ns: mc?.ttft_ns != null ? ns(mc.ttft_ns) : null,
    mc_sender_cost_usd: mc?.sender_cost_usd ?? null,
    mc_priced_cost_usd: mc?.priced_cost_usd ?? null,
    mc_sent_response_model: mc?.sent_response_model ?? null,
    mc_call: mc ? 1 : 0,
    mc_cost_source: mc?.cost_source ?? null,
    bm_pipeline: bm?.pipeline ?? null,
    bm_pipeline_version: bm?.pipeline_version ?? null,
    bm_model: bm?.model ?? null,
    bm_components: bm?.components ?? null,
    'scores.time': rows.scores.map((r) => ns(r.time_ns)),
    'scores.name': rows.scores.map((r) => r.name),
    'scores.value': rows.scores.map((r) => r.value),
    'scores.label': rows.scores.map((r) => r.label),
    'scores.explanation': rows.scores.map((r) => r.explanation),
    'cache.time': cache.map((e) => ns(e.timeNs)),
    'cache.name': cache.map((e) => {
      const n = e.attributes[ATTR.cacheName];
      return typeof n === 'string' ? n : '';
    }),
    'cache.hit': cache.map((e) => (e.attributes[ATTR.cacheHit] === true ? 1 : 0)),
  };
}

interface SpanRowsEvent {
  name: string;
  timeNs: bigint;
  attributes: AttributeMap;
}

export async function readWatermark(ch: ChClient, database: string): Promise<bigint> {
  const rows = await ch.query<{ value: string }>(
    `SELECT argMax(value, version) AS value FROM ${database}.genscope_meta WHERE key = {key:String} HAVING count() > 0`,
    { key: WATERMARK_KEY },
  );
  const v = rows[0]?.value;
  return v ? BigInt(v) : 0n;
}

/**
 * One extraction pass up to `nowMs`: every span in otel_traces that started at or after
 * (watermark - late allowance) and is not extracted yet. Returns how many it wrote.
 */
export async function extractOnce(ch: ChClient, o: ExtractOptions, nowMs: number): Promise<ExtractResult> {
  const allowanceNs = BigInt(Math.round(o.lateAllowanceMillis ?? DEFAULT_LATE_ALLOWANCE_MILLIS)) * 1_000_000n;
  const pageSize = o.pageSize ?? DEFAULT_PAGE_SIZE;
  const watermark = await readWatermark(ch, o.database);
  const fromNs = watermark > allowanceNs ? watermark - allowanceNs : 0n;
  const passStartNs = BigInt(Math.trunc(nowMs)) * 1_000_000n;
  const sql = `SELECT ${otelReadColumns()}
    FROM ${o.database}.${o.tracesTable}
    WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64})
      AND (TraceId, SpanId) NOT IN (
        SELECT trace_id, span_id FROM ${o.database}.genscope_spans WHERE start >= fromUnixTimestamp64Nano({from:Int64})
      )
    ORDER BY Timestamp
    LIMIT 1 BY TraceId, SpanId
    LIMIT {page:UInt32}`;
  let spans = 0;
  let pages = 0;
  for (;;) {
    const page = await ch.query<OtelReadRow>(sql, { from: ns(fromNs), page: pageSize });
    if (page.length === 0) break;
    pages++;
    // The GenAI conventions as OTLP ingest applies them before the SQLite writer (one page = one
    // batch for demoting wrapper spans), so foreign spans give the same calls on both stores.
    const records = page.map((r) => otelRowToSpanRecord(r, o.variant));
    applyGenAiConventions(records);
    // As the SQLite writer keeps them: artefact events without their content (it stays in otel_traces).
    for (const record of records) record.events = extractArtefacts(record.events).events;
    const out = records.map((record) =>
      extractedRow(spanRecordToRows(record, o.prices), record.resource, record.events),
    );
    // One INSERT per page: the span rows and, through the views, everything derived from them.
    await ch.insert('genscope_spans', out);
    spans += page.length;
    if (page.length < pageSize) break;
  }
  // Evaluations after the spans of this pass, so one that judges a span just extracted finds it.
  const logsFrom = o.logsFromNs !== undefined && o.logsFromNs < fromNs ? o.logsFromNs : fromNs;
  const logScores = o.logs ? await extractLogEvaluations(ch, o.logs, logsFrom) : 0;
  // The watermark only moves forward, to the start of this pass: spans that started before it
  // and arrive later than the allowance are the documented loss window.
  const next = passStartNs > watermark ? passStartNs : watermark;
  await ch.insert('genscope_meta', [
    { key: WATERMARK_KEY, version: Date.now() * 1000 + (pages % 1000), value: ns(next) },
  ]);
  return { spans, logScores, pages, watermarkNs: next };
}
