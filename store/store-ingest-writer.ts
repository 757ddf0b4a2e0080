/**
 * OTLP ingest into a store whose writes are asynchronous (the ClickHouse store: genscope as the
 * writer into otel_traces when no Collector is used). A DeferredTelemetryWriter, so the ingest
 * router answers once the store has acknowledged the batch.
 */
import type { TelemetryStore } from './types';
import type { DeferredTelemetryWriter, WriteDone, WriteJob, WriteResult } from './writer-types';
import { asError } from './writer-types';

export class StoreIngestWriter implements DeferredTelemetryWriter {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly store: TelemetryStore) {}

  submit(job: WriteJob, done: WriteDone): void {
    const write: Promise<WriteResult> =
      job.kind === 'spans'
        ? this.store.writeSpans(job.records)
        : job.kind === 'points'
          ? this.store.writeMetricPoints(job.records)
          : this.store.writeLogRecords(job.records);
    const settled = write.then(
      (r) => done(null, r),
      (err: unknown) => done(asError(err)),
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
