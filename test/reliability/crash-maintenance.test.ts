/**
 * SIGKILL in the middle of maintenance (issue 14, item 8): the server is killed while retention
 * prunes a big file, and while it migrates a database of an older schema at start. After each kill
 * the file passes integrity_check; on restart the prune and the migrations complete; no row that
 * retention should keep is lost, and the rollups agree with the raw rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreWriter, loadMigrations, openDatabase } from '../../store';
import type { Db } from '../../store';
import { componentRunRecords, count, integrity, kill, openRaw, removeDir, rollupsAgree, startChild, fixture, tempDir } from './helpers';
import { legacySchema, legacyWriteSpans } from './legacy-writer';

const DAY = 86_400_000;

function runsRollup(db: Db, fromNs: bigint): number {
  return count(db, "SELECT coalesce(sum(count), 0) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = '(run)' AND bucket_ns >= ?", fromNs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('SIGKILL during retention', () => {
  it('leaves a sound file, keeps every recent row, and the prune completes on restart', async () => {
    const dir = tempDir('genscope-crash-retention-');
    const file = path.join(dir, 'retention.db');
    try {
      const now = Date.now();
      const oldFrom = now - 80 * DAY;
      const recentFrom = now - 5 * DAY;
      const db = openDatabase(file);
      const w = new StoreWriter(db);
      // Old runs (past 30 days' retention) spread over 40 days, then recent ones.
      const OLD_RUNS = 40_000;
      const RECENT_RUNS = 2_000;
      for (let b = 0; b < OLD_RUNS / 500; b++) {
        const batch = [];
        for (let i = 0; i < 500; i++) batch.push(...componentRunRecords(oldFrom + ((b * 500 + i) * 40 * DAY) / OLD_RUNS, i));
        w.writeSpans(batch);
      }
      for (let b = 0; b < RECENT_RUNS / 500; b++) {
        const batch = [];
        for (let i = 0; i < 500; i++) batch.push(...componentRunRecords(recentFrom + ((b * 500 + i) * 4 * DAY) / RECENT_RUNS, i));
        w.writeSpans(batch);
      }
      const cutNs = BigInt(now - 30 * DAY) * 1_000_000n;
      const oldSpans = count(db, 'SELECT count(*) AS n FROM spans WHERE start_ns < ?', cutNs);
      const recentSpans = count(db, 'SELECT count(*) AS n FROM spans WHERE start_ns >= ?', cutNs);
      const hourRuns = runsRollup(db, 0n);
      const recentStart = BigInt(recentFrom - 3_600_000) * 1_000_000n;
      expect(runsRollup(db, recentStart)).toBe(RECENT_RUNS);
      db.close();

      // The server prunes at start; it is killed once the prune has visibly begun and not ended.
      const child = startChild(fixture('server-child'), [file, JSON.stringify({ retentionDays: 30 })]);
      const watch = openRaw(file);
      let seen = oldSpans;
      for (let i = 0; i < 20_000 && seen === oldSpans; i++) {
        await sleep(5);
        seen = count(watch, 'SELECT count(*) AS n FROM spans WHERE start_ns < ?', cutNs);
      }
      await kill(child);
      watch.close();
      const after = openRaw(file);
      const left = count(after, 'SELECT count(*) AS n FROM spans WHERE start_ns < ?', cutNs);
      const context = `${oldSpans} old spans, ${left} left at the kill`;
      // Killed mid-prune: some old rows gone, some still there.
      expect({ context, midway: left > 0 && left < oldSpans }).toEqual({ context, midway: true });
      expect(integrity(after)).toBe('ok');
      expect(count(after, 'SELECT count(*) AS n FROM spans WHERE start_ns >= ?', cutNs)).toBe(recentSpans);
      // Hour rollups outlive the raw rows: none lost, and the kept window agrees with its raw rows.
      expect(runsRollup(after, 0n)).toBe(hourRuns);
      expect(runsRollup(after, recentStart)).toBe(count(after, "SELECT count(*) AS n FROM spans WHERE role = 'run' AND start_ns >= ?", recentStart));
      after.close();

      // Restart: the prune completes.
      const again = startChild(fixture('server-child'), [file, JSON.stringify({ retentionDays: 30 })]);
      await again.waitFor(/^listening /);
      const check = openRaw(file);
      for (let i = 0; i < 6_000 && count(check, 'SELECT count(*) AS n FROM spans WHERE start_ns < ?', cutNs) > 0; i++) await sleep(10);
      again.proc.kill('SIGTERM');
      await again.waitFor(/^closed$/);
      await again.exited;
      expect(count(check, 'SELECT count(*) AS n FROM spans WHERE start_ns < ?', cutNs)).toBe(0);
      expect(count(check, 'SELECT count(*) AS n FROM spans WHERE start_ns >= ?', cutNs)).toBe(recentSpans);
      expect(runsRollup(check, 0n)).toBe(hourRuns);
      expect(runsRollup(check, recentStart)).toBe(RECENT_RUNS);
      expect(integrity(check)).toBe('ok');
      check.close();
    } finally {
      removeDir(dir);
    }
  });
});

describe('SIGKILL during a migration', () => {
  it('leaves a sound file; the migrations complete on restart with every row and rollups agreeing', async () => {
    const dir = tempDir('genscope-crash-migrate-');
    try {
      const legacy = path.join(dir, 'legacy.db');
      const old = new Database(legacy);
      legacySchema(old);
      const t0 = Date.now() - 3 * DAY;
      const RUNS = 30_000;
      for (let b = 0; b < RUNS / 500; b++) {
        const batch = [];
        for (let i = 0; i < 500; i++) batch.push(...componentRunRecords(t0 + (b * 500 + i) * 5_000, i));
        legacyWriteSpans(old, batch);
      }
      const spans = count(old, 'SELECT count(*) AS n FROM spans');
      const legacyVersions = old.prepare('SELECT count(*) AS n FROM schema_migrations').pluck().get() as number;
      old.pragma('journal_mode = DELETE');
      old.close();
      const all = loadMigrations().map((m) => m.version);

      // How long a start on a copy takes to migrate: the kills land inside that time.
      const probe = path.join(dir, 'probe.db');
      fs.copyFileSync(legacy, probe);
      const started = Date.now();
      const timing = startChild(fixture('server-child'), [probe, JSON.stringify({ retentionDays: 30 })]);
      await timing.waitFor(/^listening /);
      const startMillis = Date.now() - started;
      await kill(timing);

      const states: string[] = [];
      for (const fraction of [0.3, 0.55, 0.8]) {
        const file = path.join(dir, `kill-${fraction}.db`);
        fs.copyFileSync(legacy, file);
        const child = startChild(fixture('server-child'), [file, JSON.stringify({ retentionDays: 30 })]);
        await sleep(Math.round(startMillis * fraction));
        const listened = child.lines.some((l) => l.startsWith('listening '));
        await kill(child);
        const db = openRaw(file);
        expect({ fraction, integrity: integrity(db) }).toEqual({ fraction, integrity: 'ok' });
        const applied = db.prepare('SELECT count(*) AS n FROM schema_migrations').pluck().get() as number;
        states.push(`${fraction}: ${listened ? 'after start' : `killed during start, ${applied - legacyVersions} of ${all.length - legacyVersions} new migrations committed`}`);
        db.close();

        // Restart under the current code: every migration, every row once, rollups as the raw rows say.
        const reopened = openDatabase(file);
        expect(reopened.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(all);
        expect(count(reopened, 'SELECT count(*) AS n FROM span_view')).toBe(spans);
        const r = rollupsAgree(reopened);
        expect(r.runs).toBe(RUNS);
        expect(r.runRollup).toBe(r.runs);
        expect(r.callRollup).toBe(r.calls);
        expect(integrity(reopened)).toBe('ok');
        reopened.close();
      }
      // At least one kill landed inside the start (open and migrate), not after it.
      expect(states.filter((s) => s.includes('during start')).length).toBeGreaterThan(0);
      process.stdout.write(`crash-migrate: start took ${startMillis} ms; ${states.join('; ')}\n`);
    } finally {
      removeDir(dir);
    }
  }, 300_000); // four starts through every migration: 108 s at load 7 on 2 cores
});
