/**
 * The standard OpenTelemetry environment variables (SDK configuration and OTLP exporter
 * specifications), read from one given environment into one plain, typed configuration, with the
 * specification's defaults. A pure function: startTelemetry() wires from its result and nothing
 * else reads process.env.
 *
 * Invalid numbers and booleans are reported as warnings and treated as unset, as the
 * specification asks; a value that would send telemetry nowhere (an unsupported protocol or
 * exporter) is an error naming the variable and the values that work.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type OtlpCompression = 'gzip' | 'none';
export type ExporterName = 'otlp' | 'console';
export type Temporality = 'cumulative' | 'delta' | 'lowmemory';
export type HistogramAggregation = 'explicit_bucket_histogram' | 'base2_exponential_bucket_histogram';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export class OtelConfigError extends Error {
  override readonly name = 'OtelConfigError';
}

/** One signal's OTLP exporter, as OTEL_EXPORTER_OTLP_* and OTEL_EXPORTER_OTLP_<SIGNAL>_* say. */
export interface OtlpSignalConfig {
  /** The full URL posted to. */
  url: string;
  /** Whether an endpoint variable (generic or per-signal) was set at all. */
  endpointSet: boolean;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  timeoutMillis: number;
  compression: OtlpCompression;
  /** PEM file contents for TLS (…_CERTIFICATE, …_CLIENT_KEY, …_CLIENT_CERTIFICATE), as file paths. */
  certificateFile?: string;
  clientKeyFile?: string;
  clientCertificateFile?: string;
}

export interface SpanLimitsConfig {
  attributeValueLengthLimit: number;
  attributeCountLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
  attributePerEventCountLimit: number;
  attributePerLinkCountLimit: number;
}

export interface OtelEnvConfig {
  /** OTEL_SDK_DISABLED=true: no-op tracer and meter, nothing recorded anywhere. */
  sdkDisabled: boolean;
  serviceName: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, percent-decoded. */
  resourceAttributes: Record<string, string>;
  /** OTEL_TRACES_EXPORTER; undefined when unset (genscope then forwards only to a configured endpoint). */
  tracesExporters: ExporterName[] | undefined;
  metricsExporters: ExporterName[] | undefined;
  traces: OtlpSignalConfig;
  metrics: OtlpSignalConfig & { temporality: Temporality; histogramAggregation: HistogramAggregation };
  metricExportIntervalMillis: number;
  metricExportTimeoutMillis: number;
  batchSpanProcessor: {
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
  sampler: { name: SamplerName; ratio: number };
  spanLimits: SpanLimitsConfig;
  /** Values that were ignored, each naming the variable. */
  warnings: string[];
}

/** The specification's defaults. */
export const OTEL_DEFAULTS = {
  endpoint: 'http://localhost:4318',
  protocol: 'http/protobuf',
  timeoutMillis: 10_000,
  compression: 'none',
  metricExportIntervalMillis: 60_000,
  metricExportTimeoutMillis: 30_000,
  bspScheduleDelayMillis: 5_000,
  bspExportTimeoutMillis: 30_000,
  bspMaxQueueSize: 2_048,
  bspMaxExportBatchSize: 512,
  sampler: 'parentbased_always_on',
  attributeCountLimit: 128,
} as const;

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly warnings: string[] = [];
  constructor(private readonly env: Env) {}

  /** Trimmed value; empty counts as unset (the specification says so for every variable). */
  str(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v !== undefined && v.length > 0 ? v : undefined;
  }

  /** The first set variable of names. */
  first(...names: string[]): { name: string; value: string } | undefined {
    for (const name of names) {
      const value = this.str(name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  }

  int(name: string, fallback: number, min = 0): number {
    const v = this.str(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      this.warnings.push(`${name}="${v}" is not a whole number >= ${min}; using the default ${fallback}`);
      return fallback;
    }
    return n;
  }

  /** A limit where the default is "no limit". */
  limit(name: string, fallback: number): number {
    return this.str(name) === undefined ? fallback : this.int(name, fallback, 0);
  }

  bool(name: string): boolean {
    const v = this.str(name);
    if (v === undefined) return false;
    const lower = v.toLowerCase();
    if (lower !== 'true' && lower !== 'false')
      this.warnings.push(`${name}="${v}" is neither true nor false; treated as false`);
    return lower === 'true';
  }

  /** key=value,key=value with percent-encoded values (W3C Baggage octets). */
  keyValues(name: string): Record<string, string> {
    const v = this.str(name);
    const out: Record<string, string> = {};
    if (v === undefined) return out;
    for (const part of v.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (key === '') {
        // The specification: on any error the whole value is discarded.
        this.warnings.push(`${name}: "${part.trim()}" is not key=value; the whole variable is ignored`);
        return {};
      }
      try {
        out[key] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        this.warnings.push(`${name}: the value of "${key}" is not valid percent-encoding; the whole variable is ignored`);
        return {};
      }
    }
    return out;
  }

  exporters(name: string): ExporterName[] | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const names = [...new Set(v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))];
    if (names.includes('none')) {
      if (names.length > 1) throw new OtelConfigError(`${name}="${v}": "none" cannot be combined with other exporters`);
      return [];
    }
    for (const n of names) {
      if (n !== 'otlp' && n !== 'console')
        throw new OtelConfigError(`${name}: exporter "${n}" is not supported; use otlp, console or none (comma-separated)`);
    }
    return names as ExporterName[];
  }
}

function joinPath(base: string, signalPath: string): string {
  return `${base.replace(/\/+$/, '')}/${signalPath}`;
}

function signal(r: Reader, signalName: 'TRACES' | 'METRICS', signalPath: string): OtlpSignalConfig {
  const prefix = `OTEL_EXPORTER_OTLP_${signalName}_`;
  const perSignal = r.str(`${prefix}ENDPOINT`);
  const base = r.str('OTEL_EXPORTER_OTLP_ENDPOINT');
  // Per-signal endpoints are used as they are; the base endpoint gets the signal's path.
  const url = perSignal ?? joinPath(base ?? OTEL_DEFAULTS.endpoint, signalPath);
  const protocol = r.first(`${prefix}PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol.value !== 'http/protobuf' && protocol.value !== 'http/json') {
    throw new OtelConfigError(
      `${protocol.name}="${protocol.value}" is not supported: genscope sends OTLP over HTTP, http/protobuf (the default) or http/json`,
    );
  }
  const compression = r.first(`${prefix}COMPRESSION`, 'OTEL_EXPORTER_OTLP_COMPRESSION');
  let compressionValue: OtlpCompression = OTEL_DEFAULTS.compression;
  if (compression !== undefined) {
    if (compression.value === 'gzip' || compression.value === 'none') compressionValue = compression.value;
    else r.warnings.push(`${compression.name}="${compression.value}" is not gzip or none; using none`);
  }
  const timeoutName = r.str(`${prefix}TIMEOUT`) !== undefined ? `${prefix}TIMEOUT` : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const files = {
    certificateFile: r.first(`${prefix}CERTIFICATE`, 'OTEL_EXPORTER_OTLP_CERTIFICATE')?.value,
    clientKeyFile: r.first(`${prefix}CLIENT_KEY`, 'OTEL_EXPORTER_OTLP_CLIENT_KEY')?.value,
    clientCertificateFile: r.first(`${prefix}CLIENT_CERTIFICATE`, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE')?.value,
  };
  return {
    url,
    endpointSet: perSignal !== undefined || base !== undefined,
    protocol: (protocol?.value as OtlpProtocol | undefined) ?? OTEL_DEFAULTS.protocol,
    // Per-signal headers win key by key over the generic ones.
    headers: { ...r.keyValues('OTEL_EXPORTER_OTLP_HEADERS'), ...r.keyValues(`${prefix}HEADERS`) },
    timeoutMillis: r.int(timeoutName, OTEL_DEFAULTS.timeoutMillis, 1),
    compression: compressionValue,
    ...Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)),
  };
}

function oneOf<T extends string>(r: Reader, name: string, allowed: readonly T[], fallback: T): T {
  const v = r.str(name)?.toLowerCase();
  if (v === undefined) return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  r.warnings.push(`${name}="${v}" is not one of ${allowed.join(', ')}; using ${fallback}`);
  return fallback;
}

/** Reads every OTEL_* variable genscope honours from env. Throws OtelConfigError when export would be impossible. */
export function readOtelEnv(env: Env): OtelEnvConfig {
  const r = new Reader(env);
  const sampler = oneOf(r, 'OTEL_TRACES_SAMPLER', SAMPLERS, OTEL_DEFAULTS.sampler);
  let ratio = 1;
  const arg = r.str('OTEL_TRACES_SAMPLER_ARG');
  if (arg !== undefined && sampler.endsWith('traceidratio')) {
    const n = Number(arg);
    if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
    else r.warnings.push(`OTEL_TRACES_SAMPLER_ARG="${arg}" is not a ratio from 0 to 1; using 1`);
  }
  const attrValueLength = r.limit('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity);
  const attrCount = r.limit('OTEL_ATTRIBUTE_COUNT_LIMIT', OTEL_DEFAULTS.attributeCountLimit);
  const config: OtelEnvConfig = {
    sdkDisabled: r.bool('OTEL_SDK_DISABLED'),
    serviceName: r.str('OTEL_SERVICE_NAME'),
    resourceAttributes: r.keyValues('OTEL_RESOURCE_ATTRIBUTES'),
    tracesExporters: r.exporters('OTEL_TRACES_EXPORTER'),
    metricsExporters: r.exporters('OTEL_METRICS_EXPORTER'),
    traces: signal(r, 'TRACES', 'v1/traces'),
    metrics: {
      ...signal(r, 'METRICS', 'v1/metrics'),
      temporality: oneOf(r, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', ['cumulative', 'delta', 'lowmemory'], 'cumulative'),
      histogramAggregation: oneOf(
        r,
        'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
        ['explicit_bucket_histogram', 'base2_exponential_bucket_histogram'],
        'explicit_bucket_histogram',
      ),
    },
    metricExportIntervalMillis: r.int('OTEL_METRIC_EXPORT_INTERVAL', OTEL_DEFAULTS.metricExportIntervalMillis, 1),
    metricExportTimeoutMillis: r.int('OTEL_METRIC_EXPORT_TIMEOUT', OTEL_DEFAULTS.metricExportTimeoutMillis, 1),
    batchSpanProcessor: {
      scheduledDelayMillis: r.int('OTEL_BSP_SCHEDULE_DELAY', OTEL_DEFAULTS.bspScheduleDelayMillis, 0),
      exportTimeoutMillis: r.int('OTEL_BSP_EXPORT_TIMEOUT', OTEL_DEFAULTS.bspExportTimeoutMillis, 1),
      maxQueueSize: r.int('OTEL_BSP_MAX_QUEUE_SIZE', OTEL_DEFAULTS.bspMaxQueueSize, 1),
      maxExportBatchSize: r.int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', OTEL_DEFAULTS.bspMaxExportBatchSize, 1),
    },
    sampler: { name: sampler, ratio },
    spanLimits: {
      // Span-specific limits fall back to the general attribute limits, as the specification says.
      attributeValueLengthLimit: r.limit('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', attrValueLength),
      attributeCountLimit: r.limit('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', attrCount),
      eventCountLimit: r.limit('OTEL_SPAN_EVENT_COUNT_LIMIT', OTEL_DEFAULTS.attributeCountLimit),
      linkCountLimit: r.limit('OTEL_SPAN_LINK_COUNT_LIMIT', OTEL_DEFAULTS.attributeCountLimit),
      attributePerEventCountLimit: r.limit('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', OTEL_DEFAULTS.attributeCountLimit),
      attributePerLinkCountLimit: r.limit('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', OTEL_DEFAULTS.attributeCountLimit),
    },
    warnings: r.warnings,
  };
  const bsp = config.batchSpanProcessor;
  if (bsp.maxExportBatchSize > bsp.maxQueueSize) {
    r.warnings.push(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${bsp.maxExportBatchSize}) is larger than OTEL_BSP_MAX_QUEUE_SIZE (${bsp.maxQueueSize}); using the queue size`,
    );
    bsp.maxExportBatchSize = bsp.maxQueueSize;
  }
  return config;
}

/**
 * Which standard exporters a signal gets. Unset: OTLP only when an endpoint for that signal is
 * configured (the SQLite store is genscope's default destination; forwarding is opted into), so
 * a traces-only endpoint never starts a metric exporter posting to localhost.
 */
export function exportersFor(listed: ExporterName[] | undefined, endpointSet: boolean): ExporterName[] {
  if (listed !== undefined) return listed;
  return endpointSet ? ['otlp'] : [];
}
