import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './db';

describe('openDatabase', () => {
  it('commits with synchronous=FULL in WAL mode, so an acknowledged batch survives power loss', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-db-'));
    const db = openDatabase(path.join(dir, 'd.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      // 2 = FULL: the WAL is fsynced at every commit (NORMAL, 1, only at checkpoints).
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
