/**
 * A busy database never blocks the pipeline: another connection holds the write lock
 * (BEGIN IMMEDIATE) for seconds while an instrumented pipeline keeps running components. The
 * event loop stays responsive (an interval's tick counter keeps advancing while spans end and
 * their writes find the lock taken), and once the lock is released every span is stored. With a
 * small queue bound, the spans past it are dropped and counted exactly, in the processor's stats
 * and in the self-metric, never silently.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../store';
import { startTelemetry } from '../../instrumentation';
import type { Telemetry } from '../../instrumentation';
import { count, removeDir, tempDir } from './helpers';

const SPANS_PER_RUN = 3;

async function oneRun(telemetry: Telemetry, i: number): Promise<void> {
  const p = telemetry.pipeline({ name: 'busy-pipeline', version: '1' });
  const classify = p.stage('classify', async (n: number) => {
    const r = await telemetry.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o' }, () =>
      Promise.resolve({ usage: { inputTokens: 10 + (n % 5), outputTokens: 3, costUsd: 0.001 }, text: 'button' }),
    );
    return r.text;
  });
  await p.run({ componentId: `component-${i % 20}`, componentType: 'button', model: 'gpt-4o' }, () => classify(i));
}

describe('the pipeline while another connection holds the write lock', () => {
  it('keeps its event loop responsive and stores every span once the lock is released', async () => {
    const dir = tempDir('genscope-busy-pipeline-');
    const file = path.join(dir, 'busy.db');
    try {
      // A default connection (5 s busy timeout), as another genscope process would have.
      const other = openDatabase(file);
      const telemetry = startTelemetry({
        db: file,
        otlp: false,
        serviceName: 'busy-pipeline',
        batch: { maxExportBatchSize: 30, scheduledDelayMillis: 5 },
        metricExportIntervalMillis: 200,
      });
      let ticks = 0;
      const interval = setInterval(() => ticks++, 10);

      other.exec('BEGIN IMMEDIATE');
      const ticksAtLock = ticks;
      let runs = 0;
      let lockedRuns = 0;
      let peakPending = 0;
      // Hold the lock for about three seconds of wall time while the pipeline keeps going.
      const release = sleep(3_000).then(() => other.exec('COMMIT'));
      let released = false;
      void release.then(() => {
        released = true;
      });
      while (!released) {
        await oneRun(telemetry, runs++);
        if (!released) lockedRuns++;
        peakPending = Math.max(peakPending, telemetry.writeQueue?.stats.pendingRecords ?? 0);
        // A pipeline awaits real work between components; here a short pause stands for it.
        await sleep(2);
      }
      const ticksWhileLocked = ticks - ticksAtLock;
      await release;
      for (let i = 0; i < 20; i++) await oneRun(telemetry, runs++);
      await telemetry.shutdown();
      clearInterval(interval);

      // While the lock was held: writes were tried and found it taken, spans kept ending and
      // waited in memory, and the interval kept ticking (a blocking wait would have held it at ~0).
      expect(lockedRuns).toBeGreaterThan(20);
      expect(peakPending).toBeGreaterThan(0);
      expect(telemetry.writer?.stats.busyRetries).toBeGreaterThan(3);
      expect(ticksWhileLocked).toBeGreaterThan(50);

      // After: every span stored, nothing failed or dropped.
      const stats = telemetry.spanStats();
      expect(stats).toMatchObject({ failedSpans: 0, dropped: 0, queued: 0, exported: runs * SPANS_PER_RUN });
      expect(telemetry.writer?.stats.failures).toBe(0);
      expect(count(other, 'SELECT count(*) AS n FROM spans')).toBe(runs * SPANS_PER_RUN);
      expect(count(other, "SELECT count(*) AS n FROM spans WHERE role = 'run'")).toBe(runs);
      other.close();
    } finally {
      removeDir(dir);
    }
  });

  it('drops the spans past its queue bound and counts every one of them', async () => {
    const dir = tempDir('genscope-busy-drop-');
    const file = path.join(dir, 'drop.db');
    try {
      const other = openDatabase(file);
      const telemetry = startTelemetry({
        db: file,
        otlp: false,
        serviceName: 'busy-drop',
        batch: { maxExportBatchSize: 10, scheduledDelayMillis: 1, maxQueueSize: 40 },
        metricExportIntervalMillis: 3_600_000,
      });
      other.exec('BEGIN IMMEDIATE');
      const runs = 60;
      for (let i = 0; i < runs; i++) await oneRun(telemetry, i);
      const stats = telemetry.spanStats();
      // At most one batch in flight plus the bound wait; the rest is dropped and counted.
      expect(stats?.dropped).toBeGreaterThan(0);
      other.exec('COMMIT');
      await telemetry.shutdown();
      const after = telemetry.spanStats();
      const stored = count(other, 'SELECT count(*) AS n FROM spans');
      expect(stored + (after?.dropped ?? 0)).toBe(runs * SPANS_PER_RUN);
      expect(after).toMatchObject({ failedSpans: 0, exported: stored, queued: 0 });
      // The final metric export carries the drop count under the SDK's own name for it.
      const dropped = count(
        other,
        `SELECT max(value) AS n FROM metric_points
          WHERE name = 'otel.sdk.processor.span.processed' AND json_extract(attributes, '$."error.type"') = 'queue_full'`,
      );
      expect(dropped).toBe(after?.dropped);
      other.close();
    } finally {
      removeDir(dir);
    }
  });
});
