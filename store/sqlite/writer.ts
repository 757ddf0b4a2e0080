/**
 * The store writer: the one place telemetry becomes SQLite rows. Shared by the SDK exporters
 * and by OTLP ingest. One IMMEDIATE transaction per batch, statements prepared once, rollups
 * maintained in the same transaction as the raw rows so they can never disagree.
 */
import crypto from 'node:crypto';
import type { Db } from './db';
import { ATTR } from '../../schema/names';
import type { AttributeMap, LogRecordRecord, MetricPointRecord, SpanRecord } from '../../schema/records';
import type { TelemetryWriter, WriteJob, WriteResult } from '../writer-types';
import { spanRecordToRows } from '../span-rows';
import type { PriceBook } from '../../schema/records';
import { CardinalityLimiter } from './cardinality';
import { RollupAccumulator, addInput, addScore, cacheLookupsOf } from '../aggregate';
import type { Admit } from '../aggregate';
import { RollupApplier } from './rollup-apply';
import { MODEL_CALL_INSERT, MODEL_CALL_INSERT_205, MODEL_CALL_INSERT_206, SCORE_INSERT, SCORE_ROWS_INSERT, SPAN_INSERT, SPAN_INSERT_205, SPAN_ROWS_INSERT, modelCallParams, scoreParams, scoreRowsParams, spanParams } from './compact-rows';
import type { StoredParams } from './compact-rows';
import { StringTable } from './strings';
import { GroupedInsert, INSERT_GROUP_ROWS, PositionalStatement } from './positional';
import { LogRecordStatements } from './log-writer';
import { logRecordProblem, logRecordToRows } from '../log-rows';
import type { CardinalityLimits, RollupDimension } from './cardinality';
import { DAY_GRAIN_S, HOUR_GRAIN_S, MINUTE_GRAIN_S } from '../layout';
import { DEFAULT_STORE_MAX_ARTEFACT_BYTES, extractArtefacts } from '../artefacts';
import type { ArtefactRow } from '../artefacts';
import { ArtefactStatements, dtOf } from './artefact-writer';


/** Rollup grains in seconds (store/layout.ts owns them; kept here for existing importers). */
export const ROLLUP_GRAINS_S = [MINUTE_GRAIN_S, HOUR_GRAIN_S, DAY_GRAIN_S] as const;
const MAX_WARNINGS = 20;
const NO_EVENTS: readonly number[] = [];

/** The span row insert (exported so the bench's raw-insert baseline runs the very same statement). */
export const SPAN_INSERT_SQL = `${SPAN_ROWS_INSERT} ON CONFLICT (start_ns, span_id) DO NOTHING`;
/** Migrations 205-207: the rows in spans, the texts inline. */
const SPAN_INSERT_SQL_207 = `${SPAN_INSERT_205} ON CONFLICT (start_ns, span_id) DO NOTHING`;
/** The span insert before migration 205 (end_ns stored). */
const SPAN_INSERT_SQL_204 = `${SPAN_INSERT} ON CONFLICT (start_ns, span_id) DO NOTHING`;

export interface StoreWriterOptions {
  /** Prices for GenAI spans that carry tokens but no cost (ingest). */
  prices?: PriceBook;
  /** Distinct values per rollup dimension per hour; the rest is counted under '(other)'. */
  cardinality?: CardinalityLimits;
  /** Bytes of one artefact's decoded content past which it is not stored (a warning says so). Default 4 MiB. */
  maxArtefactBytes?: number;
  /**
   * Minute-grain rollups of buckets that start before this instant (ns) are not written: a bulk
   * load of a past history whose minute rollups retention would delete at once (the demo builder).
   */
  minuteRollupsFromNs?: bigint;
}

export interface StoreWriterStats {
  batches: number;
  spans: number;
  metricPoints: number;
  logRecords: number;
  /** Evaluation results (from log records) stored as scores. */
  evaluationScores: number;
  rejected: number;
  /** Spans and metric points that were already stored (retries, replays): acknowledged, stored once. */
  duplicates: number;
  /**
   * Transactions that found the database locked by another connection past its busy timeout.
   * Nothing was written and nothing failed: the caller retries (WriteQueue backs off on a timer,
   * ingest answers 503 + Retry-After when its retries run out).
   */
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
// All zeros is OTel's invalid id (compared once the length and digits are known good).
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function validateSpan(s: SpanRecord): string | null {
  if (!HEX32.test(s.traceId) || s.traceId === ZERO_TRACE_ID) return `span ${s.name}: invalid trace id`;
  if (!HEX16.test(s.spanId) || s.spanId === ZERO_SPAN_ID) return `span ${s.name}: invalid span id`;
  if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId)) return `span ${s.name}: invalid parent span id`;
  if (typeof s.name !== 'string' || s.name.length === 0) return 'span without a name';
  if (typeof s.startNs !== 'bigint' || typeof s.endNs !== 'bigint' || s.startNs <= 0n)
    return `span ${s.name}: missing start or end time`;
  return null;
}

/** A lock held by another connection: retrying later succeeds. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** A span's rows, built while its insert group fills. */
interface BuiltSpan {
  m: MappedSpan;
  rows: ReturnType<typeof spanRecordToRows>;
}

/**
 * A valid span waiting for its transaction. Its rows are made there, one insert group at a time, so
 * they die young (a batch's worth of rows held until the commit cost the garbage collector the most).
 */
interface MappedSpan {
  record: SpanRecord;
  events: SpanRecord['events'];
  artefacts: ArtefactRow[];
  /** Index of the job the span came from. */
  job: number;
}

/** Zeroed writer counters (also the ClickHouse store's, so both report the same fields). */
export function emptyWriterStats(): StoreWriterStats {
  return {
    batches: 0,
    spans: 0,
    metricPoints: 0,
    logRecords: 0,
    evaluationScores: 0,
    rejected: 0,
    duplicates: 0,
    busyRetries: 0,
    failures: 0,
    foldedValues: 0,
    lastError: null,
    lastFailureAtMillis: null,
  };
}

export class StoreWriter implements TelemetryWriter {
  readonly stats: StoreWriterStats = emptyWriterStats();
  private readonly prices: PriceBook | undefined;
  private readonly resourceIds = new Map<string, number>();
  // Producers share one resource object across many records: hash each object once.
  private resourceObjectIds = new WeakMap<AttributeMap, number>();
  private readonly stmt: ReturnType<StoreWriter['prepare']>;
  private readonly rollups: RollupApplier;
  /** Whether the scores are in scores_rows (migration 182). */
  private readonly scoreRows: boolean;
  /** Whether spans and model calls have migration 205's derived columns. */
  private readonly derived: boolean;
  /** Whether spans are in spans_rows with string ids (migration 208; `spans` is a view of them). */
  private readonly spanRows: boolean;
  /** Whether model calls have migration 206's model codes. */
  private readonly modelCodes: boolean;
  private readonly strings: StringTable;
  /** Prepared on first use: a database opened without migrating may have no log_records table. */
  private logStatements: LogRecordStatements | null = null;
  /** Prepared on first use, for the same reason (migration 165). */
  private artefactStatements: ArtefactStatements | null = null;
  private readonly maxArtefactBytes: number;
  private readonly minuteRollupsFromNs: bigint | undefined;
  /** Null on a database older than migration 030 (opened without migrating): no bound then. */
  private readonly limiter: CardinalityLimiter | null;

  constructor(
    private readonly db: Db,
    options: StoreWriterOptions = {},
  ) {
    this.prices = options.prices;
    this.maxArtefactBytes = options.maxArtefactBytes ?? DEFAULT_STORE_MAX_ARTEFACT_BYTES;
    this.minuteRollupsFromNs = options.minuteRollupsFromNs;
    this.scoreRows = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scores_rows'").get() !== undefined;
    this.derived = db.prepare("SELECT 1 FROM pragma_table_info('spans') WHERE name = 'end_lag_ns'").get() !== undefined;
    this.spanRows = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spans_rows'").get() !== undefined;
    this.modelCodes = db.prepare("SELECT 1 FROM pragma_table_info('model_calls') WHERE name = 'request_model_code'").get() !== undefined;
    this.stmt = this.prepare();
    this.strings = new StringTable(db);
    this.rollups = new RollupApplier(db, this.strings);
    const bounded = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_dimension_values'").get();
    this.limiter = bounded ? new CardinalityLimiter(db, options.cardinality) : null;
  }

  private insertScore(p: StoredParams): void {
    this.stmt.score.run(this.scoreRows ? scoreRowsParams(p, this.strings) : p);
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
      // The compact layout of migration 042 (compact-rows.ts); a copy of a stored span is a no-op.
      // Bound by position, several rows a statement: the rows are the hot path of every write (positional.ts).
      span: new GroupedInsert(
        db,
        this.spanRows ? SPAN_INSERT_SQL : this.derived ? SPAN_INSERT_SQL_207 : SPAN_INSERT_SQL_204,
        this.spanRows ? 'spans_rows' : 'spans',
        ['start_ns', 'span_id'],
      ),
      // Since migration 182 the rows are in scores_rows (`scores` is a view of them).
      score: new PositionalStatement(db, this.scoreRows ? SCORE_ROWS_INSERT : SCORE_INSERT),
      modelCall: new PositionalStatement(db, this.modelCodes ? MODEL_CALL_INSERT_206 : this.derived ? MODEL_CALL_INSERT_205 : MODEL_CALL_INSERT),
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
           @attributes, @value, @count, @sum, @min, @max, @bounds, @bucket_counts)
         ON CONFLICT DO NOTHING`,
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
   * deadlock upgrading a read lock). One attempt: SQLite's busy timeout is the only wait, and it
   * is kept short wherever an event loop must stay responsive; a busy database throws SQLITE_BUSY
   * and the caller retries without blocking (WriteQueue).
   */
  private transact(fn: () => void): void {
    try {
      this.db.transaction(fn).immediate();
    } catch (err) {
      // Whatever the failure, the transaction rolled back: resource ids and rollup values cached
      // during it may name rows that no longer exist (a later write would fail its foreign key).
      this.resourceIds.clear();
      this.resourceObjectIds = new WeakMap();
      this.limiter?.reset();
      this.strings.reset();
      if (isBusyError(err)) this.stats.busyRetries++;
      else this.recordFailure(err);
      throw err;
    }
  }

  private recordFailure(err: unknown): void {
    this.stats.failures++;
    this.stats.lastError = err instanceof Error ? err.message : String(err);
    this.stats.lastFailureAtMillis = Date.now();
  }

  /** Counts a write given up on by a caller after its busy retries ran out (health shows it). */
  recordGaveUp(err: unknown): void {
    this.recordFailure(err);
  }

  writeSpans(spans: readonly SpanRecord[]): WriteResult {
    return this.writeJobs([{ kind: 'spans', records: spans }])[0] as WriteResult;
  }

  writeMetricPoints(points: readonly MetricPointRecord[]): WriteResult {
    return this.writeJobs([{ kind: 'points', records: points }])[0] as WriteResult;
  }

  /**
   * Writes several callers' records in one transaction (all or nothing), returning each job's
   * result in order. Spans of all jobs are inserted in one time-ordered pass and their rollup
   * deltas merged in memory before they are applied, so N small requests cost about one big one.
   */
  writeJobs(jobs: readonly WriteJob[]): WriteResult[] {
    // Log records keep their own transaction (their scores look up spans written before them).
    if (jobs.some((j) => j.kind === 'logs')) {
      const only = jobs[0];
      if (jobs.length !== 1 || only?.kind !== 'logs') throw new Error('a log-records job is written alone');
      return [this.writeLogRecords(only.records)];
    }
    const results: WriteResult[] = jobs.map(() => ({ accepted: 0, rejected: 0, warnings: [] }));
    const mapped: MappedSpan[] = [];
    const points: { p: MetricPointRecord; job: number }[] = [];
    jobs.forEach((job, j) => {
      const r = results[j] as WriteResult;
      if (job.kind === 'spans') {
        for (const s of job.records) {
          const problem = validateSpan(s);
          if (problem) {
            r.rejected++;
            if (r.warnings.length < MAX_WARNINGS) r.warnings.push(problem);
            continue;
          }
          // Artefact contents go to their own table; the events keep their description.
          const art = extractArtefacts(s.events, this.maxArtefactBytes);
          for (const p of art.problems) if (r.warnings.length < MAX_WARNINGS) r.warnings.push(p);
          mapped.push({ record: s, events: art.events, artefacts: art.rows, job: j });
        }
      } else if (job.kind === 'points') {
        for (const p of job.records) {
          if (typeof p.name === 'string' && p.name.length > 0 && typeof p.timeNs === 'bigint') points.push({ p, job: j });
          else {
            r.rejected++;
            if (r.warnings.length < MAX_WARNINGS) r.warnings.push('metric point without a name or time');
          }
        }
      }
    });
    // Time order keeps the start_ns index appends cheap.
    mapped.sort((a, b) => (a.record.startNs < b.record.startNs ? -1 : a.record.startNs > b.record.startNs ? 1 : 0));

    const duplicates = new Array<number>(jobs.length).fill(0);
    this.transact(() => {
      duplicates.fill(0);
      this.strings.begin();
      if (mapped.length > 0) {
        const acc = new RollupAccumulator();
        const admit: Admit = (dimension, ns, value) => this.dim(dimension, ns, value);
        // Rows are built and inserted INSERT_GROUP_ROWS at a time (GroupedInsert), then each stored
        // span's dependent rows and rollup deltas follow; a copy (a retried or replayed batch, or
        // twice in this one) is stored once and counted once, and adds nothing to the rollups.
        const built: BuiltSpan[] = [];
        const params: StoredParams[] = [];
        const finish = (): void => {
          const rowids = this.stmt.span.insertAll(params);
          for (let i = 0; i < built.length; i++) {
            const b = built[i] as BuiltSpan;
            const spanRow = rowids[i] as number;
            if (spanRow === 0) {
              duplicates[b.m.job] = (duplicates[b.m.job] ?? 0) + 1;
              continue;
            }
            const { m, rows } = b;
            const { span, scores, modelCall, benchmark } = rows;
            for (const sc of scores) this.insertScore(scoreParams(sc, spanRow, m.events[sc.seq], this.strings));
            if (modelCall) this.stmt.modelCall.run(modelCallParams(modelCall, spanRow, this.strings));
            if (benchmark) this.stmt.benchmark.run(benchmark);
            if (m.artefacts.length > 0) {
              this.artefactStatements ??= new ArtefactStatements(this.db);
              for (const a of m.artefacts) this.artefactStatements.insert(a, spanRow, span.start_ns, this.strings);
            }
            addInput(acc, { span, scores, modelCall, cacheLookups: cacheLookupsOf(m.events), service: serviceOf(m.record.resource) }, admit);
          }
          built.length = 0;
          params.length = 0;
        };
        for (const m of mapped) {
          const { record } = m;
          const rows = spanRecordToRows(record, this.prices, { json: false });
          const { span, scores, modelCall } = rows;
          span.resource_id = this.resourceId(record.resource);
          // Artefact events whose rows hold them exactly are rebuilt from those rows (migration 176).
          const artefactEvents = m.artefacts.length === 0 ? NO_EVENTS : m.artefacts.flatMap((a) => (a.event !== null && dtOf(a.timeNs, span.start_ns) !== null ? [a.seq] : []));
          params.push(spanParams({ span, attributes: record.attributes, events: m.events, scores, modelCall, artefactEvents }, this.strings, this.spanRows));
          built.push({ m, rows });
          if (params.length === INSERT_GROUP_ROWS) finish();
        }
        finish();
        const from = this.minuteRollupsFromNs;
        const deltas = acc.result();
        this.rollups.apply(from === undefined ? deltas : deltas.filter((d) => d.grainS !== MINUTE_GRAIN_S || d.bucketNs >= from));
      }
      for (const { p, job } of points) {
        if (this.stmt.metric.run(metricRow(p, this.resourceId(p.resource))).changes === 0)
          duplicates[job] = (duplicates[job] ?? 0) + 1;
      }
    });

    // Reported, never silent: the sender sees this in the partial-success message.
    const folds: string[] = [];
    for (const f of this.limiter?.takeFolds() ?? []) {
      this.stats.foldedValues += f.folded;
      folds.push(
        `${f.dimension}: too many distinct values in the ${f.dimension === 'component_id' ? 'day' : 'hour'} from ` +
          `${new Date(Number(f.bucketNs / 1_000_000n)).toISOString()}; ${f.folded} counted as '(other)' in the rollups`,
      );
    }
    this.stats.batches++;
    jobs.forEach((job, j) => {
      const r = results[j] as WriteResult;
      r.accepted = job.records.length - r.rejected;
      const stored = r.accepted - (duplicates[j] ?? 0);
      if (job.kind === 'spans') {
        this.stats.spans += stored;
        for (const f of folds) if (r.warnings.length < MAX_WARNINGS) r.warnings.push(f);
      } else if (job.kind === 'points') this.stats.metricPoints += stored;
      this.stats.duplicates += duplicates[j] ?? 0;
      this.stats.rejected += r.rejected;
    });
    return results;
  }

  writeLogRecords(records: readonly LogRecordRecord[]): WriteResult {
    const warnings: string[] = [];
    let rejected = 0;
    const valid = records.filter((r) => {
      const problem = logRecordProblem(r);
      if (problem) {
        rejected++;
        if (warnings.length < MAX_WARNINGS) warnings.push(problem);
      }
      return problem === null;
    });
    const rows = valid.map((r) => ({ rows: logRecordToRows(r), resource: r.resource }));
    this.logStatements ??= new LogRecordStatements(this.db);
    const stmts = this.logStatements;
    let duplicates = 0;
    let scored = 0;
    let unattached = 0;
    this.transact(() => {
      duplicates = 0;
      this.strings.begin();
      scored = 0;
      unattached = 0;
      const acc = new RollupAccumulator();
      const admit: Admit = (dimension, ns, value) => this.dim(dimension, ns, value);
      for (const { rows: r, resource } of rows) {
        r.log.resource_id = this.resourceId(resource);
        if (stmts.insert.run(r.log).changes === 0) {
          duplicates++;
          continue;
        }
        if (!r.evaluation) continue;
        const found = stmts.scoreOf(r.evaluation);
        if (!found) {
          unattached++;
          continue;
        }
        const { score, spanRow } = found;
        this.insertScore(scoreParams(score, spanRow, undefined, this.strings));
        addScore(acc, score, admit, serviceOf(resource));
        scored++;
      }
      this.rollups.apply(acc.result());
    });
    if (unattached > 0 && warnings.length < MAX_WARNINGS)
      warnings.push(
        `${unattached} gen_ai.evaluation.result record(s) named no span and no response id stored in the hour before; ` +
          'kept as log records, not scores (send them in the span context of the call they judge)',
      );
    this.stats.batches++;
    this.stats.logRecords += valid.length - duplicates;
    this.stats.evaluationScores += scored;
    this.stats.duplicates += duplicates;
    this.stats.rejected += rejected;
    return { accepted: valid.length, rejected, warnings };
  }
}

/** A resource's service.name, the rollups' service dimension. */
function serviceOf(resource: AttributeMap): string | null {
  const s = resource[ATTR.serviceName];
  return typeof s === 'string' ? s : null;
}

function metricRow(p: MetricPointRecord, resourceId: number) {
  return {
    time_ns: p.timeNs,
    start_time_ns: p.startTimeNs ?? null,
    name: p.name,
    unit: p.unit ?? null,
    type: p.type,
    monotonic: p.monotonic === undefined ? null : p.monotonic ? 1 : 0,
    temporality: p.temporality ?? null,
    resource_id: resourceId,
    scope_name: p.scopeName ?? null,
    attributes: JSON.stringify(p.attributes),
    value: p.value ?? null,
    count: p.count ?? null,
    sum: p.sum ?? null,
    min: p.min ?? null,
    max: p.max ?? null,
    bounds: p.bounds ? JSON.stringify(p.bounds) : null,
    bucket_counts: p.bucketCounts ? JSON.stringify(p.bucketCounts) : null,
  };
}
