/**
 * Crash safety, exporter side: a pipeline process exporting into SQLite is SIGKILLed at random
 * moments (during start-up and migrations, mid-batch, mid-flush). After each kill the file passes
 * integrity_check, opens and migrates normally, holds every span the process had reported as
 * flushed, and its rollups agree exactly with its raw rows (no half-written transaction).
 */
import path from 'node:path';
import { loadMigrations, openDatabase } from '../../store';
import { count, fixture, integrity, kill, openRaw, removeDir, rollupsAgree, startChild, tempDir } from './helpers';

/** Small seeded generator so a failing sequence of kill times can be replayed (GENSCOPE_CRASH_SEED). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITERATIONS = 6;

describe('SIGKILL of a pipeline process exporting to SQLite', () => {
  it('loses no flushed span and leaves a sound database, at random kill points', async () => {
    const seed = Number(process.env.GENSCOPE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rand = random(seed);
    const dir = tempDir('genscope-crash-');
    const file = path.join(dir, 'crash.db');
    const script = fixture('export-child');
    const versions = loadMigrations().map((m) => m.version);
    let stored = 0;
    const log: string[] = [];
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const child = startChild(script, ['crash', file]);
        // The first kills land during start-up (opening, creating the schema); later ones while
        // spans stream in batches and flushes.
        const early = i < 2;
        if (!early) await child.waitFor(/^ready$/);
        const delayMillis = Math.floor(early ? 200 + rand() * 600 : 100 + rand() * 1200);
        await new Promise((resolve) => setTimeout(resolve, delayMillis));
        await kill(child);
        const flushedLines = child.lines.filter((l) => l.startsWith('flushed '));
        const lastFlushed = Number(flushedLines[flushedLines.length - 1]?.slice('flushed '.length) ?? 0);
        const context = `seed ${seed}, iteration ${i}, killed after ${delayMillis} ms, ${lastFlushed} flushed`;
        log.push(context);
        if (process.env.GENSCOPE_CRASH_LOG) process.stdout.write(`${context}\n`);
        expect({ context, stderr: child.stderr.join('\n') }).toEqual({ context, stderr: '' });

        // After the crash, before anything repairs it: the raw file as the crash left it.
        const raw = openRaw(file);
        expect({ context, integrity: integrity(raw) }).toEqual({ context, integrity: 'ok' });
        const hasSchema = count(raw, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'spans'") === 1;
        const spans = hasSchema ? count(raw, 'SELECT count(*) AS n FROM spans') : 0;
        expect({ context, atLeast: spans >= stored + lastFlushed }).toEqual({ context, atLeast: true });
        if (hasSchema) {
          const r = rollupsAgree(raw);
          expect({ context, runs: r.runRollup, calls: r.callRollup }).toEqual({ context, runs: r.runs, calls: r.calls });
        }
        raw.close();

        // Restart: the file opens and migrates as usual.
        const db = openDatabase(file);
        const applied = db
          .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
          .all()
          .map((r) => r.version);
        expect({ context, applied }).toEqual({ context, applied: versions });
        expect(count(db, 'SELECT count(*) AS n FROM spans')).toBe(spans);
        db.close();
        stored = spans;
      }
      // The kills were not all before any data: the test exercised real streaming.
      expect({ log, stored: stored > 0 }).toEqual({ log, stored: true });
    } finally {
      removeDir(dir);
    }
  });
});
