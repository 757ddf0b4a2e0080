/**
 * Several writers: four pipeline processes export into one database file at once while the
 * server ingests OTLP into it and answers API reads from it, and this process reads it too. No
 * export fails on a busy database (the store writer retries with backoff; the children run with
 * busy_timeout 0 so that retry, not SQLite's own wait, is what is exercised), no acknowledged
 * ingest is lost (a 503 from a busy store is retried, as OTLP senders do), and every count adds up.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../store';
import type { SpanProcessorStats } from '../../instrumentation';
import http from 'node:http';
import {
  count,
  fixture,
  getJson,
  integrity,
  kill,
  otlpJsonBatch,
  post,
  removeDir,
  rollupsAgree,
  spansPerTrace,
  startChild,
  startServerChild,
  tempDir,
} from './helpers';
import type { StoreWriterStats } from '../../store';

const CHILDREN = 4;
const RUNS_PER_CHILD = 400;

interface ChildReport {
  pid: number;
  ended: number;
  spans: SpanProcessorStats;
  writer: StoreWriterStats;
}

describe('four pipeline processes exporting into one file', () => {
  it('commits every span of every writer, with no failed export, while the file is read and ingested into', async () => {
    const dir = tempDir('genscope-writers-');
    const file = path.join(dir, 'shared.db');
    const script = fixture('export-child');
    try {
      // The server first (it creates and migrates the file), then the pipeline processes.
      const server = await startServerChild(file);
      const children = Array.from({ length: CHILDREN }, () =>
        startChild(script, ['fixed', file, String(RUNS_PER_CHILD), '0']),
      );
      let running = true;
      const allExited = Promise.all(children.map((c) => c.exited)).finally(() => {
        running = false;
      });

      // Meanwhile: OTLP into the server (retrying a 503 after its Retry-After, as exporters do),
      // API reads from the server, and direct reads of the file from this process.
      const db = openDatabase(file);
      const agent = new http.Agent({ keepAlive: true });
      const acknowledged: string[] = [];
      let busyAnswers = 0;
      let apiReads = 0;
      const t0 = Date.now();
      const ingest = (async () => {
        for (let b = 1; running; b++) {
          const batch = otlpJsonBatch(0x7000 + b, 3, t0 + b);
          for (;;) {
            const a = await post(`${server.url}/v1/traces`, batch.body, 'application/json', agent);
            if (a.status === 200) break;
            expect(a.status).toBe(503);
            busyAnswers++;
            await sleep(50);
          }
          acknowledged.push(batch.traceId);
          const runs = await getJson<{ runs?: unknown[] }>(`${server.url}/api/v1/runs?range=24h&limit=5`);
          if (Array.isArray(runs.runs)) apiReads++;
        }
      })();
      let reads = 0;
      let lastSeen = 0;
      let wentBackwards = false;
      while (running) {
        const seen = count(db, 'SELECT count(*) AS n FROM span_view');
        if (seen < lastSeen) wentBackwards = true;
        lastSeen = seen;
        reads++;
        await sleep(10);
      }
      const exits = await allExited;
      await ingest;
      agent.destroy();
      const health = await getJson<{ store: { failures: number; busyRetries: number } }>(`${server.url}/api/v1/health/self`);
      await kill(server.child);
      const ingested = acknowledged.length * 3;

      const reports = children.map((c) => {
        const line = c.lines.find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as ChildReport) : null;
      });
      for (const [i, c] of children.entries()) {
        expect({ child: i, exit: exits[i], stderr: c.stderr.join('\n') }).toEqual({
          child: i,
          exit: { code: 0, signal: null },
          stderr: '',
        });
        const r = reports[i];
        expect(r).not.toBeNull();
        expect({ child: i, failedSpans: r?.spans.failedSpans, failures: r?.writer.failures }).toEqual({
          child: i,
          failedSpans: 0,
          failures: 0,
        });
        expect(r?.spans.exported).toBe(RUNS_PER_CHILD * 3);
        expect(r?.writer.spans).toBe(RUNS_PER_CHILD * 3);
      }
      expect(wentBackwards).toBe(false);
      expect(apiReads).toBeGreaterThan(0);
      const perTrace = spansPerTrace(db);
      expect(acknowledged.filter((t) => perTrace.get(t) !== 3)).toEqual([]);

      expect(integrity(db)).toBe('ok');
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(CHILDREN * RUNS_PER_CHILD * 3 + ingested);
      expect(count(db, "SELECT count(*) AS n FROM span_view WHERE role = 'run'")).toBe(CHILDREN * RUNS_PER_CHILD + ingested / 3);
      expect(count(db, 'SELECT count(*) AS n FROM model_call_view')).toBe(CHILDREN * RUNS_PER_CHILD);
      expect(count(db, 'SELECT count(*) AS n FROM score_view')).toBe(CHILDREN * RUNS_PER_CHILD);
      // Per process: each child's resource holds exactly its spans.
      for (const r of reports) {
        expect(
          count(
            db,
            "SELECT count(*) AS n FROM span_view s JOIN resources r ON r.id = s.resource_id WHERE r.service_name = ?",
            `writer-${r?.pid}`,
          ),
        ).toBe(RUNS_PER_CHILD * 3);
      }
      const agree = rollupsAgree(db);
      expect(agree.runRollup).toBe(agree.runs);
      expect(agree.callRollup).toBe(agree.calls);
      // Metric points were exported too, by every child (and by the server's self-metrics).
      for (const r of reports)
        expect(
          count(db, 'SELECT count(*) AS n FROM metric_points m JOIN resources r ON r.id = m.resource_id WHERE r.service_name = ?', `writer-${r?.pid}`),
        ).toBeGreaterThan(0);
      const busyRetries = reports.reduce((n, r) => n + (r?.writer.busyRetries ?? 0), 0);
      // The children ran with busy_timeout 0: the lock was found taken, and the writer backed off and retried.
      expect(busyRetries).toBeGreaterThan(0);
      process.stdout.write(
        `writers: ${reads} direct reads, ${apiReads} API reads, ${ingested} spans ingested meanwhile ` +
          `(${busyAnswers} answered 503 and retried; server store failures ${health.store.failures}), ` +
          `${busyRetries} busy retries in the pipeline processes\n`,
      );
      db.close();
    } finally {
      removeDir(dir);
    }
  });
});
