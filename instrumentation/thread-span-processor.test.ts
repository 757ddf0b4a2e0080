/**
 * startTelemetry's default SQLite path: the writer thread. What a caller relies on: flushes wait
 * for the thread's commits, failures come back counted (never thrown into span.end()), a busy
 * database drops past the bound instead of waiting, and the thread never keeps the process alive.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { startTelemetry } from '.';

const REPO = path.join(__dirname, '..');

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-thread-')), 'test.db');
}

function spanCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
}

describe('the SQLite writer thread', () => {
  it('is the default for a file, and forceFlush resolves once every span ended before it is committed', async () => {
    const file = tempDb();
    const t = startTelemetry({ db: file, otlp: false, batch: { maxExportBatchSize: 100 } });
    expect(t.writerThread).toBe(true);
    for (let i = 0; i < 1234; i++) t.tracer.startSpan('s', { attributes: { 'pipeline.stage': 'classify' } }).end();
    await t.forceFlush();
    const other = openDatabase(file);
    expect(spanCount(other)).toBe(1234);
    expect(t.spanStats()).toMatchObject({ exported: 1234, queued: 0, failedSpans: 0, dropped: 0 });
    expect(t.writer?.stats.spans).toBe(1234);
    await t.shutdown();
    other.close();
  });

  it('writes in-process when asked, and for :memory:', async () => {
    const inProcess = startTelemetry({ db: tempDb(), otlp: false, writerThread: false });
    const memory = startTelemetry({ db: ':memory:', otlp: false });
    expect(inProcess.writerThread).toBe(false);
    expect(memory.writerThread).toBe(false);
    await Promise.all([inProcess.shutdown(), memory.shutdown()]);
  });

  it('counts a refused write as failed spans with the reason, and keeps going', async () => {
    const file = tempDb();
    const t = startTelemetry({ db: file, otlp: false, batch: { maxExportBatchSize: 10 } });
    const other = openDatabase(file);
    // A trigger that fails every insert stands in for a disk that refuses writes.
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON spans_rows BEGIN SELECT RAISE(ABORT, 'disk refuses writes'); END");
    for (let i = 0; i < 25; i++) expect(() => t.tracer.startSpan('s').end()).not.toThrow();
    await t.forceFlush();
    expect(t.spanStats()).toMatchObject({ exported: 0, failedSpans: 25, failedExports: 3, queued: 0 });
    expect(t.spanStats()?.lastError).toMatch(/disk refuses writes/);
    expect(t.writer?.stats.failures).toBe(3);
    other.exec('DROP TRIGGER refuse');
    t.tracer.startSpan('after').end();
    await t.shutdown();
    expect(spanCount(other)).toBe(1);
    other.close();
  });

  it('drops and counts the spans past its bound while another connection holds the lock, without waiting for it', async () => {
    const file = tempDb();
    const other = openDatabase(file);
    const t = startTelemetry({ db: file, otlp: false, batch: { maxExportBatchSize: 10, maxQueueSize: 40 }, metricExportIntervalMillis: 3_600_000 });
    other.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 500; i++) t.tracer.startSpan('s').end();
    const during = t.spanStats();
    expect(during?.dropped).toBeGreaterThan(0);
    expect(t.writeQueue?.stats.pendingRecords).toBeGreaterThan(0);
    other.exec('COMMIT');
    await t.shutdown();
    const after = t.spanStats();
    expect(spanCount(other) + (after?.dropped ?? 0)).toBe(500);
    expect(after).toMatchObject({ exported: spanCount(other), failedSpans: 0, queued: 0 });
    expect(t.writer?.stats.busyRetries).toBeGreaterThan(0);
    other.close();
  });

  it('never keeps the process alive', () => {
    const file = tempDb();
    // A pipeline that ends a span and never shuts down: the process must exit on its own.
    const script = `const t = require('./instrumentation').startTelemetry({ db: ${JSON.stringify(file)}, otlp: false }); t.tracer.startSpan('left').end(); process.stdout.write(String(t.writerThread));`;
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: REPO,
      env: { ...process.env, TS_NODE_SWC: 'true' },
      encoding: 'utf8',
      // A thread that kept the process alive would hang here: the timeout makes it a failure.
      timeout: 60_000,
    });
    expect(out).toBe('true');
  });
});
