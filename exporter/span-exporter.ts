/**
 * SqliteSpanExporter: the SDK's SpanExporter interface, writing through the StoreWriter.
 * Export never throws: failures go back through the result callback; after shutdown every
 * export fails at once; shutdown is safe to call twice.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readableSpanToRecord } from './map-spans';
import type { TelemetryWriter } from '../store/writer-types';

export class SqliteSpanExporter implements SpanExporter {
  private stopped = false;

  constructor(private readonly writer: TelemetryWriter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SqliteSpanExporter is shut down') });
      return;
    }
    try {
      this.writer.writeSpans(spans.map(readableSpanToRecord));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  /** Writes are synchronous, so nothing is ever pending. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
