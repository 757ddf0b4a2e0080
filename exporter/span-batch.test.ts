import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode, SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { readableSpanToRecord } from './map-spans';
import { SpanBatchEncoder, decodeSpanBatch } from './span-batch';

function collect(resource: Record<string, string>, make: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [{ onStart: () => {}, onEnd: (s) => spans.push(s), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() }],
  });
  make(provider.getTracer('scope-a'));
  return spans;
}

describe('span batch encoding', () => {
  it('decodes into exactly the records readableSpanToRecord gives, whatever the values', () => {
    const long = 'x'.repeat(1000);
    const spans = collect({ 'service.name': 'one' }, (tracer) => {
      const parent = tracer.startSpan('run', { kind: SpanKind.SERVER, attributes: { 'pipeline.stage': 'classify', n: 3, f: -0.5, ok: true, no: false } });
      parent.setAttribute('tags', ['a', 'b', 'a']);
      parent.setAttribute('nums', [1, 2.5, Number.NaN]);
      parent.setAttribute('flags', [true, false]);
      parent.setAttribute('prompt', long);
      parent.setAttribute('empty', '');
      parent.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'accuracy', 'gen_ai.evaluation.score.value': 0.75 });
      parent.addEvent('bare');
      parent.setStatus({ code: SpanStatusCode.ERROR, message: 'bad input' });
      parent.end();
      const ctx = parent.spanContext();
      const child = tracer.startSpan('child', { links: [{ context: ctx, attributes: { why: 'retry' } }, { context: ctx }] });
      child.end();
      for (let i = 0; i < 300; i++) tracer.startSpan(`s${i % 7}`, { attributes: { i, 'component.id': `c-${i % 11}` } }).end();
    });
    const other = collect({ 'service.name': 'two', region: 'eu' }, (tracer) => tracer.startSpan('elsewhere').end());
    const all = [...spans, ...other];
    // A tiny buffer: the encoding grows it many times over within one batch.
    const encoder = new SpanBatchEncoder(8);
    for (const s of all) encoder.add(s);
    const batch = encoder.take();
    expect(batch.spans).toBe(all.length);
    expect(batch.resources).toHaveLength(2);
    expect(decodeSpanBatch(batch)).toEqual(all.map(readableSpanToRecord));
  });

  it('starts every batch afresh after take()', () => {
    const spans = collect({ 'service.name': 'one' }, (tracer) => {
      for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`, { attributes: { i } }).end();
    });
    const encoder = new SpanBatchEncoder();
    encoder.add(spans[0] as ReadableSpan);
    encoder.add(spans[1] as ReadableSpan);
    const first = encoder.take();
    expect(encoder.count).toBe(0);
    for (const s of spans.slice(2)) encoder.add(s);
    const second = encoder.take();
    expect(decodeSpanBatch(first)).toEqual(spans.slice(0, 2).map(readableSpanToRecord));
    expect(decodeSpanBatch(second)).toEqual(spans.slice(2).map(readableSpanToRecord));
  });
});
