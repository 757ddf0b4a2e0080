import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from './db';
import type { Db } from './db';
import { StoreWriter } from './writer';
import { WriteQueue } from './write-queue';
import { writeJob } from '../writer-types';
import type { WriteResult } from '../writer-types';
import type { SpanRecord } from '../../schema/records';

let seq = 1;
function span(name = 'classify'): SpanRecord {
  const n = seq++;
  const startNs = 1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n;
  return {
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    name,
    kind: 0,
    startNs,
    endNs: startNs + 5_000_000n,
    statusCode: 0,
    attributes: { 'pipeline.stage': name },
    events: [],
    links: [],
    resource: { 'service.name': 'queue-test' },
  };
}

function spans(n: number): SpanRecord[] {
  return Array.from({ length: n }, () => span());
}

const count = (db: Db) => Number(db.prepare('SELECT count(*) FROM spans').pluck().get());

describe('WriteQueue', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let other: Db;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-queue-'));
    file = path.join(dir, 'q.db');
    db = openDatabase(file, { busyTimeoutMillis: 0 });
    other = openDatabase(file, { busyTimeoutMillis: 0 });
  });
  afterEach(() => {
    other.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers synchronously when the database is free', () => {
    const queue = new WriteQueue(new StoreWriter(db));
    let result: WriteResult | undefined;
    queue.submit({ kind: 'spans', records: spans(3) }, (err, r) => {
      expect(err).toBeNull();
      result = r;
    });
    expect(result?.accepted).toBe(3);
    expect(count(db)).toBe(3);
  });

  it('keeps a job while another connection holds the lock and commits it once the lock is released', async () => {
    const writer = new StoreWriter(db);
    const queue = new WriteQueue(writer, { initialBackoffMillis: 1, maxBackoffMillis: 20 });
    other.exec('BEGIN IMMEDIATE');
    let answered = false;
    queue.submit({ kind: 'spans', records: spans(5) }, (err) => {
      expect(err).toBeNull();
      answered = true;
    });
    expect(answered).toBe(false);
    expect(queue.stats.pendingRecords).toBe(5);
    // The event loop runs meanwhile: these sleeps would never return under a blocking wait.
    for (let i = 0; i < 5; i++) await sleep(10);
    expect(answered).toBe(false);
    expect(queue.stats.retries).toBeGreaterThan(1);
    other.exec('COMMIT');
    await queue.flush();
    expect(answered).toBe(true);
    expect(count(db)).toBe(5);
    expect(queue.stats).toMatchObject({ pendingJobs: 0, pendingRecords: 0, gaveUp: 0 });
    expect(writer.stats.failures).toBe(0);
    expect(writer.stats.busyRetries).toBe(queue.stats.retries);
  });

  it('backs off exponentially, bounded, with jitter', async () => {
    const delays: number[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    try {
      const queue = new WriteQueue(new StoreWriter(db), { initialBackoffMillis: 4, maxBackoffMillis: 32, random: () => 1 });
      other.exec('BEGIN IMMEDIATE');
      queue.submit({ kind: 'spans', records: spans(1) }, () => undefined);
      while (delays.length < 7) await new Promise((r) => setImmediate(r));
      other.exec('COMMIT');
      await queue.flush();
    } finally {
      spy.mockRestore();
    }
    // random() = 1 gives the top of each jitter range [step/2, step].
    expect(delays.slice(0, 7)).toEqual([4, 8, 16, 32, 32, 32, 32]);
  });

  it('gives up a job after maxRetryMillis of a busy database and counts it', async () => {
    let now = 0;
    const writer = new StoreWriter(db);
    const queue = new WriteQueue(writer, { maxRetryMillis: 100, initialBackoffMillis: 1, maxBackoffMillis: 2, now: () => now });
    other.exec('BEGIN IMMEDIATE');
    const outcome = writeJob(queue, { kind: 'spans', records: spans(4) });
    await sleep(5);
    now = 150;
    await expect(outcome).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    other.exec('ROLLBACK');
    expect(queue.stats).toMatchObject({ gaveUp: 1, gaveUpRecords: 4, pendingJobs: 0 });
    expect(writer.stats.failures).toBe(1);
    expect(count(db)).toBe(0);
  });

  it('coalesces jobs submitted together into one transaction, each with its own result', async () => {
    const writer = new StoreWriter(db);
    const queue = new WriteQueue(writer, { coalesce: true });
    const dup = span();
    const a = writeJob(queue, { kind: 'spans', records: [...spans(3), dup] });
    const b = writeJob(queue, { kind: 'spans', records: [dup, { ...span(), traceId: 'not hex' }] });
    const c = writeJob(queue, { kind: 'points', records: [{ name: 'm', type: 'sum', timeNs: 5n, value: 1, attributes: {}, resource: {} }] });
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra).toMatchObject({ accepted: 4, rejected: 0 });
    expect(rb).toMatchObject({ accepted: 1, rejected: 1 });
    expect(rc).toMatchObject({ accepted: 1, rejected: 0 });
    expect(writer.stats.batches).toBe(1);
    expect(queue.stats.largestTransactionJobs).toBe(3);
    // The span sent twice is stored once.
    expect(count(db)).toBe(4);
    expect(writer.stats.duplicates).toBe(1);
  });

  it('isolates a job that fails for another reason than busy', async () => {
    const writer = new StoreWriter(db);
    const queue = new WriteQueue(writer, { coalesce: true });
    db.exec('CREATE TRIGGER refuse BEFORE INSERT ON spans_rows WHEN (SELECT value FROM strings WHERE id = NEW.name_ref) = \'poison\' BEGIN SELECT RAISE(ABORT, \'poison span\'); END');
    const good = writeJob(queue, { kind: 'spans', records: spans(2) });
    const bad = writeJob(queue, { kind: 'spans', records: [span('poison')] });
    await expect(good).resolves.toMatchObject({ accepted: 2 });
    await expect(bad).rejects.toMatchObject({ message: expect.stringContaining('poison span') });
    expect(count(db)).toBe(2);
  });
});
