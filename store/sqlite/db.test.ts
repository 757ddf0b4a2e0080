import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './db';

describe('openDatabase', () => {
  it('commits with synchronous=NORMAL in WAL mode (durable against process crashes, not power loss)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-db-'));
    const db = openDatabase(path.join(dir, 'd.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      // 1 = NORMAL: the WAL is fsynced at checkpoints, not at every commit.
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('syncs every commit with synchronous=FULL when asked (a commit survives power loss)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-db-'));
    const db = openDatabase(path.join(dir, 'full.db'), { synchronous: 'FULL' });
    try {
      // 2 = FULL: the WAL is fsynced at every commit.
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
