import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, migrate, openDatabase } from './db';

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

describe('an upgrade tells what it is doing', () => {
  it('names each migration an existing file gets, before and after; a new or current file hears nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-upgrade-'));
    try {
      const file = path.join(dir, 'g.db');
      const heard: string[] = [];
      const listen = { onMigration: (m: { version: number; name: string }, phase: string) => heard.push(`${phase} ${m.version} ${m.name}`) };
      openDatabase(file, listen).close();
      expect(heard).toEqual([]);
      // The file at the schema before the newest migration, reopened by today's code.
      const all = loadMigrations();
      const last = all[all.length - 1]!;
      fs.rmSync(file);
      const old = openDatabase(file, { migrate: false });
      migrate(old, all.slice(0, -1));
      old.close();
      openDatabase(file, listen).close();
      expect(heard).toEqual([`start ${last.version} ${last.name}`, `done ${last.version} ${last.name}`]);
      openDatabase(file, listen).close();
      expect(heard).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
