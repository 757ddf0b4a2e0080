import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { openDatabase } from '../store';
import { SqliteSpanExporter } from './span-exporter';
import { StoreWriter } from '../store/sqlite/writer';

function makeSpans(n: number): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: (s) => spans.push(s),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`, { attributes: { 'pipeline.stage': 'classify' } }).end();
  return spans;
}

function exportSync(exporter: SqliteSpanExporter, spans: ReadableSpan[]): ExportResult {
  let result: ExportResult | undefined;
  exporter.export(spans, (r) => (result = r));
  if (!result) throw new Error('no result');
  return result;
}

describe('SqliteSpanExporter', () => {
  it('writes a batch in one call and reports success', () => {
    const db = openDatabase(':memory:');
    const exporter = new SqliteSpanExporter(new StoreWriter(db));
    expect(exportSync(exporter, makeSpans(10)).code).toBe(ExportResultCode.SUCCESS);
    expect(db.prepare('SELECT count(*) AS n FROM span_view').get()).toEqual({ n: 10 });
  });

  it('fails export after shutdown, and shutdown is safe twice', async () => {
    const db = openDatabase(':memory:');
    const exporter = new SqliteSpanExporter(new StoreWriter(db));
    await exporter.shutdown();
    await exporter.shutdown();
    const r = exportSync(exporter, makeSpans(1));
    expect(r.code).toBe(ExportResultCode.FAILED);
    expect(r.error?.message).toMatch(/shut down/);
    expect(db.prepare('SELECT count(*) AS n FROM span_view').get()).toEqual({ n: 0 });
  });

  it('reports a failed write through the callback instead of throwing, losing nothing stored', () => {
    const db = openDatabase(':memory:');
    const exporter = new SqliteSpanExporter(new StoreWriter(db));
    expect(exportSync(exporter, makeSpans(3)).code).toBe(ExportResultCode.SUCCESS);
    // A trigger that fails every later insert stands in for a disk that refuses writes.
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON spans_rows BEGIN SELECT RAISE(ABORT, 'disk refuses writes'); END");
    let result: ExportResult | undefined;
    expect(() => exporter.export(makeSpans(2), (r) => (result = r))).not.toThrow();
    expect(result?.code).toBe(ExportResultCode.FAILED);
    expect(result?.error?.message).toMatch(/disk refuses writes/);
    expect(db.prepare('SELECT count(*) AS n FROM span_view').get()).toEqual({ n: 3 });
  });

});
