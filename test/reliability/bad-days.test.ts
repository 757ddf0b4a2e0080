/**
 * Bad days for the whole server (cli/serve on a real file, real HTTP on 127.0.0.1):
 * - the disk fills up: ingest answers 507 with the cause and the fix, nothing acknowledged is
 *   lost and nothing refused is stored, reads keep answering, and ingest works again once there
 *   is room (the full disk is SQLite's max_page_count on the server's own connection);
 * - a damaged or truncated file: start-up is refused with one message naming the file and the fix;
 * - a file damaged while the server runs: the quick check reports it in health, reads answer 503;
 * - a read-only file or directory: `genscope serve` stops with one line naming the file and the fix.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startGenscopeServer } from '../../cli/serve';
import type { RunningServer } from '../../cli/serve';
import { ROOT, count, integrity, openRaw, otlpJsonBatch, post, removeDir, send, tempDir } from './helpers';

describe('a full disk under the running server', () => {
  let dir: string;
  let running: RunningServer;
  beforeAll(async () => {
    dir = tempDir('genscope-baddays-');
    running = await startGenscopeServer({ db: path.join(dir, 'full.db'), port: 0, env: {}, alertIntervalMillis: 3_600_000 });
  });
  afterAll(async () => {
    await running.stop();
    removeDir(dir);
  });

  it('answers 507 while full, keeps reads and every acknowledged span, and recovers', async () => {
    const db = running.db;
    const url = running.handle.url;
    // Warm the decode workers first: under Jest each one compiles its TypeScript on first use, which
    // on a loaded machine can outlast the decode time bound (a 413) before the disk is involved.
    let warm = 0;
    for (let i = 0; i < 5 && warm !== 200; i++) warm = (await post(`${url}/v1/traces`, otlpJsonBatch(100_000 + i, 1, Date.now()).body, 'application/json')).status;
    expect(warm).toBe(200);
    const before = count(db, 'SELECT count(*) AS n FROM spans');
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const used = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${used + Math.ceil((300 * 1024) / pageSize)}`);

    const t0 = Date.now() - 3_600_000;
    let acknowledged = 0;
    let refused: { body: Buffer; status: number; message: string } | null = null;
    for (let b = 1; b < 2000 && refused === null; b++) {
      const { body } = otlpJsonBatch(b, 40, t0 + b * 1000);
      const res = await post(`${url}/v1/traces`, body, 'application/json');
      if (res.status === 200) acknowledged += 40;
      else refused = { body, status: res.status, message: res.body.toString('utf8') };
    }
    expect(refused?.status).toBe(507);
    expect(refused?.message).toContain('disk holding the database is full');
    expect(acknowledged).toBeGreaterThan(0);
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(before + acknowledged);

    // Reads keep working on a full disk.
    for (const p of ['/api/v1/health', '/api/v1/summary?range=24h', '/api/v1/export/runs.json?range=24h']) {
      const res = await send(`${url}${p}`);
      expect([p, res.status]).toEqual([p, 200]);
    }
    // Still full: still 507, still nothing half-stored.
    expect((await post(`${url}/v1/traces`, refused?.body ?? Buffer.alloc(0), 'application/json')).status).toBe(507);
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(before + acknowledged);

    // Space returns: the refused batch goes in whole, once.
    db.pragma('max_page_count = 1073741823');
    expect((await post(`${url}/v1/traces`, refused?.body ?? Buffer.alloc(0), 'application/json')).status).toBe(200);
    expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(before + acknowledged + 40);
    expect(integrity(db)).toBe('ok');
  });
});

describe('a damaged database file', () => {
  it.each([
    ['garbage', () => Buffer.from('this is not a database, only some text that happens to be long enough '.repeat(100))],
    ['truncated', (good: Buffer) => good.subarray(0, 1500)],
  ] as const)('is refused at start with the file and the fix named (%s)', async (_kind, damage) => {
    const dir = tempDir('genscope-damaged-');
    try {
      // A real database first, so the truncated case cuts a real file.
      const file = path.join(dir, 'damaged.db');
      const good = await startGenscopeServer({ db: file, port: 0, env: {}, alertIntervalMillis: 3_600_000 });
      await good.stop();
      fs.rmSync(`${file}-wal`, { force: true });
      fs.rmSync(`${file}-shm`, { force: true });
      fs.writeFileSync(file, damage(fs.readFileSync(file)));
      const err = (await startGenscopeServer({ db: file, port: 0, env: {}, alertIntervalMillis: 3_600_000 }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/damaged or not a genscope database.*Restore it from a backup/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('a database damaged while the server holds it', () => {
  it('is reported by the quick check in health, and reads and exports answer 503 naming it', async () => {
    const dir = tempDir('genscope-damaged-live-');
    const file = path.join(dir, 'live.db');
    const running = await startGenscopeServer({ db: file, port: 0, env: {}, alertIntervalMillis: 3_600_000 });
    try {
      const url = running.handle.url;
      type Self = { status: string; problems: string[]; quickCheck: { ok: boolean | null; runs: number; problems: string[] } };
      // The check (at start, in a worker) finds nothing.
      expect(await running.quickCheck.runNow()).toEqual(['ok']);
      const before = JSON.parse((await send(`${url}/api/v1/health/self`)).body.toString('utf8')) as Self;
      expect(before.quickCheck.ok).toBe(true);
      expect(before.status).toBe('ok');
      const t0 = Date.now() - 3_600_000;
      for (let b = 1; b <= 30; b++) {
        let status = 0;
        for (let i = 0; i < 5 && status !== 200; i++) status = (await post(`${url}/v1/traces`, otlpJsonBatch(b, 40, t0 + b * 1000).body, 'application/json')).status;
        expect(status).toBe(200);
      }
      const reads = ['/api/v1/summary?range=24h', '/api/v1/export/spans.json?range=24h', '/api/v1/export/spans.csv?range=24h', '/api/v1/export/runs.json?range=24h'];
      for (const p of reads) expect([p, (await send(`${url}${p}`)).status]).toEqual([p, 200]);

      // The disk damages the pages of the span and rollup b-trees under the running server.
      const db = running.db;
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const roots = db
        .prepare("SELECT rootpage FROM sqlite_master WHERE rootpage > 1 AND (tbl_name LIKE 'span%' OR tbl_name LIKE 'rollup_%')")
        .pluck()
        .all() as number[];
      expect(roots.length).toBeGreaterThan(0);
      const fd = fs.openSync(file, 'r+');
      for (const page of roots) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      // The server's page cache is let go (as memory pressure would), so its reads meet the disk.
      db.pragma('shrink_memory');

      expect(await running.quickCheck.runNow()).not.toEqual(['ok']);
      const after = JSON.parse((await send(`${url}/api/v1/health/self`)).body.toString('utf8')) as Self;
      expect(after.status).toBe('degraded');
      expect(after.quickCheck.ok).toBe(false);
      const line = after.problems.find((p) => p.includes('quick_check')) ?? '';
      expect(line).toContain(file);
      expect(line).toMatch(/restore the file from a backup/);
      for (const p of reads) {
        const res = await send(`${url}${p}`);
        expect([p, res.status]).toEqual([p, 503]);
        expect(res.body.toString('utf8')).toMatch(/database file is damaged.*restore it from a backup/);
      }
      // The liveness probe still answers (the process is up; /health/self says what is wrong).
      expect((await send(`${url}/api/v1/health`)).status).toBe(200);
      // Ingest into the damaged b-trees: refused with the cause, never a 500.
      const ingest = await post(`${url}/v1/traces`, otlpJsonBatch(999, 40, t0).body, 'application/json');
      expect(ingest.status).toBe(503);
      expect(ingest.body.toString('utf8')).toContain('damaged');
    } finally {
      await running.stop().catch(() => undefined);
      removeDir(dir);
    }
  });
});

/**
 * A read-only database at start, through the real CLI in a child process. Permissions do not stop
 * root, so when the tests run as root the child runs as `nobody` (setpriv); the files stay root's.
 */
describe('a read-only database at start', () => {
  const asRoot = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  const NOBODY = 65534;
  const runnable = !asRoot || setpriv !== undefined;
  (runnable ? it.each : it.skip.each)([
    ['a read-only file in a writable directory', 'file'],
    ['a writable file in a read-only directory (no WAL can be made)', 'dir'],
    ['a read-only file in a read-only directory', 'both'],
  ] as const)('is refused by genscope serve with one line naming the file and the fix: %s', async (_what, kind) => {
    const dir = tempDir('genscope-readonly-');
    try {
      const file = path.join(dir, 'ro.db');
      const good = await startGenscopeServer({ db: file, port: 0, env: {}, alertIntervalMillis: 3_600_000 });
      await good.stop();
      const owner = asRoot ? NOBODY : (process.getuid?.() ?? 0);
      // The server's user owns what it may write; everything else belongs to root (or is 0444/0555).
      if (kind === 'file' || kind === 'both') fs.chmodSync(file, 0o444);
      else if (asRoot) fs.chownSync(file, owner, owner);
      if (kind === 'dir' || kind === 'both') fs.chmodSync(dir, 0o555);
      else if (asRoot) fs.chownSync(dir, owner, owner);
      else fs.chmodSync(dir, 0o755);
      const args = [path.join(ROOT, 'bin', 'genscope.js'), 'serve', '--db', file, '--port', '0'];
      const cmd = asRoot ? (setpriv as string) : process.execPath;
      const argv = asRoot ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, ...args] : args;
      // A server that starts anyway would listen for ever: the timeout ends it (and the test fails).
      const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir } });
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect({ status: r.status, lines: lines.length }).toEqual({ status: 1, lines: 1 });
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(/cannot (be )?write|cannot be written/);
      expect(lines[0]).toMatch(/fix the permissions|Choose a writable path/);
      expect(r.stdout).not.toMatch(/listening/);
      // Nothing was changed in the file.
      fs.chmodSync(dir, 0o755);
      const db = openRaw(file);
      expect(integrity(db)).toBe('ok');
      db.close();
    } finally {
      fs.chmodSync(dir, 0o755);
      removeDir(dir);
    }
  });
});
