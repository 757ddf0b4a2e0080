/**
 * The bulk build on its own thread (what `genscope demo --spans` runs): the history written, its
 * log lines relayed, a failure rejected with its cause. demo-bulk.test.ts checks the history itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store';
import { generateBulkDemoOffThread } from './demo-bulk';

const END_MS = Date.parse('2026-11-30T12:00:00Z');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-bulk-thread-'));
}

function tables(file: string): Record<string, number> {
  const db = openDatabase(file, { readonly: true });
  try {
    const n = (sql: string) => Number(db.prepare(sql).pluck().get());
    return {
      spans: n('SELECT count(*) FROM spans'),
      scores: n('SELECT count(*) FROM scores'),
      modelCalls: n('SELECT count(*) FROM model_calls'),
    };
  } finally {
    db.close();
  }
}

describe('generateBulkDemoOffThread', () => {
  it('builds the history on a worker thread and relays its log', async () => {
    const file = path.join(tempDir(), 'off.db');
    const lines: string[] = [];
    const report = await generateBulkDemoOffThread({ targetSpans: 3000, days: 7, seed: 7, endMillis: END_MS, db: file, log: (l) => lines.push(l) });
    const stored = tables(file);
    expect(report.spans).toBe(stored.spans);
    expect(stored.spans).toBeGreaterThan(1000);
    expect(stored.scores).toBeGreaterThan(0);
    expect(stored.modelCalls).toBeGreaterThan(0);
    expect(lines.some((l) => /spans written in/.test(l))).toBe(true);
  }, 180_000);

  it('rejects with the cause when the build fails', async () => {
    const blocker = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(blocker, '');
    await expect(generateBulkDemoOffThread({ db: path.join(blocker, 'x.db'), targetSpans: 1000, days: 7 })).rejects.toThrow(/x\.db|ENOTDIR|cannot/);
  }, 60_000);
});
