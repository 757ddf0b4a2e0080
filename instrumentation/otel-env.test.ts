import { exportersFor, OTEL_DEFAULTS, OtelConfigError, readOtelEnv } from './otel-env';

describe('readOtelEnv', () => {
  it('has the specification defaults when nothing is set', () => {
    const c = readOtelEnv({});
    expect(c.sdkDisabled).toBe(false);
    expect(c.traces.url).toBe('http://localhost:4318/v1/traces');
    expect(c.metrics.url).toBe('http://localhost:4318/v1/metrics');
    expect(c.traces).toMatchObject({ endpointSet: false, protocol: 'http/protobuf', timeoutMillis: 10_000, compression: 'none', headers: {} });
    expect(c.metricExportIntervalMillis).toBe(60_000);
    expect(c.metricExportTimeoutMillis).toBe(30_000);
    expect(c.batchSpanProcessor).toEqual({ scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000, maxQueueSize: 2048, maxExportBatchSize: 512 });
    expect(c.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(c.spanLimits.attributeCountLimit).toBe(128);
    expect(c.spanLimits.attributeValueLengthLimit).toBe(Infinity);
    expect(c.metrics.temporality).toBe('cumulative');
    expect(c.warnings).toEqual([]);
  });

  it('appends the signal path to the base endpoint and uses per-signal endpoints as they are', () => {
    const c = readOtelEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9090/custom/path',
    });
    expect(c.traces.url).toBe('http://collector:4318/v1/traces');
    expect(c.metrics.url).toBe('http://metrics:9090/custom/path');
  });

  it('marks only the signal whose endpoint is set', () => {
    const c = readOtelEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x' });
    expect(c.traces.endpointSet).toBe(true);
    expect(c.metrics.endpointSet).toBe(false);
    expect(exportersFor(c.tracesExporters, c.traces.endpointSet)).toEqual(['otlp']);
    expect(exportersFor(c.metricsExporters, c.metrics.endpointSet)).toEqual([]);
  });

  it('takes per-signal protocol, timeout, compression and headers over the generic ones', () => {
    const c = readOtelEnv({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '700',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none',
      OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=two%20words',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3',
    });
    expect(c.traces).toMatchObject({ protocol: 'http/protobuf', timeoutMillis: 2500, compression: 'gzip', headers: { a: '1', b: '3' } });
    expect(c.metrics).toMatchObject({ protocol: 'http/json', timeoutMillis: 700, compression: 'none', headers: { a: '1', b: 'two words' } });
  });

  it('reads exporters as comma lists; none stands alone', () => {
    expect(readOtelEnv({ OTEL_TRACES_EXPORTER: 'otlp, console' }).tracesExporters).toEqual(['otlp', 'console']);
    expect(readOtelEnv({ OTEL_METRICS_EXPORTER: 'none' }).metricsExporters).toEqual([]);
    expect(() => readOtelEnv({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toThrow(OtelConfigError);
    expect(() => readOtelEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER.*zipkin.*otlp, console or none/);
    expect(() => readOtelEnv({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_METRICS_PROTOCOL/);
  });

  it('decodes OTEL_RESOURCE_ATTRIBUTES and discards the whole value on an error', () => {
    expect(readOtelEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=my%2Csvc,team=ui' }).resourceAttributes).toEqual({
      'service.name': 'my,svc',
      team: 'ui',
    });
    const bad = readOtelEnv({ OTEL_RESOURCE_ATTRIBUTES: 'team=ui,oops' });
    expect(bad.resourceAttributes).toEqual({});
    expect(bad.warnings.join()).toMatch(/OTEL_RESOURCE_ATTRIBUTES/);
  });

  it('ignores invalid numbers with a warning naming the variable', () => {
    const c = readOtelEnv({ OTEL_BSP_SCHEDULE_DELAY: 'soon', OTEL_METRIC_EXPORT_INTERVAL: '-5', OTEL_SDK_DISABLED: 'yes' });
    expect(c.batchSpanProcessor.scheduledDelayMillis).toBe(OTEL_DEFAULTS.bspScheduleDelayMillis);
    expect(c.metricExportIntervalMillis).toBe(OTEL_DEFAULTS.metricExportIntervalMillis);
    expect(c.sdkDisabled).toBe(false);
    expect(c.warnings).toHaveLength(3);
    expect(c.warnings.join('\n')).toMatch(/OTEL_BSP_SCHEDULE_DELAY[\s\S]*OTEL_METRIC_EXPORT_INTERVAL|OTEL_METRIC_EXPORT_INTERVAL[\s\S]*OTEL_BSP_SCHEDULE_DELAY/);
  });

  it('reads the sampler, its ratio and the span limits', () => {
    const c = readOtelEnv({
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_ATTRIBUTE_COUNT_LIMIT: '10',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '5',
      OTEL_SDK_DISABLED: 'TRUE',
    });
    expect(c.sampler).toEqual({ name: 'traceidratio', ratio: 0.25 });
    expect(c.spanLimits.attributeCountLimit).toBe(10);
    expect(c.spanLimits.eventCountLimit).toBe(5);
    expect(c.sdkDisabled).toBe(true);
  });
});
