/**
 * ExportMetricsServiceRequest (JSON mapping or decoded protobuf) -> MetricPointRecords. Gauges,
 * sums, histograms and exponential histograms are stored; summaries are not (the store has no
 * quantile type) and their points are reported as rejected. A malformed point (no time, no
 * value, buckets that do not add up) is rejected and counted; the rest of the request is kept.
 */
import { attributesOf } from './attributes';
import type { AttributeContext } from './attributes';
import { walkEnvelope } from './envelope';
import { IngestIssues } from './issues';
import type { IngestLimits } from './limits';
import { validTime } from './map-traces';
import { normalizeAttributes } from '../../store/conventions';
import { field, isWireObject, listField, objectField } from './wire';
import type { WireFlavor, WireObject } from './wire';
import type { AttributeMap, MetricPointRecord } from '../../schema/records';

export interface DecodedMetrics {
  points: MetricPointRecord[];
  /** Data points refused by the decoder (the writer may refuse more). */
  rejected: number;
  warnings: string[];
}

/** DataPointFlags.NO_RECORDED_VALUE: a staleness marker, not a measurement. */
const FLAG_NO_RECORDED_VALUE = 1;

type Base = Pick<MetricPointRecord, 'name' | 'unit' | 'resource' | 'scopeName'>;

/** AggregationTemporality: undefined for unspecified, null for a value OTLP does not define. */
function temporalityOf(v: unknown, f: WireFlavor): number | null | undefined {
  const t = f.int(v);
  if (t === undefined || t === 0) return undefined;
  return t === 1 || t === 2 ? t : null;
}

/** Optional double (sum, min, max): undefined when absent, null when malformed or not finite. */
function optionalFinite(v: unknown, f: WireFlavor): number | null | undefined {
  const d = f.double(v);
  if (d === undefined) return undefined;
  return typeof d === 'number' && Number.isFinite(d) ? d : null;
}

/** A list of counts (fixed64 / uint64), or null if any entry is malformed. */
function countsOf(v: unknown, f: WireFlavor): number[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: number[] = [];
  for (const c of v) {
    const n = f.u64(c);
    if (typeof n !== 'bigint') return null;
    out.push(Number(n));
  }
  return out;
}

function boundsOf(v: unknown, f: WireFlavor): number[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: number[] = [];
  for (const b of v) {
    const d = f.double(b);
    if (typeof d !== 'number' || !Number.isFinite(d)) return null;
    if (out.length > 0 && d <= (out[out.length - 1] as number)) return null;
    out.push(d);
  }
  return out;
}

interface PointCommon {
  attributes: AttributeMap;
  timeNs: bigint;
  startTimeNs?: bigint;
}

/** Time, start time and attributes of any data point, or the reason it is rejected. */
function common(p: WireObject, ctx: AttributeContext, metricName: string): PointCommon | string {
  const f = ctx.flavor;
  const timeNs = f.u64(field(p, 'timeUnixNano'));
  if (!validTime(timeNs)) return 'data point with a missing or invalid timeUnixNano';
  const start = f.u64(field(p, 'startTimeUnixNano'));
  if (start === null || (typeof start === 'bigint' && start !== 0n && !validTime(start)))
    return 'data point with an invalid startTimeUnixNano';
  return {
    attributes: normalizeAttributes(attributesOf(field(p, 'attributes'), ctx, `metric "${metricName}"`)),
    timeNs,
    ...(typeof start === 'bigint' && start > 0n ? { startTimeNs: start } : {}),
  };
}

function numberPoint(
  p: WireObject,
  base: Base,
  ctx: AttributeContext,
  type: 'sum' | 'gauge',
  extra: Partial<MetricPointRecord>,
): MetricPointRecord | string {
  const f = ctx.flavor;
  const c = common(p, ctx, base.name);
  if (typeof c === 'string') return c;
  const asDouble = field(p, 'asDouble');
  const asInt = field(p, 'asInt');
  let value: number | null | undefined;
  if (asDouble !== undefined && asDouble !== null) value = f.double(asDouble);
  else if (asInt !== undefined && asInt !== null) {
    const n = f.i64(asInt);
    value = typeof n === 'bigint' ? Number(n) : null;
  }
  if (value === undefined) return 'number data point without asDouble or asInt';
  if (value === null || !Number.isFinite(value))
    return 'number data point with a malformed or non-finite value';
  return { ...base, ...extra, type, ...c, value };
}

function histogramPoint(
  p: WireObject,
  base: Base,
  ctx: AttributeContext,
  extra: Partial<MetricPointRecord>,
): MetricPointRecord | string {
  const f = ctx.flavor;
  const c = common(p, ctx, base.name);
  if (typeof c === 'string') return c;
  const count = f.u64(field(p, 'count'));
  if (count === null) return 'histogram data point with a malformed count';
  const sum = optionalFinite(field(p, 'sum'), f);
  const min = optionalFinite(field(p, 'min'), f);
  const max = optionalFinite(field(p, 'max'), f);
  if (sum === null || min === null || max === null)
    return 'histogram data point with a malformed sum, min or max';
  const bounds = boundsOf(field(p, 'explicitBounds'), f);
  if (bounds === null) return 'histogram explicitBounds must be finite and strictly increasing';
  const bucketCounts = countsOf(field(p, 'bucketCounts'), f);
  if (bucketCounts === null) return 'histogram data point with malformed bucketCounts';
  if (bucketCounts.length > 0 && bucketCounts.length !== bounds.length + 1)
    return 'histogram bucketCounts must have one more entry than explicitBounds';
  const n = Number(count ?? 0n);
  if (bucketCounts.length > 0 && bucketCounts.reduce((a, b) => a + b, 0) !== n)
    return 'histogram count differs from the sum of bucketCounts';
  return {
    ...base,
    ...extra,
    type: 'histogram',
    ...c,
    count: n,
    ...(sum !== undefined ? { sum } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    bounds,
    bucketCounts,
  };
}

/**
 * Exponential histograms in the store's layout (as exporter/map-metrics writes them): bounds hold
 * [scale, zeroCount, positive offset, negative offset], bucketCounts the positive buckets.
 */
function expHistogramPoint(
  p: WireObject,
  base: Base,
  ctx: AttributeContext,
  extra: Partial<MetricPointRecord>,
): MetricPointRecord | string {
  const f = ctx.flavor;
  const c = common(p, ctx, base.name);
  if (typeof c === 'string') return c;
  const count = f.u64(field(p, 'count'));
  const zeroCount = f.u64(field(p, 'zeroCount'));
  const scale = f.int(field(p, 'scale'));
  if (count === null || zeroCount === null || scale === null)
    return 'exponential histogram point with a malformed count, zeroCount or scale';
  const sum = optionalFinite(field(p, 'sum'), f);
  const min = optionalFinite(field(p, 'min'), f);
  const max = optionalFinite(field(p, 'max'), f);
  if (sum === null || min === null || max === null)
    return 'exponential histogram point with a malformed sum, min or max';
  const side = (name: string): { offset: number; counts: number[] } | null => {
    const b = objectField(p, name);
    if (b === undefined) return { offset: 0, counts: [] };
    if (b === null) return null;
    const offset = f.int(field(b, 'offset'));
    const counts = countsOf(field(b, 'bucketCounts'), f);
    if (offset === null || counts === null) return null;
    return { offset: offset ?? 0, counts };
  };
  const positive = side('positive');
  const negative = side('negative');
  if (positive === null || negative === null) return 'exponential histogram point with malformed buckets';
  if (negative.counts.some((x) => x > 0))
    ctx.issues.warn('negative exponential-histogram buckets are not stored', `metric "${base.name}"`);
  return {
    ...base,
    ...extra,
    type: 'exp_histogram',
    ...c,
    count: Number(count ?? 0n),
    ...(sum !== undefined ? { sum } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    bounds: [scale ?? 0, Number(zeroCount ?? 0n), positive.offset, negative.offset],
    bucketCounts: positive.counts,
  };
}

const DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
type DataField = (typeof DATA_FIELDS)[number];

function mapMetric(
  m: WireObject,
  resource: AttributeMap,
  scopeName: string | undefined,
  ctx: AttributeContext,
  out: MetricPointRecord[],
): void {
  const { flavor: f, issues } = ctx;
  let kind: DataField | undefined;
  let data: WireObject | null | undefined;
  for (const k of DATA_FIELDS) {
    data = objectField(m, k);
    if (data !== undefined) {
      kind = k;
      break;
    }
  }
  const rawName = f.str(field(m, 'name'));
  const label = typeof rawName === 'string' && rawName.length > 0 ? `metric "${rawName}"` : 'unnamed metric';
  if (kind === undefined || data === undefined) {
    issues.warn('metric without data ignored', label);
    return;
  }
  const points = data === null ? null : listField(data, 'dataPoints');
  if (points === null) {
    issues.reject(`${kind} must be an object with a dataPoints list`, label);
    return;
  }
  const rejectAll = (reason: string): void => {
    if (points.length === 0) issues.warn(`${reason}; it had no data points`, label);
    for (let i = 0; i < points.length; i++) issues.reject(reason, label);
  };
  if (typeof rawName !== 'string' || rawName.length === 0) return rejectAll('metric without a name');
  if (kind === 'summary') return rejectAll('summary metrics are not stored (send a histogram)');

  const unit = f.str(field(m, 'unit'));
  const base: Base = {
    name: rawName,
    ...(typeof unit === 'string' && unit.length > 0 ? { unit } : {}),
    resource,
    ...(scopeName ? { scopeName } : {}),
  };
  const temporality =
    kind === 'gauge' ? undefined : temporalityOf(field(data as WireObject, 'aggregationTemporality'), f);
  if (temporality === null) return rejectAll('invalid aggregationTemporality (must be 0..2)');
  const extra: Partial<MetricPointRecord> = temporality !== undefined ? { temporality } : {};
  if (kind === 'sum') {
    const monotonic = f.bool(field(data as WireObject, 'isMonotonic'));
    extra.monotonic = monotonic === true;
  }

  for (const p of points) {
    if (!isWireObject(p)) {
      issues.reject('data point is not an object', label);
      continue;
    }
    const flags = f.int(field(p, 'flags'));
    if (typeof flags === 'number' && (flags & FLAG_NO_RECORDED_VALUE) !== 0) {
      issues.warn('data points flagged "no recorded value" skipped', label);
      continue;
    }
    let mapped: MetricPointRecord | string;
    if (kind === 'gauge' || kind === 'sum') mapped = numberPoint(p, base, ctx, kind, extra);
    else if (kind === 'histogram') mapped = histogramPoint(p, base, ctx, extra);
    else mapped = expHistogramPoint(p, base, ctx, extra);
    if (typeof mapped === 'string') issues.reject(mapped, label);
    else out.push(mapped);
  }
}

/** Maps a whole request. Throws IngestError(400) when its structure is not OTLP. */
export function mapMetricsRequest(
  request: unknown,
  flavor: WireFlavor,
  limits: IngestLimits,
): DecodedMetrics {
  const issues = new IngestIssues();
  const ctx: AttributeContext = { flavor, limits, issues };
  const points: MetricPointRecord[] = [];
  walkEnvelope(
    request,
    { request: 'ExportMetricsServiceRequest', resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics', item: 'metric' },
    ctx,
    (m, resource, scopeName) => mapMetric(m, resource, scopeName, ctx, points),
  );
  return { points, rejected: issues.rejected, warnings: issues.messages() };
}
