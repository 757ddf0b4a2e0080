/**
 * The cardinality bound of the rollups. Every rollup key is made of dimension values taken from
 * what senders put in attributes (model, stage, component type, score name, ...). A sender that
 * puts a fresh value in each span would otherwise create one rollup row per span and make every
 * panel slow. So per hour (component ids: per day) each dimension admits at most a fixed number
 * of distinct values; later new values are counted under OTHER_VALUE, and the folds are reported
 * (store writer stats, a warning in the write result that ingest returns as partial success).
 * Raw rows keep the true values. Admitted values live in rollup_dimension_values (migration 030),
 * so the bound holds across restarts and across processes sharing the file; the cache here only
 * saves the lookups. All calls happen inside the store writer's write transaction.
 */
import type { Db } from './db';

/** What a folded value is stored as in the rollups. */
export const OTHER_VALUE = '(other)';

export type RollupDimension =
  | 'stage'
  | 'component_type'
  | 'model'
  | 'operation'
  | 'provider'
  | 'score_name'
  | 'label'
  | 'cache_name'
  | 'component_id'
  | 'service';

export interface CardinalityLimits {
  /** Distinct values admitted per dimension per hour. Default 1000. */
  maxValuesPerHour?: number;
  /** Distinct component ids admitted per day (the daily component rollup). Default 10 000. */
  maxComponentsPerDay?: number;
}

export const DEFAULT_MAX_VALUES_PER_HOUR = 1000;
export const DEFAULT_MAX_COMPONENTS_PER_DAY = 10_000;

const HOUR_NS = 3_600_000_000_000n;
const DAY_NS = 86_400_000_000_000n;
/** Buckets remembered at once; writes arrive in time order, so a few recent ones are hot. */
const MAX_CACHED_BUCKETS = 64;

interface Admitted {
  values: Set<string>;
  /** The bucket reached its limit (it only ever grows, so this stays true). */
  full: boolean;
}

export interface FoldReport {
  dimension: RollupDimension;
  bucketNs: bigint;
  folded: number;
}

function floorTo(ns: bigint, size: bigint): bigint {
  return ns - (((ns % size) + size) % size);
}

export class CardinalityLimiter {
  private readonly perHour: number;
  private readonly perDay: number;
  private cache = new Map<bigint, Map<RollupDimension, Admitted>>();
  /** Folds since the last takeFolds(), by dimension and bucket. */
  private folds = new Map<string, FoldReport>();
  private readonly stmt: {
    list: { all: (bucket: bigint, dimension: string) => unknown[] };
    has: { get: (bucket: bigint, dimension: string, value: string) => unknown };
    count: { get: (bucket: bigint, dimension: string) => unknown };
    insert: { run: (bucket: bigint, dimension: string, value: string) => unknown };
  };

  constructor(db: Db, limits: CardinalityLimits = {}) {
    this.perHour = Math.max(1, Math.floor(limits.maxValuesPerHour ?? DEFAULT_MAX_VALUES_PER_HOUR));
    this.perDay = Math.max(1, Math.floor(limits.maxComponentsPerDay ?? DEFAULT_MAX_COMPONENTS_PER_DAY));
    this.stmt = {
      list: db.prepare('SELECT value FROM rollup_dimension_values WHERE bucket_ns = ? AND dimension = ?').pluck(),
      has: db.prepare('SELECT 1 FROM rollup_dimension_values WHERE bucket_ns = ? AND dimension = ? AND value = ?'),
      count: db.prepare('SELECT count(*) FROM rollup_dimension_values WHERE bucket_ns = ? AND dimension = ?').pluck(),
      insert: db.prepare('INSERT OR IGNORE INTO rollup_dimension_values (bucket_ns, dimension, value) VALUES (?, ?, ?)'),
    };
  }

  /**
   * The value to store for dimension at time ns: the value itself while the bucket has room or
   * already holds it, else OTHER_VALUE. '' (none) is never limited.
   */
  admit(dimension: RollupDimension, ns: bigint, value: string): string {
    if (value === '' || value === OTHER_VALUE) return value;
    const isComponent = dimension === 'component_id';
    const bucket = CardinalityLimiter.bucketOf(isComponent ? this.day : this.hour, ns);
    let dims = this.cache.get(bucket);
    if (!dims) {
      dims = new Map();
      this.cache.set(bucket, dims);
      if (this.cache.size > MAX_CACHED_BUCKETS) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
    }
    let admitted = dims.get(dimension);
    const limit = isComponent ? this.perDay : this.perHour;
    if (!admitted) {
      const values = new Set(this.stmt.list.all(bucket, dimension) as string[]);
      admitted = { values, full: values.size >= limit };
      dims.set(dimension, admitted);
    }
    if (admitted.values.has(value)) return value;
    // Another process sharing the file may have admitted it since the cache was filled.
    if (this.stmt.has.get(bucket, dimension, value) !== undefined) {
      admitted.values.add(value);
      return value;
    }
    if (!admitted.full) {
      const n = Number(this.stmt.count.get(bucket, dimension));
      if (n < limit) {
        this.stmt.insert.run(bucket, dimension, value);
        admitted.values.add(value);
        return value;
      }
      admitted.full = true;
    }
    const k = `${dimension}|${bucket}`;
    const f = this.folds.get(k);
    if (f) f.folded++;
    else this.folds.set(k, { dimension, bucketNs: bucket, folded: 1 });
    return OTHER_VALUE;
  }

  // Calls come in about time order: the bucket of the last call per size saves the BigInt math.
  private readonly hour = { size: HOUR_NS, start: 0n, end: 0n };
  private readonly day = { size: DAY_NS, start: 0n, end: 0n };

  private static bucketOf(b: { size: bigint; start: bigint; end: bigint }, ns: bigint): bigint {
    if (ns < b.start || ns >= b.end) {
      b.start = floorTo(ns, b.size);
      b.end = b.start + b.size;
    }
    return b.start;
  }

  /** The folds since the last call (per dimension and bucket), and forgets them. */
  takeFolds(): FoldReport[] {
    const out = [...this.folds.values()];
    this.folds = new Map();
    return out;
  }

  /** Forgets cached admissions and folds: called when a transaction rolled back. */
  reset(): void {
    this.cache = new Map();
    this.folds = new Map();
  }
}
