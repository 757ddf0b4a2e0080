/**
 * SqliteSpanExporter: the SDK's SpanExporter interface, writing through the store writer.
 * Export never throws: failures go back through the result callback; after shutdown every
 * export fails at once; shutdown is safe to call twice. Given a WriteQueue, a batch that finds
 * the database busy is answered later (after the queue's timer-based retries), never by
 * blocking the event loop; forceFlush and shutdown wait for it.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readableSpanToRecord } from './map-spans';
import { applyGenAiConventions } from '../store/conventions';
import { asError, isDeferredWriter } from '../store/writer-types';
import type { AnyTelemetryWriter } from '../store/writer-types';
import type { SpanRecord } from '../schema/records';

function failed(err: unknown): ExportResult {
  return { code: ExportResultCode.FAILED, error: asError(err) };
}

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

export class SqliteSpanExporter implements SpanExporter {
  private stopped = false;

  constructor(private readonly writer: AnyTelemetryWriter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SqliteSpanExporter is shut down') });
      return;
    }
    let records: SpanRecord[];
    try {
      records = spans.map(readableSpanToRecord);
      // Third-party instrumentations' spans (on genscope's global providers) mean what they mean at
      // OTLP ingest: the same GenAI conventions, so both paths store the same calls and runs.
      applyGenAiConventions(records);
    } catch (err) {
      resultCallback(failed(err));
      return;
    }
    const writer = this.writer;
    if (isDeferredWriter(writer)) {
      writer.submit({ kind: 'spans', records }, (err) => resultCallback(err ? failed(err) : SUCCESS));
      return;
    }
    try {
      writer.writeSpans(records);
    } catch (err) {
      resultCallback(failed(err));
      return;
    }
    resultCallback(SUCCESS);
  }

  /** Resolves once every batch handed to the writer so far is committed or given up. */
  forceFlush(): Promise<void> {
    return isDeferredWriter(this.writer) ? this.writer.flush() : Promise.resolve();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
  }
}
