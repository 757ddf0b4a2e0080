/**
 * Records the OTLP/protobuf trace requests the official OpenTelemetry JS exporter really sends, as
 * fixtures for the ingest decoder's tests (test/fixtures/otlp/<name>.bin, the body bytes as
 * received). Re-run after upgrading the exporter:
 *
 *   node -r ts-node/register/transpile-only test/interop/capture-otlp-proto-fixtures.ts
 *
 * - `bench.bin`: one export as the ingest bench's senders make it (a root and 511 children with
 *   three string attributes each: test/reliability/fixtures/otlp-sender.ts).
 * - `varied.bin`: every attribute type (string, bool, int, int past 2^53, double, arrays, empty
 *   array), events with attributes, links, error status with a message, every span kind, unicode,
 *   GenAI attributes in several dialects, two scopes and a resource with several attributes.
 *
 * A plain HTTP server on 127.0.0.1 stands in for genscope and keeps each body exactly as received.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const OUT_DIR = path.resolve(__dirname, '..', 'fixtures', 'otlp');

function spansOf(make: (provider: BasicTracerProvider) => void, resource: Record<string, string | number | boolean>): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
  make(provider);
  return memory.getFinishedSpans();
}

function benchSpans(): ReadableSpan[] {
  return spansOf(
    (provider) => {
      const tracer = provider.getTracer('otlp-sender');
      const root = tracer.startSpan('pipeline.run', {
        root: true,
        attributes: { 'pipeline.component.id': 'c-0', 'pipeline.component.type': 'card' },
      });
      const parent = trace.setSpanContext(context.active(), root.spanContext());
      for (let i = 1; i < 512; i++) {
        tracer
          .startSpan(
            'classify',
            { kind: SpanKind.INTERNAL, attributes: { 'pipeline.stage': 'classify', 'pipeline.model': 'gpt-4o', 'pipeline.component.type': 'card' } },
            parent,
          )
          .end();
      }
      root.end();
    },
    { 'service.name': 'otlp-sender-1' },
  );
}

function variedSpans(): ReadableSpan[] {
  const t0 = 1_767_000_000;
  return spansOf(
    (provider) => {
      const a = provider.getTracer('scope-a', '1.2.3');
      const b = provider.getTracer('scope-b');
      const root = a.startSpan('pipeline.run', {
        startTime: [t0, 123_456_789],
        attributes: {
          'pipeline.component.id': 'btn-1',
          'pipeline.component.type': 'button',
          'a.bool': true,
          'a.false': false,
          'a.int': 42,
          'a.negative': -7,
          'a.zero': 0,
          'a.double': 3.25,
          'a.big': 2 ** 60,
          'a.strings': ['x', 'y', ''],
          'a.ints': [1, 2, 3],
          'a.doubles': [0.5, 1.5],
          'a.bools': [true, false],
          'a.empty': [],
          'a.unicode': 'héllo wörld ✓ 𝄞',
          'a.emptystring': '',
        },
      });
      const inRun = trace.setSpan(context.active(), root);
      const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
      kinds.forEach((kind, i) => {
        const s = (i % 2 === 0 ? a : b).startSpan(`kind-${i}`, { kind, startTime: [t0 + i, i * 1000 + 1] }, inRun);
        s.addEvent('tick', { 'event.n': i, 'event.s': `e${i}` }, [t0 + i, 500]);
        s.addEvent('bare', undefined, [t0 + i, 600]);
        s.end([t0 + i + 1, 7]);
      });
      const linked = b.startSpan(
        'linked',
        {
          startTime: [t0 + 6, 1],
          links: [{ context: root.spanContext(), attributes: { 'link.why': 'follows' } }, { context: root.spanContext() }],
        },
        inRun,
      );
      linked.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      linked.end([t0 + 6, 99]);
      const ok = a.startSpan('ok', { startTime: [t0 + 7, 0] }, inRun);
      ok.setStatus({ code: SpanStatusCode.OK });
      ok.end([t0 + 7, 5]);
      const model = a.startSpan(
        'chat claude-sonnet-4',
        {
          kind: SpanKind.CLIENT,
          startTime: [t0 + 8, 7],
          attributes: {
            'pipeline.stage': 'generate',
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.request.model': 'claude-sonnet-4',
            'gen_ai.usage.input_tokens': 300,
            'gen_ai.usage.output_tokens': 40,
            'genscope.cost.usd': 0.0125,
            'gen_ai.request.stop_sequences': ['</code>', 'END'],
          },
        },
        inRun,
      );
      model.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'code.quality', 'gen_ai.evaluation.score.value': 0.8 }, [t0 + 8, 900]);
      model.end([t0 + 9, 11]);
      const oi = b.startSpan(
        'ChatCompletion',
        {
          kind: SpanKind.CLIENT,
          startTime: [t0 + 10, 1],
          attributes: {
            'openinference.span.kind': 'LLM',
            'llm.model_name': 'gpt-4o',
            'llm.provider': 'openai',
            'llm.token_count.prompt': 1000,
            'llm.token_count.completion': 200,
          },
        },
        inRun,
      );
      oi.end([t0 + 10, 999_999_999]);
      root.end([t0 + 11, 13]);
    },
    { 'service.name': 'capture-varied', 'service.version': '0.0.1', 'host.cores': 2, 'deployment.test': true },
  );
}

async function main(): Promise<void> {
  let body: Buffer | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  try {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    for (const [name, spans] of [
      ['bench', benchSpans()],
      ['varied', variedSpans()],
    ] as const) {
      body = null;
      const exporter = new OTLPTraceExporter({ url });
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();
      if (result.code !== 0 || body === null) throw new Error(`${name}: export failed: ${result.error?.message ?? 'no body'}`);
      fs.writeFileSync(path.join(OUT_DIR, `${name}.bin`), body);
      process.stdout.write(`${name}: ${spans.length} spans, ${(body as Buffer).length} bytes\n`);
    }
  } finally {
    server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
