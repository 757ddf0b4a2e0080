/**
 * Crash safety, server side: the server is SIGKILLed at random moments while senders stream OTLP
 * batches into it. After each kill the file passes integrity_check, every batch the server
 * acknowledged (HTTP 200) is there in full, no batch is there in part, and the server restarts on
 * the same file (opens, migrates) and goes on ingesting.
 */
import http from 'node:http';
import path from 'node:path';
import { loadMigrations } from '../../store';
import { integrity, kill, openRaw, otlpJsonBatch, post, removeDir, startServerChild, tempDir } from './helpers';

const SPANS_PER_BATCH = 40;
const SENDERS = 4;
const ROUNDS = 4;

describe('SIGKILL of the server while it ingests OTLP', () => {
  it('keeps every acknowledged batch, whole, across crashes and restarts', async () => {
    const seed = Number(process.env.GENSCOPE_CRASH_SEED ?? Date.now() % 100_000);
    const dir = tempDir('genscope-crash-server-');
    const file = path.join(dir, 'server.db');
    const acknowledged = new Set<string>();
    let batch = seed * 1000;
    let refusedOrFailed = 0;
    // Recent times: the server runs retention on start.
    const t0 = Date.now() - 3_600_000;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const { child, url } = await startServerChild(file);
        const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
        let alive = true;
        const senders = Array.from({ length: SENDERS }, async () => {
          while (alive) {
            const b = batch++;
            const { traceId, body } = otlpJsonBatch(b, SPANS_PER_BATCH, t0 + b);
            try {
              const answer = await post(`${url}/v1/traces`, body, 'application/json', agent);
              if (answer.status === 200) acknowledged.add(traceId);
              else refusedOrFailed++;
            } catch {
              // The connection died with the server: not acknowledged, the sender would retry.
              refusedOrFailed++;
              return;
            }
          }
        });
        // Kill at a random moment of the stream (deterministic per seed and round).
        const delayMillis = 150 + ((seed * 7919 + round * 104_729) % 900);
        await new Promise((resolve) => setTimeout(resolve, delayMillis));
        await kill(child);
        alive = false;
        await Promise.all(senders);
        agent.destroy();
        const context = `seed ${seed}, round ${round}, killed after ${delayMillis} ms, ${acknowledged.size} acknowledged`;

        const db = openRaw(file);
        expect({ context, integrity: integrity(db) }).toEqual({ context, integrity: 'ok' });
        const perTrace = new Map(
          db
            .prepare<[], { trace_id: string; n: number }>('SELECT trace_id, count(*) AS n FROM span_view GROUP BY trace_id')
            .all()
            .map((r) => [r.trace_id, r.n]),
        );
        const missing = [...acknowledged].filter((t) => perTrace.get(t) !== SPANS_PER_BATCH);
        expect({ context, missing }).toEqual({ context, missing: [] });
        // A batch is one transaction: present whole or not at all, acknowledged or not.
        const partial = [...perTrace].filter(([, n]) => n !== SPANS_PER_BATCH);
        expect({ context, partial }).toEqual({ context, partial: [] });
        db.close();
      }

      // A last clean start: the file opens and migrates, ingest works, then a graceful stop.
      const { child, url } = await startServerChild(file);
      const last = otlpJsonBatch(batch++, SPANS_PER_BATCH, t0);
      expect((await post(`${url}/v1/traces`, last.body, 'application/json')).status).toBe(200);
      acknowledged.add(last.traceId);
      child.proc.kill('SIGTERM');
      await child.waitFor(/^closed$/);
      await child.exited;
      const db = openRaw(file);
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      expect(versions).toEqual(loadMigrations().map((m) => m.version));
      const stored = new Set(db.prepare('SELECT DISTINCT trace_id FROM span_view').pluck().all() as string[]);
      expect([...acknowledged].filter((t) => !stored.has(t))).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(ROUNDS);
      db.close();
      // Informational.
      process.stdout.write(`crash-server: ${acknowledged.size} batches acknowledged, ${refusedOrFailed} cut off by kills\n`);
    } finally {
      removeDir(dir);
    }
  });
});
