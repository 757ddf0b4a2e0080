import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store';
import type { WriteResult } from '../store';
import type { Worker } from 'node:worker_threads';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SqliteWriterThread } from './sqlite-writer-thread';
import { SpanBatchEncoder } from './span-batch';
import type { SpanRecord } from '../schema/records';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-writer-thread-'));
}

function submit(thread: SqliteWriterThread, records: Parameters<SqliteWriterThread['submit']>[0]): Promise<{ err: Error | null; result?: WriteResult }> {
  return new Promise((resolve) => thread.submit(records, (err, result) => resolve({ err, ...(result ? { result } : {}) })));
}

describe('SqliteWriterThread', () => {
  it('writes a job on its own connection and publishes the writer counters', async () => {
    const file = path.join(tempDir(), 'a.db');
    openDatabase(file).close();
    const thread = new SqliteWriterThread({ file });
    const point = { name: 'm', type: 'gauge' as const, attributes: {}, resource: { 'service.name': 's' }, timeNs: 1_700_000_000_000_000_000n, value: 2 };
    const { err, result } = await submit(thread, { kind: 'points', records: [point] });
    expect(err).toBeNull();
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    expect(thread.writerStats.metricPoints).toBe(1);
    expect({ ...thread.queueStats }).toMatchObject({ pendingJobs: 0, gaveUp: 0 });
    await thread.close();
    const db = openDatabase(file);
    expect(db.prepare('SELECT count(*) AS n FROM metric_points').get()).toEqual({ n: 1 });
    db.close();
  });

  it('answers every job with the error when the thread cannot start, and never hangs a flush', async () => {
    // A path below a regular file: the thread's open fails (ENOTDIR).
    const blocker = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const thread = new SqliteWriterThread({ file: path.join(blocker, 'x.db') });
    const { err } = await submit(thread, { kind: 'points', records: [] });
    expect(err?.message).toMatch(/SQLite writer thread failed: cannot write the database/);
    expect(thread.failed).toBe(true);
    // Later jobs fail at once; flush and close resolve.
    const again = await submit(thread, { kind: 'points', records: [] });
    expect(again.err?.message).toMatch(/writer thread failed/);
    await thread.flush();
    await thread.close();
    expect(thread.writerStats.lastError).toMatch(/writer thread failed/);
  });

  it('writes on in-process when the thread dies, the jobs it had not answered first: none lost, none doubled', async () => {
    const file = path.join(tempDir(), 'c.db');
    openDatabase(file).close();
    const thread = new SqliteWriterThread({ file });
    // Encoded batches of real SDK spans (the span processor's path) and record jobs (the exporter's).
    const ended: ReadableSpan[] = [];
    const collect: SpanProcessor = {
      onStart: () => undefined,
      onEnd: (span) => void ended.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const tracer = new BasicTracerProvider({ spanProcessors: [collect] }).getTracer('t');
    for (let i = 0; i < 6000; i++) tracer.startSpan('stage', { attributes: { 'genscope.stage': 'generate', i } }).end();
    const records = (from: number): SpanRecord[] =>
      Array.from({ length: 500 }, (_, i) => ({
        traceId: (from + i + 1).toString(16).padStart(32, '0'),
        spanId: (from + i + 1).toString(16).padStart(16, '0'),
        name: 'job span',
        kind: 0,
        startNs: 1_700_000_000_000_000_000n + BigInt(from + i) * 1_000_000n,
        endNs: 1_700_000_000_000_000_000n + BigInt(from + i) * 1_000_000n + 5_000n,
        statusCode: 0,
        attributes: { 'genscope.stage': 'classify' },
        events: [],
        links: [],
        resource: { 'service.name': 's' },
        scopeName: 't',
      }));
    const answers: Promise<Error | null>[] = [];
    const encoder = new SpanBatchEncoder();
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    for (let b = 0; b < 12; b++) {
      answers.push(
        new Promise((resolve) => {
          const done = (err: Error | null) => {
            firstAnswer();
            resolve(err);
          };
          if (b % 2 === 0) {
            for (const span of ended.slice((b / 2) * 1000, (b / 2 + 1) * 1000)) encoder.add(span);
            thread.submitSpans(encoder.take(), done);
          } else thread.submit({ kind: 'spans', records: records(b * 500) }, done);
        }),
      );
    }
    // The thread dies once it answered its first job, with the others posted: some committed and
    // not yet answered, some not read yet.
    await answered;
    await (thread as unknown as { worker: Worker }).worker.terminate();
    expect(await Promise.all(answers)).toEqual(new Array(12).fill(null));
    await thread.flush();
    expect(thread.failed).toBe(false);
    expect(thread.writerStats.lastError).toMatch(/writer thread failed.*writing in-process since/);
    expect(thread.writerStats.failures).toBeGreaterThanOrEqual(1);
    // Later jobs go to the in-process writer.
    for (const span of ended.slice(0, 10)) encoder.add(span);
    const again = await new Promise<Error | null>((resolve) => thread.submitSpans(encoder.take(), resolve));
    expect(again).toBeNull();
    await thread.close();
    const db = openDatabase(file);
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(n('SELECT count(*) AS n FROM spans')).toBe(6000 + 6 * 500);
    expect(n('SELECT count(DISTINCT span_id) AS n FROM spans')).toBe(6000 + 6 * 500);
    db.close();
  });
});
