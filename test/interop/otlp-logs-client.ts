/**
 * The sending side of the OTLP logs interop test, run as its own Node process (Jest cannot load
 * the official exporters): the official OpenTelemetry JS log exporter (http/json or http/protobuf)
 * and trace exporter post to a genscope server.
 *
 *   node -r ts-node/register/transpile-only test/interop/otlp-logs-client.ts <json|proto> <baseUrl> <token>
 *
 * What it sends, in one trace: a model-call span with a response id; inside it a message-content
 * record (kvlist body) and a gen_ai.evaluation.result event in the span's context; outside any
 * span an evaluation naming only the response id, and a plain log line. The log batch is then
 * exported a second time as it is (what an exporter's retry sends). Prints one JSON object.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface LogsClientOutput {
  traceId: string;
  spanId: string;
  responseId: string;
  /** Records the SDK produced (and sent twice). */
  sent: number;
  exports: { code: number; error?: string }[];
}

const [flavor, baseUrl, token] = process.argv.slice(2);
if ((flavor !== 'json' && flavor !== 'proto') || !baseUrl || !token) {
  console.error('usage: otlp-logs-client.ts <json|proto> <baseUrl> <token>');
  process.exit(2);
}

function exportOnce(exporter: LogRecordExporter, records: ReadableLogRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}

async function main(): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const resource = resourceFromAttributes({ 'service.name': 'logs-interop' });
  const traceExporter =
    flavor === 'json'
      ? new OTLPTraceExporterJson({ url: `${baseUrl}/v1/traces`, headers })
      : new OTLPTraceExporterProto({ url: `${baseUrl}/v1/traces`, headers });
  const tracer = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(traceExporter)] });
  // Collect first, then export the same batch twice through the real exporter.
  const memory = new InMemoryLogRecordExporter();
  const loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = loggers.getLogger('genscope-logs-interop', '1.0.0');

  const responseId = 'chatcmpl-interop-42';
  const span = tracer.getTracer('interop').startSpan('chat gpt-4o-mini', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.id': responseId,
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 40,
    },
  });
  const inSpan = trace.setSpan(context.active(), span);
  logger.emit({
    eventName: 'gen_ai.client.inference.operation.details',
    severityNumber: SeverityNumber.INFO,
    body: { role: 'assistant', content: 'export const Card = () => <div/>;', tokens: 40 },
    attributes: { 'gen_ai.response.id': responseId },
    context: inSpan,
  });
  logger.emit({
    eventName: 'gen_ai.evaluation.result',
    severityNumber: SeverityNumber.INFO,
    attributes: {
      'gen_ai.evaluation.name': 'relevance',
      'gen_ai.evaluation.score.value': 0.8,
      'gen_ai.evaluation.score.label': 'relevant',
      'gen_ai.evaluation.explanation': 'answers the question',
    },
    context: inSpan,
  });
  span.end();
  await tracer.forceFlush();
  // A judge later, outside the call's context: only the response id ties it to the call.
  logger.emit({
    eventName: 'gen_ai.evaluation.result',
    severityNumber: SeverityNumber.INFO,
    attributes: {
      'gen_ai.evaluation.name': 'faithfulness',
      'gen_ai.evaluation.score.value': 0.25,
      'gen_ai.response.id': responseId,
    },
  });
  logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'plain log line, no trace context' });
  await loggers.forceFlush();

  const records = memory.getFinishedLogRecords();
  const logExporter =
    flavor === 'json'
      ? new OTLPLogExporterJson({ url: `${baseUrl}/v1/logs`, headers })
      : new OTLPLogExporterProto({ url: `${baseUrl}/v1/logs`, headers });
  const exports: LogsClientOutput['exports'] = [];
  for (let i = 0; i < 2; i++) {
    const r = await exportOnce(logExporter, records);
    exports.push({ code: r.code, ...(r.error ? { error: r.error.message } : {}) });
  }
  await logExporter.shutdown();
  await tracer.shutdown();
  await loggers.shutdown();
  const ctx = span.spanContext();
  const out: LogsClientOutput = { traceId: ctx.traceId, spanId: ctx.spanId, responseId, sent: records.length, exports };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
