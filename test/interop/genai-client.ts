/**
 * The sending side of the GenAI interop tests, one library per process (instrumentations patch
 * the `openai` module on load, so two of them in one process would see each other's calls):
 *
 *   node -r ts-node/register/transpile-only test/interop/genai-client.ts <library> <genscopeUrl> <token> [json|proto]
 *   node -r ts-node/register/transpile-only test/interop/genai-client.ts <library> sqlite:<file>
 *
 * The second form is genscope in process: `startTelemetry({ registerGlobal: true })` writing the
 * SQLite file, the instrumentations on its (global) tracer provider, no OTLP; traces only.
 *
 * Starts the local OpenAI-compatible server (openai-compatible-server.ts, simulated answers),
 * makes the same calls through the REAL client and instrumentation packages, exports over OTLP
 * with the official exporters (traces; metrics and logs where the library records them) and
 * prints one JSON object: what the server answered, the spans the library produced (copied from
 * an in-memory exporter beside the OTLP one) and each export's result.
 */
import { createRequire } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as OTLPMetricExporterJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type OpenAIClient from 'openai';
import type * as AiSdk from 'ai';
import type * as AiSdkOpenAi from '@ai-sdk/openai';
import type * as LangfuseTracing from '@langfuse/tracing' with { 'resolution-mode': 'require' };
import type * as LangfuseOtel from '@langfuse/otel' with { 'resolution-mode': 'require' };
import type * as OtelInstrumentation from '@opentelemetry/instrumentation';
import type * as OtelOpenAi from '@opentelemetry/instrumentation-openai';
import type * as OpenInferenceOpenAi from '@arizeai/openinference-instrumentation-openai';
import type * as TraceloopOpenAi from '@traceloop/instrumentation-openai';
import type * as OpenAiModule from 'openai';
import { startTelemetry } from '../../instrumentation';
import { startOpenAiCompatibleServer } from './openai-compatible-server';
import type { ServedCall } from './openai-compatible-server';

export const GENAI_LIBRARIES = ['otel', 'openinference', 'openllmetry', 'vercel', 'langfuse'] as const;
export type GenAiLibrary = (typeof GENAI_LIBRARIES)[number];

export interface ProducedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  scope: string;
  statusCode: number;
  attributes: Attributes;
  events: string[];
}

export interface GenAiClientOutput {
  library: GenAiLibrary;
  served: ServedCall[];
  spans: ProducedSpan[];
  /** Export results by signal (0 success). */
  results: { traces: number[]; metrics: number[]; logs: number[] };
  /** The response id the evaluation log record names (otel library). */
  evaluatedResponseId: string | null;
  /** Log records emitted by the test itself (besides the instrumentation's). */
  evaluationLogs: number;
}

const load = createRequire(__filename);

class Recording implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly results: number[],
  ) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      this.results.push(r.code);
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

/** The `openai` client calls every OpenAI-client library makes: 4 successes and 2 errors in 2 traces. */
async function openAiCalls(OpenAI: typeof OpenAIClient, baseURL: string, tracer: Tracer): Promise<string | null> {
  const client = new OpenAI({ baseURL, apiKey: 'sk-interop', maxRetries: 0 });
  let responseId: string | null = null;
  await tracer.startActiveSpan('nightly-batch', async (root: Span) => {
    const r1 = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Classify this design: a primary button labelled Save.' }],
    });
    responseId = r1.id;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Generate the component code for a primary Save button.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // consumed: the instrumentations end the span when the stream ends
    }
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Review this code for accessibility issues, briefly.' }],
    });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'primary button Save' });
    await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'FAIL 429 please' }] })
      .catch(() => undefined);
    root.end();
  });
  // A call outside any parent span: its own trace, as in a script.
  await client.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'FAIL 500 please' }] })
    .catch(() => undefined);
  return responseId;
}

async function vercelCalls(baseURL: string): Promise<void> {
  const ai = load('ai') as typeof AiSdk;
  const { createOpenAI } = load('@ai-sdk/openai') as typeof AiSdkOpenAi;
  const provider = createOpenAI({ baseURL, apiKey: 'sk-interop' });
  const telemetry = { isEnabled: true, functionId: 'design-to-code' };
  await ai.generateText({
    model: provider.chat('gpt-4o-mini'),
    prompt: 'Classify this design: a primary button labelled Save.',
    experimental_telemetry: telemetry,
  });
  const streamed = ai.streamText({
    model: provider.chat('gpt-4o-mini'),
    prompt: 'Generate the component code for a primary Save button.',
    experimental_telemetry: telemetry,
  });
  for await (const _part of streamed.textStream) {
    // consumed
  }
  await streamed.usage;
  await ai.generateText({
    model: provider.chat('gpt-4o'),
    prompt: 'Review this code for accessibility issues, briefly.',
    experimental_telemetry: telemetry,
  });
  await ai.embed({
    model: provider.embedding('text-embedding-3-small'),
    value: 'primary button Save',
    experimental_telemetry: telemetry,
  });
  for (const [model, prompt] of [
    ['gpt-4o-mini', 'FAIL 429 please'],
    ['gpt-4o', 'FAIL 500 please'],
  ] as const) {
    await ai
      .generateText({ model: provider.chat(model), prompt, maxRetries: 0, experimental_telemetry: telemetry })
      .catch(() => undefined);
  }
}

/**
 * Langfuse's SDK as its docs show it: an agent observation with a tool and generations whose usage
 * and cost the application reports itself (the model call is the plain `openai` client), and a
 * failed generation marked level ERROR.
 */
async function langfuseCalls(baseURL: string): Promise<void> {
  const lf = load('@langfuse/tracing') as typeof LangfuseTracing;
  const OpenAI = (load('openai') as { default: typeof OpenAIClient }).default;
  const client = new OpenAI({ baseURL, apiKey: 'sk-interop', maxRetries: 0 });
  const generation = async (model: string, content: string): Promise<void> => {
    const g = lf.startObservation('chat-completion', { model, input: [{ role: 'user', content }] }, { asType: 'generation' });
    try {
      const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
      const u = r.usage;
      g.update({
        output: r.choices[0]?.message,
        model: r.model,
        usageDetails: {
          input: (u?.prompt_tokens ?? 0) - (u?.prompt_tokens_details?.cached_tokens ?? 0),
          output: u?.completion_tokens ?? 0,
          cache_read_input_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
          total: u?.total_tokens ?? 0,
        },
        // The application's own price (a negotiated rate), which genscope shows beside its own.
        costDetails: { total: ((u?.prompt_tokens ?? 0) * 0.1 + (u?.completion_tokens ?? 0) * 0.4) / 1e6 },
      });
    } catch (err) {
      g.update({ level: 'ERROR', statusMessage: (err as Error).message });
    } finally {
      g.end();
    }
  };
  await lf.startActiveObservation(
    'design-agent',
    async () => {
      await generation('gpt-4o-mini', 'Classify this design: a primary button labelled Save.');
      const tool = lf.startObservation('lookup-catalog', { input: { query: 'Button' } }, { asType: 'tool' });
      tool.update({ output: { component: 'Button' } });
      tool.end();
      await generation('gpt-4o-mini', 'Generate the component code for a primary Save button.');
      await generation('gpt-4o', 'Review this code for accessibility issues, briefly.');
      const emb = lf.startObservation('embed', { model: 'text-embedding-3-small', input: 'primary button Save' }, { asType: 'embedding' });
      const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'primary button Save' });
      emb.update({ usageDetails: { input: e.usage.prompt_tokens } });
      emb.end();
      await generation('gpt-4o-mini', 'FAIL 429 please');
    },
    { asType: 'agent' },
  );
  await generation('gpt-4o', 'FAIL 500 please');
}

async function main(): Promise<void> {
  const [libraryArg, genscopeUrl, token, protocolArg] = process.argv.slice(2);
  const library = GENAI_LIBRARIES.find((l) => l === libraryArg);
  if (!library || !genscopeUrl) throw new Error(`usage: genai-client <${GENAI_LIBRARIES.join('|')}> <genscopeUrl> <token> [json|proto]`);
  const proto = protocolArg === 'proto';
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const results: GenAiClientOutput['results'] = { traces: [], metrics: [], logs: [] };
  const resource = resourceFromAttributes({ 'service.name': `interop-${library}`, 'service.version': '1.0.0' });

  const inProcess = genscopeUrl.startsWith('sqlite:') ? genscopeUrl.slice('sqlite:'.length) : null;
  const memory = new InMemorySpanExporter();
  let tracerProvider: BasicTracerProvider | ReturnType<typeof trace.getTracerProvider>;
  let meterProvider: MeterProvider;
  let loggerProvider: LoggerProvider;
  let flushTraces: () => Promise<void>;
  if (inProcess !== null) {
    // As a pipeline with genscope installed: its providers made global, third-party spans into the file.
    const telemetry = startTelemetry({ db: inProcess, otlp: false, registerGlobal: true, serviceName: `interop-${library}`, env: {} });
    tracerProvider = trace.getTracerProvider();
    meterProvider = new MeterProvider({ resource });
    loggerProvider = new LoggerProvider({ resource });
    flushTraces = () => telemetry.shutdown();
  } else {
    const otlpTraces = new Recording(
      proto
        ? new OTLPTraceExporterProto({ url: `${genscopeUrl}/v1/traces`, headers })
        : new OTLPTraceExporterJson({ url: `${genscopeUrl}/v1/traces`, headers }),
      results.traces,
    );
    let exportProcessor: SpanProcessor = new BatchSpanProcessor(otlpTraces, { scheduledDelayMillis: 200 });
    if (library === 'langfuse') {
      const { LangfuseSpanProcessor } = load('@langfuse/otel') as typeof LangfuseOtel;
      // Langfuse's own processor (its masking, media handling and span filter), exporting to genscope.
      exportProcessor = new LangfuseSpanProcessor({
        exporter: otlpTraces,
        publicKey: 'pk-lf-interop',
        secretKey: 'sk-lf-interop',
        exportMode: 'immediate',
      });
    }
    const provider = new BasicTracerProvider({
      resource,
      spanProcessors: [exportProcessor, new SimpleSpanProcessor(memory)],
    });
    tracerProvider = provider;
    flushTraces = async () => {
      await provider.forceFlush();
      await provider.shutdown();
    };
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);

    const metricExporter = proto
      ? new OTLPMetricExporterProto({ url: `${genscopeUrl}/v1/metrics`, headers })
      : new OTLPMetricExporterJson({ url: `${genscopeUrl}/v1/metrics`, headers });
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: {
            export: (m, done) =>
              metricExporter.export(m, (r) => {
                results.metrics.push(r.code);
                done(r);
              }),
            forceFlush: () => metricExporter.forceFlush(),
            shutdown: () => metricExporter.shutdown(),
          },
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    const logExporter = proto
      ? new OTLPLogExporterProto({ url: `${genscopeUrl}/v1/logs`, headers })
      : new OTLPLogExporterJson({ url: `${genscopeUrl}/v1/logs`, headers });
    loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: {
            export: (records, done) =>
              logExporter.export(records, (r) => {
                results.logs.push(r.code);
                done(r);
              }),
            shutdown: () => logExporter.shutdown(),
            forceFlush: () => logExporter.forceFlush(),
          },
          scheduledDelayMillis: 200,
        }),
      ],
    });
  }

  const server = await startOpenAiCompatibleServer();
  const tracer = trace.getTracer('interop-app');
  let evaluatedResponseId: string | null = null;
  let evaluationLogs = 0;
  try {
    if (library === 'otel') {
      const { registerInstrumentations } = load('@opentelemetry/instrumentation') as typeof OtelInstrumentation;
      const { OpenAIInstrumentation } = load(
        '@opentelemetry/instrumentation-openai',
      ) as typeof OtelOpenAi;
      registerInstrumentations({
        instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })],
        tracerProvider,
        meterProvider,
        loggerProvider,
      });
      const OpenAI = (load('openai') as { default: typeof OpenAIClient }).default;
      evaluatedResponseId = await openAiCalls(OpenAI, server.url, tracer);
      // An evaluator judging the first response, sent as the GenAI evaluation event (a log record).
      loggerProvider.getLogger('interop-evaluator').emit({
        eventName: 'gen_ai.evaluation.result',
        severityNumber: SeverityNumber.INFO,
        attributes: {
          'gen_ai.evaluation.name': 'relevance',
          'gen_ai.evaluation.score.value': 0.875,
          'gen_ai.evaluation.score.label': 'relevant',
          'gen_ai.response.id': evaluatedResponseId ?? '',
        },
      });
      evaluationLogs++;
    } else if (library === 'openinference') {
      const { OpenAIInstrumentation } = load(
        '@arizeai/openinference-instrumentation-openai',
      ) as typeof OpenInferenceOpenAi;
      const instrumentation = new OpenAIInstrumentation({ tracerProvider });
      const openaiModule = load('openai') as typeof OpenAiModule;
      // Its patch reads module.OpenAI.Chat...: the module object, though typed as the class.
      instrumentation.manuallyInstrument(openaiModule as unknown as typeof OpenAIClient);
      await openAiCalls(openaiModule.default, server.url, tracer);
    } else if (library === 'openllmetry') {
      const { OpenAIInstrumentation } = load(
        '@traceloop/instrumentation-openai',
      ) as typeof TraceloopOpenAi;
      const instrumentation = new OpenAIInstrumentation({ enrichTokens: false });
      instrumentation.setTracerProvider(tracerProvider);
      const openaiModule = load('openai') as typeof OpenAiModule;
      // Unlike OpenInference's, this one wants the client class (it wraps OpenAI.Chat...).
      instrumentation.manuallyInstrument(openaiModule.default);
      await openAiCalls(openaiModule.default, server.url, tracer);
    } else if (library === 'vercel') {
      await vercelCalls(server.url);
    } else {
      await langfuseCalls(server.url);
    }
  } finally {
    // Two collections of the same cumulative series (a periodic one and the one at shutdown):
    // the metrics panel must count them once.
    await meterProvider.forceFlush();
    await meterProvider.shutdown();
    await loggerProvider.shutdown();
    await flushTraces();
    await server.close();
  }

  const spans: ProducedSpan[] = memory.getFinishedSpans().map((s) => ({
    name: s.name,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? null,
    scope: s.instrumentationScope.name,
    statusCode: s.status.code,
    attributes: s.attributes,
    events: s.events.map((e) => e.name),
  }));
  const out: GenAiClientOutput = { library, served: server.served, spans, results, evaluatedResponseId, evaluationLogs };
  process.stdout.write(JSON.stringify(out));
}

// Imported for its types and library list by the test and the fixture capture; runs only as a script.
if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
