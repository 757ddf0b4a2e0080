/**
 * The official OTLP/HTTP exporters, assembled from their public building blocks (the export
 * delegate of @opentelemetry/otlp-exporter-base and the serializers of otlp-transformer) from a
 * configuration we resolved ourselves. The exporter classes' constructors would merge in
 * whatever OTEL_EXPORTER_OTLP_* the process environment holds (headers key by key), so
 * startTelemetry({ env }) could not say "this environment and nothing else".
 */
import fs from 'node:fs';
import type { MeterProvider as MeterProviderApi } from '@opentelemetry/api';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonMetricsSerializer,
  JsonTraceSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import { AggregationTemporalityPreference, OTLPMetricExporterBase } from '@opentelemetry/exporter-metrics-otlp-http';
import { AggregationType, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtelEnvConfig, OtlpSignalConfig } from './otel-env';

// The otel.component.type values the official exporters report themselves with.
const SPAN_EXPORTER_TYPE = 'otlp_http_span_exporter';
const METRIC_EXPORTER_TYPE = 'otlp_http_metric_exporter';

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the OTLP ${what} file ${file}: ${(err as Error).message}`);
  }
}

function httpConfig(c: OtlpSignalConfig, contentType: string) {
  const ca = readPem(c.certificateFile, 'certificate');
  const key = readPem(c.clientKeyFile, 'client key');
  const cert = readPem(c.clientCertificateFile, 'client certificate');
  const headers = { ...c.headers, 'Content-Type': contentType };
  return {
    url: c.url,
    headers: () => Promise.resolve(headers),
    timeoutMillis: c.timeoutMillis,
    compression: c.compression,
    // The exporters' own default.
    concurrencyLimit: 30,
    agentFactory: httpAgentFactoryFromOptions({
      keepAlive: true,
      ...(ca ? { ca } : {}),
      ...(key ? { key } : {}),
      ...(cert ? { cert } : {}),
    }),
  };
}

/** The OTLP span exporter for c; its own failures are counted on selfObs (otel.sdk.exporter.*). */
export function otlpSpanExporter(c: OtlpSignalConfig, selfObs: MeterProviderApi): SpanExporter {
  const json = c.protocol === 'http/json';
  const delegate = createOtlpHttpExportDelegate(
    httpConfig(c, json ? 'application/json' : 'application/x-protobuf'),
    json ? JsonTraceSerializer : ProtobufTraceSerializer,
    SPAN_EXPORTER_TYPE,
    TraceExporterMetricsHelper,
    selfObs,
  );
  return new OTLPExporterBase<ReadableSpan[]>(delegate);
}

const TEMPORALITY = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
} as const;

export function otlpMetricExporter(c: OtelEnvConfig['metrics']): PushMetricExporter {
  const json = c.protocol === 'http/json';
  const delegate = createOtlpHttpExportDelegate<ResourceMetrics, unknown>(
    httpConfig(c, json ? 'application/json' : 'application/x-protobuf'),
    json ? JsonMetricsSerializer : ProtobufMetricsSerializer,
    METRIC_EXPORTER_TYPE,
    MetricsExporterMetricsHelper,
    undefined,
  );
  const exponential = c.histogramAggregation === 'base2_exponential_bucket_histogram';
  return new OTLPMetricExporterBase(delegate, {
    temporalityPreference: TEMPORALITY[c.temporality],
    ...(exponential
      ? {
          aggregationPreference: (type: InstrumentType) =>
            type === InstrumentType.HISTOGRAM
              ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
              : { type: AggregationType.DEFAULT },
        }
      : {}),
  });
}
