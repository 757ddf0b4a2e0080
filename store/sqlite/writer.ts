/**
 * The store writer: the one place telemetry becomes SQLite rows. Shared by the SDK exporters
 * and by OTLP ingest. One IMMEDIATE transaction per batch, statements prepared once, rollups
 * maintained in the same transaction as the raw rows so they can never disagree.
 */
import crypto from 'node:crypto';
import type { Db } from './db';
import { ATTR, EVENT } from '../../schema/names';
import { latencyBucketIndex } from '../../schema/latency-buckets';
import type { SparseHistogram } from '../../schema/latency-buckets';
import type { AttributeMap, MetricPointRecord, SpanRecord } from '../../schema/records';
import type { TelemetryWriter, WriteResult } from '../writer-types';
import { spanRecordToRows } from '../span-rows';
import type { SpanRows } from '../span-rows';
import type { PriceBook } from '../../schema/records';
import { CardinalityLimiter } from './cardinality';
import type { CardinalityLimits, RollupDimension } from './cardinality';

/** Rollup grains in seconds: minutes for recent detail, hours kept long. */
export const ROLLUP_GRAINS_S = [60, 3600] as const;
const SCORE_BINS = 20;
const MAX_WARNINGS = 20;

export interface StoreWriterOptions {
  /** Prices for GenAI spans that carry tokens but no cost (ingest). */
  prices?: PriceBook;
  /** Attempts when the database stays busy past its busy timeout (another writer process). */
  maxAttempts?: number;
  /** First backoff between attempts; doubles each time. */
  retryBackoffMillis?: number;
  /** Distinct values per rollup dimension per hour; the rest is counted under '(other)'. */
  cardinality?: CardinalityLimits;
}

export interface StoreWriterStats {
  batches: number;
  spans: number;
  metricPoints: number;
  rejected: number;
  busyRetries: number;
  failures: number;
  /** Rollup dimension values counted under '(other)' by the cardinality bound. */
  foldedValues: number;
  lastError: string | null;
  /** When the last failure happened (epoch ms), for the health endpoint's "recent" check. */
  lastFailureAtMillis: number | null;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function validateSpan(s: SpanRecord): string | null {
  if (!HEX32.test(s.traceId) || /^0+$/.test(s.traceId)) return `span ${s.name}: invalid trace id`;
  if (!HEX16.test(s.spanId) || /^0+$/.test(s.spanId)) return `span ${s.name}: invalid span id`;
  if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId)) return `span ${s.name}: invalid parent span id`;
  if (typeof s.name !== 'string' || s.name.length === 0) return 'span without a name';
  if (typeof s.startNs !== 'bigint' || typeof s.endNs !== 'bigint' || s.startNs <= 0n)
    return `span ${s.name}: missing start or end time`;
  return null;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

interface SpanAgg {
  grain: number;
  bucket: bigint;
  stage: string;
  type: string;
  model: string;
  count: number;
  errors: number;
  durSum: bigint;
  durMax: bigint;
  cost: number;
  hits: number;
  misses: number;
  hist: SparseHistogram;
}

interface ScoreAgg {
  grain: number;
  bucket: bigint;
  name: string;
  type: string;
  model: string;
  label: string;
  count: number;
  sum: number;
  sumSq: number;
  min: number | null;
  max: number | null;
  hist: number[];
}

interface ModelAgg {
  grain: number;
  bucket: bigint;
  op: string;
  provider: string;
  model: string;
  type: string;
  calls: number;
  errors: number;
  inTok: number;
  outTok: number;
  cachedTok: number;
  cost: number;
  durSum: bigint;
}

interface ComponentAgg {
  bucket: bigint;
  id: string;
  type: string;
  model: string;
  runs: number;
  errors: number;
  cost: number;
  durSum: bigint;
}

interface CacheAgg {
  grain: number;
  bucket: bigint;
  name: string;
  stage: string;
  type: string;
  hits: number;
  misses: number;
}

/**
 * The start of the grain-sized bucket holding ns. Rows arrive in time order, so consecutive calls
 * mostly hit the same bucket: remember the last one per grain instead of redoing BigInt math.
 */
const lastBucket = new Map<number, { start: bigint; end: bigint }>();
function bucketOf(ns: bigint, grainS: number): bigint {
  const last = lastBucket.get(grainS);
  if (last && ns >= last.start && ns < last.end) return last.start;
  const g = BigInt(grainS) * 1_000_000_000n;
  const start = ns - (((ns % g) + g) % g);
  lastBucket.set(grainS, { start, end: start + g });
  return start;
}

export class StoreWriter implements TelemetryWriter {
  readonly stats: StoreWriterStats = {
    batches: 0,
    spans: 0,
    metricPoints: 0,
    rejected: 0,
    busyRetries: 0,
    failures: 0,
    foldedValues: 0,
    lastError: null,
    lastFailureAtMillis: null,
  };
  private readonly prices: PriceBook | undefined;
  private readonly maxAttempts: number;
  private readonly backoffMillis: number;
  private readonly resourceIds = new Map<string, number>();
  // Producers share one resource object across many records: hash each object once.
  private resourceObjectIds = new WeakMap<AttributeMap, number>();
  private readonly stmt: ReturnType<StoreWriter['prepare']>;
  /** Null on a database older than migration 030 (opened without migrating): no bound then. */
  private readonly limiter: CardinalityLimiter | null;

  constructor(
    private readonly db: Db,
    options: StoreWriterOptions = {},
  ) {
    this.prices = options.prices;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.backoffMillis = Math.max(1, options.retryBackoffMillis ?? 25);
    this.stmt = this.prepare();
    const bounded = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dimension_values'").get();
    this.limiter = bounded ? new CardinalityLimiter(db, options.cardinality) : null;
  }

  /** The value a rollup key stores for dimension at time ns (see cardinality.ts). */
  private dim(dimension: RollupDimension, ns: bigint, value: string | null): string {
    const v = value ?? '';
    return this.limiter ? this.limiter.admit(dimension, ns, v) : v;
  }

  private prepare() {
    const db = this.db;
    return {
      resourceGet: db.prepare<[string], { id: number }>('SELECT id FROM resources WHERE hash = ?'),
      resourceInsert: db.prepare(
        'INSERT INTO resources (hash, service_name, attributes) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING',
      ),
      span: db.prepare(
        `INSERT INTO spans (trace_id, span_id, parent_span_id, name, role, kind, resource_id, scope_name, start_ns, end_ns,
           duration_ns, status_code, status_message, stage, component_id, component_type, model, benchmark_run_id, cost_usd,
           cache_hit, attributes, events, links)
         VALUES (@trace_id, @span_id, @parent_span_id, @name, @role, @kind, @resource_id, @scope_name, @start_ns, @end_ns,
           @duration_ns, @status_code, @status_message, @stage, @component_id, @component_type, @model, @benchmark_run_id,
           @cost_usd, @cache_hit, @attributes, @events, @links)`,
      ),
      score: db.prepare(
        `INSERT INTO scores (time_ns, trace_id, span_id, name, value, label, explanation, stage, component_id, component_type,
           model, benchmark_run_id)
         VALUES (@time_ns, @trace_id, @span_id, @name, @value, @label, @explanation, @stage, @component_id, @component_type,
           @model, @benchmark_run_id)`,
      ),
      modelCall: db.prepare(
        `INSERT INTO model_calls (time_ns, duration_ns, trace_id, span_id, provider, operation, request_model, response_model,
           input_tokens, output_tokens, cached_tokens, cost_usd, cost_source, status_code, stage, component_id, component_type,
           benchmark_run_id)
         VALUES (@time_ns, @duration_ns, @trace_id, @span_id, @provider, @operation, @request_model, @response_model,
           @input_tokens, @output_tokens, @cached_tokens, @cost_usd, @cost_source, @status_code, @stage, @component_id,
           @component_type, @benchmark_run_id)`,
      ),
      benchmark: db.prepare(
        `INSERT INTO benchmark_runs (id, trace_id, pipeline, pipeline_version, model, started_ns, ended_ns, duration_ns,
           components, status_code, simulated, attributes)
         VALUES (@id, @trace_id, @pipeline, @pipeline_version, @model, @started_ns, @ended_ns, @duration_ns, @components,
           @status_code, @simulated, @attributes)
         ON CONFLICT(id) DO UPDATE SET trace_id = excluded.trace_id, pipeline = excluded.pipeline,
           pipeline_version = excluded.pipeline_version, model = excluded.model, started_ns = excluded.started_ns,
           ended_ns = excluded.ended_ns, duration_ns = excluded.duration_ns, components = excluded.components,
           status_code = excluded.status_code, simulated = excluded.simulated, attributes = excluded.attributes`,
      ),
      metric: db.prepare(
        `INSERT INTO metric_points (time_ns, start_time_ns, name, unit, type, monotonic, temporality, resource_id, scope_name,
           attributes, value, count, sum, min, max, bounds, bucket_counts)
         VALUES (@time_ns, @start_time_ns, @name, @unit, @type, @monotonic, @temporality, @resource_id, @scope_name,
           @attributes, @value, @count, @sum, @min, @max, @bounds, @bucket_counts)`,
      ),
      spanHistGet: db.prepare<[number, bigint, string, string, string], { latency_hist: string }>(
        `SELECT latency_hist FROM rollup_spans WHERE grain_s = ? AND bucket_ns = ? AND stage = ? AND component_type = ?
           AND model = ?`,
      ),
      spanRollup: db.prepare(
        `INSERT INTO rollup_spans (grain_s, bucket_ns, stage, component_type, model, count, errors, duration_sum_ns,
           duration_max_ns, cost_usd, cache_hits, cache_misses, latency_hist)
         VALUES (@grain, @bucket, @stage, @type, @model, @count, @errors, @durSum, @durMax, @cost, @hits, @misses, @hist)
         ON CONFLICT (grain_s, bucket_ns, stage, component_type, model) DO UPDATE SET
           count = count + excluded.count, errors = errors + excluded.errors,
           duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns,
           duration_max_ns = max(duration_max_ns, excluded.duration_max_ns), cost_usd = cost_usd + excluded.cost_usd,
           cache_hits = cache_hits + excluded.cache_hits, cache_misses = cache_misses + excluded.cache_misses,
           latency_hist = excluded.latency_hist`,
      ),
      scoreHistGet: db.prepare<[number, bigint, string, string, string, string], { hist: string }>(
        `SELECT hist FROM rollup_scores WHERE grain_s = ? AND bucket_ns = ? AND name = ? AND component_type = ? AND model = ?
           AND label = ?`,
      ),
      scoreRollup: db.prepare(
        `INSERT INTO rollup_scores (grain_s, bucket_ns, name, component_type, model, label, count, sum, sum_sq, min, max, hist)
         VALUES (@grain, @bucket, @name, @type, @model, @label, @count, @sum, @sumSq, @min, @max, @hist)
         ON CONFLICT (grain_s, bucket_ns, name, component_type, model, label) DO UPDATE SET
           count = count + excluded.count, sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq,
           min = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
           max = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END,
           hist = excluded.hist`,
      ),
      modelRollup: db.prepare(
        `INSERT INTO rollup_model_calls (grain_s, bucket_ns, operation, provider, model, component_type, calls, errors,
           input_tokens, output_tokens, cached_tokens, cost_usd, duration_sum_ns)
         VALUES (@grain, @bucket, @op, @provider, @model, @type, @calls, @errors, @inTok, @outTok, @cachedTok, @cost, @durSum)
         ON CONFLICT (grain_s, bucket_ns, operation, provider, model, component_type) DO UPDATE SET
           calls = calls + excluded.calls, errors = errors + excluded.errors,
           input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
           cached_tokens = cached_tokens + excluded.cached_tokens, cost_usd = cost_usd + excluded.cost_usd,
           duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns`,
      ),
      componentRollup: db.prepare(
        `INSERT INTO rollup_components (bucket_ns, component_id, component_type, model, runs, errors, cost_usd, duration_sum_ns)
         VALUES (@bucket, @id, @type, @model, @runs, @errors, @cost, @durSum)
         ON CONFLICT (bucket_ns, component_id, component_type, model) DO UPDATE SET
           runs = runs + excluded.runs, errors = errors + excluded.errors, cost_usd = cost_usd + excluded.cost_usd,
           duration_sum_ns = duration_sum_ns + excluded.duration_sum_ns`,
      ),
      cacheRollup: db.prepare(
        `INSERT INTO rollup_cache (grain_s, bucket_ns, cache_name, stage, component_type, hits, misses)
         VALUES (@grain, @bucket, @name, @stage, @type, @hits, @misses)
         ON CONFLICT (grain_s, bucket_ns, cache_name, stage, component_type) DO UPDATE SET
           hits = hits + excluded.hits, misses = misses + excluded.misses`,
      ),
    };
  }

  /** Resource attribute sets are shared by many rows: stored once, cached by hash. */
  private resourceId(resource: AttributeMap): number {
    const known = this.resourceObjectIds.get(resource);
    if (known !== undefined) return known;
    const id = this.resourceIdByHash(resource);
    this.resourceObjectIds.set(resource, id);
    return id;
  }

  private resourceIdByHash(resource: AttributeMap): number {
    const json = JSON.stringify(resource);
    const hash = crypto.createHash('sha1').update(json).digest('hex');
    const cached = this.resourceIds.get(hash);
    if (cached !== undefined) return cached;
    const service = resource[ATTR.serviceName];
    this.stmt.resourceInsert.run(hash, typeof service === 'string' ? service : null, json);
    const row = this.stmt.resourceGet.get(hash);
    if (!row) throw new Error('resource row missing after insert');
    this.resourceIds.set(hash, row.id);
    return row.id;
  }

  /**
   * Runs fn in an IMMEDIATE transaction (the write lock is taken up front, so two writers never
   * deadlock upgrading a read lock), retrying with backoff while another process holds the lock
   * past the busy timeout.
   */
  private transact(fn: () => void): void {
    const tx = this.db.transaction(fn);
    for (let attempt = 1; ; attempt++) {
      try {
        tx.immediate();
        return;
      } catch (err) {
        // Whatever the failure, the transaction rolled back: resource ids and rollup values cached
        // during it may name rows that no longer exist (a later write would fail its foreign key).
        this.resourceIds.clear();
        this.resourceObjectIds = new WeakMap();
        this.limiter?.reset();
        if (!isBusy(err) || attempt >= this.maxAttempts) throw err;
        this.stats.busyRetries++;
        sleepSync(this.backoffMillis * 2 ** (attempt - 1));
      }
    }
  }

  writeSpans(spans: readonly SpanRecord[]): WriteResult {
    const warnings: string[] = [];
    const mapped: { rows: SpanRows; resource: AttributeMap; events: SpanRecord['events'] }[] = [];
    let rejected = 0;
    for (const s of spans) {
      const problem = validateSpan(s);
      if (problem) {
        rejected++;
        if (warnings.length < MAX_WARNINGS) warnings.push(problem);
        continue;
      }
      mapped.push({ rows: spanRecordToRows(s, this.prices), resource: s.resource, events: s.events });
    }
    // Time order keeps the start_ns index appends cheap.
    mapped.sort((a, b) => (a.rows.span.start_ns < b.rows.span.start_ns ? -1 : a.rows.span.start_ns > b.rows.span.start_ns ? 1 : 0));

    try {
      this.transact(() => {
        const spanAggs = new Map<string, SpanAgg>();
        const scoreAggs = new Map<string, ScoreAgg>();
        const modelAggs = new Map<string, ModelAgg>();
        const componentAggs = new Map<string, ComponentAgg>();
        const cacheAggs = new Map<string, CacheAgg>();
        for (const m of mapped) {
          const { span, scores, modelCall, benchmark } = m.rows;
          span.resource_id = this.resourceId(m.resource);
          this.stmt.span.run(span);
          for (const sc of scores) {
            this.stmt.score.run(sc);
            if (sc.value === null) continue;
            const t = sc.time_ns;
            this.aggregateScore(
              scoreAggs,
              t,
              this.dim('score_name', t, sc.name),
              this.dim('component_type', t, sc.component_type),
              this.dim('model', t, sc.model),
              this.dim('label', t, sc.label),
              sc.value,
            );
          }
          if (modelCall) {
            this.stmt.modelCall.run(modelCall);
            const t = modelCall.time_ns;
            const op = this.dim('operation', t, modelCall.operation);
            const provider = this.dim('provider', t, modelCall.provider);
            const model = this.dim('model', t, modelCall.response_model);
            const type = this.dim('component_type', t, modelCall.component_type);
            for (const grain of ROLLUP_GRAINS_S) {
              const bucket = bucketOf(t, grain);
              const k = `${grain}|${bucket}|${op}|${provider}|${model}|${type}`;
              let a = modelAggs.get(k);
              if (!a) {
                a = {
                  grain,
                  bucket,
                  op,
                  provider,
                  model,
                  type,
                  calls: 0,
                  errors: 0,
                  inTok: 0,
                  outTok: 0,
                  cachedTok: 0,
                  cost: 0,
                  durSum: 0n,
                };
                modelAggs.set(k, a);
              }
              a.calls++;
              if (modelCall.status_code === 2) a.errors++;
              a.inTok += modelCall.input_tokens;
              a.outTok += modelCall.output_tokens;
              a.cachedTok += modelCall.cached_tokens;
              a.cost += modelCall.cost_usd ?? 0;
              a.durSum += modelCall.duration_ns;
            }
          }
          if (benchmark) this.stmt.benchmark.run(benchmark);
          let hits = 0;
          let misses = 0;
          for (const e of m.events) {
            if (e.name !== EVENT.cacheLookup) continue;
            const hit = e.attributes[ATTR.cacheHit] === true;
            if (hit) hits++;
            else misses++;
            const t = e.timeNs;
            const rawName = e.attributes[ATTR.cacheName];
            const name = this.dim('cache_name', t, typeof rawName === 'string' ? rawName : null);
            const stage = this.dim('stage', t, span.stage);
            const type = this.dim('component_type', t, span.component_type);
            for (const grain of ROLLUP_GRAINS_S) {
              const bucket = bucketOf(t, grain);
              const k = `${grain}|${bucket}|${name}|${stage}|${type}`;
              let a = cacheAggs.get(k);
              if (!a) {
                a = { grain, bucket, name, stage, type, hits: 0, misses: 0 };
                cacheAggs.set(k, a);
              }
              if (hit) a.hits++;
              else a.misses++;
            }
          }
          if (span.role === 'run' || span.role === 'stage') {
            const t = span.start_ns;
            const stage = this.dim('stage', t, span.stage);
            const type = this.dim('component_type', t, span.component_type);
            const model = this.dim('model', t, span.model);
            for (const grain of ROLLUP_GRAINS_S) {
              const bucket = bucketOf(t, grain);
              const k = `${grain}|${bucket}|${stage}|${type}|${model}`;
              let a = spanAggs.get(k);
              if (!a) {
                a = {
                  grain,
                  bucket,
                  stage,
                  type,
                  model,
                  count: 0,
                  errors: 0,
                  durSum: 0n,
                  durMax: 0n,
                  cost: 0,
                  hits: 0,
                  misses: 0,
                  hist: {},
                };
                spanAggs.set(k, a);
              }
              a.count++;
              if (span.status_code === 2) a.errors++;
              a.durSum += span.duration_ns;
              if (span.duration_ns > a.durMax) a.durMax = span.duration_ns;
              a.cost += span.cost_usd ?? 0;
              a.hits += hits;
              a.misses += misses;
              const bi = latencyBucketIndex(Number(span.duration_ns));
              a.hist[bi] = (a.hist[bi] ?? 0) + 1;
            }
            if (span.role === 'run' && span.component_id) {
              const bucket = bucketOf(t, 86_400);
              const id = this.dim('component_id', t, span.component_id);
              const k = `${bucket}|${id}|${type}|${model}`;
              let a = componentAggs.get(k);
              if (!a) {
                a = {
                  bucket,
                  id,
                  type,
                  model,
                  runs: 0,
                  errors: 0,
                  cost: 0,
                  durSum: 0n,
                };
                componentAggs.set(k, a);
              }
              a.runs++;
              if (span.status_code === 2) a.errors++;
              a.cost += span.cost_usd ?? 0;
              a.durSum += span.duration_ns;
            }
          }
        }
        this.flushRollups(spanAggs, scoreAggs, modelAggs, componentAggs, cacheAggs);
      });
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = (err as Error).message;
      this.stats.lastFailureAtMillis = Date.now();
      throw err;
    }
    this.stats.batches++;
    this.stats.spans += mapped.length;
    this.stats.rejected += rejected;
    // Reported, never silent: the sender sees this in the partial-success message.
    for (const f of this.limiter?.takeFolds() ?? []) {
      this.stats.foldedValues += f.folded;
      if (warnings.length < MAX_WARNINGS)
        warnings.push(
          `${f.dimension}: too many distinct values in the ${f.dimension === 'component_id' ? 'day' : 'hour'} from ` +
            `${new Date(Number(f.bucketNs / 1_000_000n)).toISOString()}; ${f.folded} counted as '(other)' in the rollups`,
        );
    }
    return { accepted: mapped.length, rejected, warnings };
  }

  private aggregateScore(
    aggs: Map<string, ScoreAgg>,
    timeNs: bigint,
    name: string,
    type: string,
    model: string,
    label: string,
    value: number,
  ): void {
    for (const grain of ROLLUP_GRAINS_S) {
      const bucket = bucketOf(timeNs, grain);
      const k = `${grain}|${bucket}|${name}|${type}|${model}|${label}`;
      let a = aggs.get(k);
      if (!a) {
        a = {
          grain,
          bucket,
          name,
          type,
          model,
          label,
          count: 0,
          sum: 0,
          sumSq: 0,
          min: null,
          max: null,
          hist: new Array<number>(SCORE_BINS).fill(0),
        };
        aggs.set(k, a);
      }
      a.count++;
      a.sum += value;
      a.sumSq += value * value;
      a.min = a.min === null ? value : Math.min(a.min, value);
      a.max = a.max === null ? value : Math.max(a.max, value);
      const bin = Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(value * SCORE_BINS)));
      a.hist[bin] = (a.hist[bin] ?? 0) + 1;
    }
  }

  private flushRollups(
    spanAggs: Map<string, SpanAgg>,
    scoreAggs: Map<string, ScoreAgg>,
    modelAggs: Map<string, ModelAgg>,
    componentAggs: Map<string, ComponentAgg>,
    cacheAggs: Map<string, CacheAgg>,
  ): void {
    for (const a of spanAggs.values()) {
      const prev = this.stmt.spanHistGet.get(a.grain, a.bucket, a.stage, a.type, a.model);
      const hist: SparseHistogram = prev ? (JSON.parse(prev.latency_hist) as SparseHistogram) : {};
      for (const [k, v] of Object.entries(a.hist)) hist[Number(k)] = (hist[Number(k)] ?? 0) + v;
      this.stmt.spanRollup.run({ ...a, hist: JSON.stringify(hist) });
    }
    for (const a of scoreAggs.values()) {
      const prev = this.stmt.scoreHistGet.get(a.grain, a.bucket, a.name, a.type, a.model, a.label);
      const hist = prev ? (JSON.parse(prev.hist) as number[]) : new Array<number>(SCORE_BINS).fill(0);
      for (let i = 0; i < SCORE_BINS; i++) hist[i] = (hist[i] ?? 0) + (a.hist[i] ?? 0);
      this.stmt.scoreRollup.run({ ...a, hist: JSON.stringify(hist) });
    }
    for (const a of modelAggs.values()) this.stmt.modelRollup.run(a);
    for (const a of componentAggs.values()) this.stmt.componentRollup.run(a);
    for (const a of cacheAggs.values()) this.stmt.cacheRollup.run(a);
  }

  writeMetricPoints(points: readonly MetricPointRecord[]): WriteResult {
    const warnings: string[] = [];
    let rejected = 0;
    const valid = points.filter((p) => {
      const ok = typeof p.name === 'string' && p.name.length > 0 && typeof p.timeNs === 'bigint';
      if (!ok) {
        rejected++;
        if (warnings.length < MAX_WARNINGS) warnings.push('metric point without a name or time');
      }
      return ok;
    });
    try {
      this.transact(() => {
        for (const p of valid) {
          this.stmt.metric.run({
            time_ns: p.timeNs,
            start_time_ns: p.startTimeNs ?? null,
            name: p.name,
            unit: p.unit ?? null,
            type: p.type,
            monotonic: p.monotonic === undefined ? null : p.monotonic ? 1 : 0,
            temporality: p.temporality ?? null,
            resource_id: this.resourceId(p.resource),
            scope_name: p.scopeName ?? null,
            attributes: JSON.stringify(p.attributes),
            value: p.value ?? null,
            count: p.count ?? null,
            sum: p.sum ?? null,
            min: p.min ?? null,
            max: p.max ?? null,
            bounds: p.bounds ? JSON.stringify(p.bounds) : null,
            bucket_counts: p.bucketCounts ? JSON.stringify(p.bucketCounts) : null,
          });
        }
      });
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = (err as Error).message;
      this.stats.lastFailureAtMillis = Date.now();
      throw err;
    }
    this.stats.batches++;
    this.stats.metricPoints += valid.length;
    this.stats.rejected += rejected;
    return { accepted: valid.length, rejected, warnings };
  }
}

