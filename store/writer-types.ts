/** The store writer's contract, shared by the SDK exporters and OTLP ingest. Types and two tiny helpers, no I/O. */
import type { LogRecordRecord, MetricPointRecord, SpanRecord } from '../schema/records';

export interface WriteResult {
  /** Records written. */
  accepted: number;
  /** Records refused (invalid or over a limit), with the reasons; never silently dropped. */
  rejected: number;
  /** Human-readable reasons for rejections (bounded list). */
  warnings: string[];
}

export interface TelemetryWriter {
  /** Writes spans in one transaction (with their scores, model calls, benchmark runs and rollups). */
  writeSpans(spans: readonly SpanRecord[]): WriteResult;
  /** Writes metric data points in one transaction. */
  writeMetricPoints(points: readonly MetricPointRecord[]): WriteResult;
  /**
   * Writes OTLP log records in one transaction; `gen_ai.evaluation.result` events among them also
   * become scores of the span (or response) they judge.
   */
  writeLogRecords(records: readonly LogRecordRecord[]): WriteResult;
}

/** One caller's records; a transaction may hold several callers' jobs (ingest coalescing). */
export type WriteJob =
  | { readonly kind: 'spans'; readonly records: readonly SpanRecord[] }
  | { readonly kind: 'points'; readonly records: readonly MetricPointRecord[] }
  | { readonly kind: 'logs'; readonly records: readonly LogRecordRecord[] };

/** Called once per job: with the result when committed, with the error when given up. */
export type WriteDone = (err: Error | null, result?: WriteResult) => void;

/**
 * A writer that may answer later (WriteQueue): it retries a busy database on a timer instead of
 * blocking. `done` is called synchronously when the job could be committed at once, so a
 * synchronous producer keeps its backpressure.
 */
export interface DeferredTelemetryWriter {
  submit(job: WriteJob, done: WriteDone): void;
  /** Resolves once every job submitted so far is committed or given up. */
  flush(): Promise<void>;
}

/** Either kind of writer, as the exporters and ingest accept them. */
export type AnyTelemetryWriter = TelemetryWriter | DeferredTelemetryWriter;

export function isDeferredWriter(w: AnyTelemetryWriter): w is DeferredTelemetryWriter {
  return typeof (w as Partial<DeferredTelemetryWriter>).submit === 'function';
}

/** Writes a job through either kind of writer; the promise settles when it is committed or refused. */
export function writeJob(writer: AnyTelemetryWriter, job: WriteJob): Promise<WriteResult> {
  if (isDeferredWriter(writer))
    return new Promise((resolve, reject) => writer.submit(job, (err, r) => (err ? reject(err) : resolve(r as WriteResult))));
  try {
    return Promise.resolve(
      job.kind === 'spans'
        ? writer.writeSpans(job.records)
        : job.kind === 'points'
          ? writer.writeMetricPoints(job.records)
          : writer.writeLogRecords(job.records),
    );
  } catch (err) {
    return Promise.reject(asError(err));
  }
}

/**
 * The error as thrown when it is one (also from another realm, as native-module errors are under
 * a test runner's VM: their `code`, e.g. SQLITE_BUSY, must survive), else wrapped.
 */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return err as Error;
  return new Error(String(err));
}
