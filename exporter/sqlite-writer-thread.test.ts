import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store';
import type { WriteResult } from '../store';
import { SqliteWriterThread } from './sqlite-writer-thread';

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
});
