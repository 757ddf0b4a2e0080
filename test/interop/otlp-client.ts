/**
 * The sending side of the OTLP interop tests, run as its own Node process: the official
 * OpenTelemetry JS exporters load `http` with a dynamic import(), which Jest's module sandbox
 * cannot do, and a separate process is the honest setting for an interop test anyway.
 *
 *   node -r ts-node/register/transpile-only test/interop/otlp-client.ts <scenario> <baseUrl> <token> <t0Seconds>
 *
 * Prints one JSON object (BigInt as decimal strings): what was sent, each export's result, and
 * for metrics the SDK's own view of the same data (via a second, in-memory reader).
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as OTLPMetricExporterJson,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
// The exporters' own option enum; the package is installed with them.
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { metricsToRecords } from '../../exporter';
import { FOREIGN, GEN_AI } from '../../schema/names';

export type Scenario =
  | 'traces-json'
  | 'traces-proto'
  | 'traces-json-wrong-token'
  | 'traces-proto-wrong-token'
  | 'metrics-json'
  | 'metrics-proto'
  | 'metrics-proto-delta';

export interface SentSpan {
  traceId: string;
  spanId: string;
  name: string;
}

export interface ExportOutcome {
  code: number;
  error?: string;
}

export interface ClientOutput {
  sent: Record<string, SentSpan>;
  results: ExportOutcome[];
  /** The SDK's own MetricPointRecords for the same measurements (metrics scenarios). */
  sdkRecords: unknown[];
  beforeNs: string;
  afterNs: string;
}

const outcome = (r: ExportResult): ExportOutcome => ({
  code: r.code,
  ...(r.error ? { error: r.error.message } : {}),
});

/** Passes spans to the real exporter and remembers what it reported. */
class RecordingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly results: ExportOutcome[],
  ) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      this.results.push(outcome(r));
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Same for metrics; forwards the temporality choice, which is the OTLP exporter's to make. */
class RecordingMetricExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly results: ExportOutcome[],
  ) {}
  export(metrics: ResourceMetrics, done: (r: ExportResult) => void): void {
    this.inner.export(metrics, (r) => {
      this.results.push(outcome(r));
      done(r);
    });
  }
  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE;
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/**
 * One pipeline run with three model calls, each in a different GenAI dialect (OpenInference,
 * older gen_ai.*, current gen_ai.* with its own cost and a quality score), at odd nanoseconds.
 */
async function sendRun(
  exporter: SpanExporter,
  service: string,
  t0: number,
): Promise<Record<string, SentSpan>> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('interop-scope', '1.2.3');
  const sent: Record<string, SentSpan> = {};
  const remember = (key: string, span: ReturnType<typeof tracer.startSpan>, name: string): void => {
    sent[key] = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, name };
  };

  const root = tracer.startSpan('pipeline.run', {
    startTime: [t0, 123_456_789],
    attributes: { 'pipeline.component.id': 'btn-1', 'pipeline.component.type': 'button' },
  });
  remember('root', root, 'pipeline.run');
  const inRun = trace.setSpan(context.active(), root);

  const oi = tracer.startSpan(
    'ChatCompletion',
    {
      kind: SpanKind.CLIENT,
      startTime: [t0, 200_000_001],
      attributes: {
        [FOREIGN.openInferenceSpanKind]: 'LLM',
        [FOREIGN.llmModelName]: 'gpt-4o',
        [FOREIGN.llmProvider]: 'openai',
        [FOREIGN.llmPromptTokens]: 1000,
        [FOREIGN.llmCompletionTokens]: 200,
      },
    },
    inRun,
  );
  oi.end([t0 + 1, 999_999_999]);
  remember('openinference', oi, 'ChatCompletion');

  const older = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      startTime: [t0 + 2, 1],
      attributes: {
        [FOREIGN.system]: 'openai',
        [GEN_AI.requestModel]: 'gpt-4o-mini',
        [FOREIGN.promptTokens]: 50,
        [FOREIGN.completionTokens]: 10,
      },
    },
    inRun,
  );
  older.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  older.end([t0 + 2, 500_000_003]);
  remember('older', older, 'chat gpt-4o-mini');

  const current = tracer.startSpan(
    'generate',
    {
      startTime: [t0 + 3, 7],
      attributes: {
        'pipeline.stage': 'generate',
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.providerName]: 'anthropic',
        [GEN_AI.requestModel]: 'claude-sonnet-4',
        [GEN_AI.inputTokens]: 300,
        [GEN_AI.outputTokens]: 40,
        'genscope.cost.usd': 0.0125,
        'gen_ai.request.stop_sequences': ['</code>', 'END'],
      },
    },
    inRun,
  );
  current.addEvent(
    GEN_AI.evaluationEvent,
    { [GEN_AI.evaluationName]: 'code.quality', [GEN_AI.evaluationScoreValue]: 0.8 },
    [t0 + 3, 900_000_009],
  );
  current.end([t0 + 4, 11]);
  remember('current', current, 'generate');

  root.end([t0 + 5, 13]);
  await provider.forceFlush();
  await provider.shutdown();
  return sent;
}

/** A histogram with explicit buckets, a counter and an exponential histogram, exported once. */
async function sendMetrics(exporter: PushMetricExporter): Promise<unknown[]> {
  const memory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'interop-metrics' }),
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    readers: [
      new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 }),
      new PeriodicExportingMetricReader({ exporter: memory, exportIntervalMillis: 3_600_000 }),
    ],
  });
  const meter = provider.getMeter('interop-meter');
  const duration = meter.createHistogram('pipeline.stage.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 1, 10] },
  });
  for (const v of [0.05, 0.5, 0.7, 5, 50]) duration.record(v, { 'pipeline.stage': 'generate' });
  meter.createCounter('genscope.cost', { unit: 'USD' }).add(0.25, { [FOREIGN.system]: 'openai' });
  const exp = meter.createHistogram('latency.exp');
  for (const v of [1, 2, 4, 8, 8, 100]) exp.record(v);
  // Shutdown collects and exports once per reader (a forceFlush first would export twice).
  await provider.shutdown();
  const sdkView = memory.getMetrics()[0];
  return sdkView ? metricsToRecords(sdkView) : [];
}

/** A single span exported directly, to see the exporter's own verdict. */
async function exportOne(exporter: SpanExporter): Promise<ExportOutcome> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('t').startSpan('s').end();
  const result = await new Promise<ExportResult>((resolve) =>
    exporter.export(memory.getFinishedSpans(), resolve),
  );
  await exporter.shutdown();
  await provider.shutdown();
  return outcome(result);
}

export async function runScenario(
  scenario: Scenario,
  baseUrl: string,
  token: string,
  t0: number,
): Promise<ClientOutput> {
  const config = (signal: 'traces' | 'metrics', bearer = token) => ({
    url: `${baseUrl}/v1/${signal}`,
    compression: CompressionAlgorithm.GZIP,
    headers: { Authorization: `Bearer ${bearer}` },
  });
  const results: ExportOutcome[] = [];
  let sent: Record<string, SentSpan> = {};
  let sdkRecords: unknown[] = [];
  const beforeNs = BigInt(Date.now()) * 1_000_000n;
  switch (scenario) {
    case 'traces-json':
      sent = await sendRun(
        new RecordingSpanExporter(new OTLPTraceExporterJson(config('traces')), results),
        'interop-json',
        t0,
      );
      break;
    case 'traces-proto':
      sent = await sendRun(
        new RecordingSpanExporter(new OTLPTraceExporterProto(config('traces')), results),
        'interop-proto',
        t0,
      );
      break;
    case 'traces-json-wrong-token':
      results.push(await exportOne(new OTLPTraceExporterJson(config('traces', 'wrong-token'))));
      break;
    case 'traces-proto-wrong-token':
      results.push(await exportOne(new OTLPTraceExporterProto(config('traces', 'wrong-token'))));
      break;
    case 'metrics-json':
      sdkRecords = await sendMetrics(
        new RecordingMetricExporter(new OTLPMetricExporterJson(config('metrics')), results),
      );
      break;
    case 'metrics-proto':
      sdkRecords = await sendMetrics(
        new RecordingMetricExporter(new OTLPMetricExporterProto(config('metrics')), results),
      );
      break;
    case 'metrics-proto-delta':
      sdkRecords = await sendMetrics(
        new RecordingMetricExporter(
          new OTLPMetricExporterProto({
            ...config('metrics'),
            temporalityPreference: AggregationTemporalityPreference.DELTA,
          }),
          results,
        ),
      );
      break;
  }
  const afterNs = BigInt(Date.now()) * 1_000_000n;
  return { sent, results, sdkRecords, beforeNs: beforeNs.toString(), afterNs: afterNs.toString() };
}

if (require.main === module) {
  const [scenario, baseUrl, token, t0] = process.argv.slice(2);
  runScenario(scenario as Scenario, baseUrl ?? '', token ?? '', Number(t0 ?? 0)).then(
    (out) =>
      process.stdout.write(
        JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      ),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
