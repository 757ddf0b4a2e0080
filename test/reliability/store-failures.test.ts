/**
 * A failing store: when a write fails (here the disk is full), that batch is refused whole,
 * everything acknowledged before is kept, and once the cause is gone the same writer works again.
 * (Found by these tests: a rolled-back batch used to leave its resource id in the writer's cache,
 * so every later write for that service failed its foreign key until the process restarted.)
 */
import path from 'node:path';
import { openDatabase } from '../../store';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SqliteMetricExporter } from '../../exporter';
import { componentRunRecords, count, integrity, metricPointRecord, openRaw, removeDir, rollupsAgree, tempDir } from './helpers';
import { StoreWriter } from '../../store';

describe('store writer on a full disk', () => {
  it('refuses the batch that does not fit, keeps what was acknowledged, and recovers', () => {
    const dir = tempDir('genscope-full-');
    try {
      const db = openDatabase(path.join(dir, 'full.db'));
      const writer = new StoreWriter(db);
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const used = Number(db.pragma('page_count', { simple: true }));
      // A disk with room for a few hundred KiB more.
      db.pragma(`max_page_count = ${used + Math.ceil((400 * 1024) / pageSize)}`);

      let acknowledged = 0;
      let failure: unknown = null;
      const t0 = Date.UTC(2026, 2, 1);
      for (let b = 0; b < 1000 && failure === null; b++) {
        const spans = [];
        // Each batch has a fresh service: its resource row is created inside the failing batch.
        for (let i = 0; i < 50; i++)
          spans.push(...componentRunRecords(t0 + b * 1000 + i, i).map((s) => ({ ...s, resource: { 'service.name': `svc-${b}` } })));
        try {
          acknowledged += writer.writeSpans(spans).accepted;
        } catch (err) {
          failure = err;
        }
      }
      expect((failure as { code?: string } | null)?.code).toBe('SQLITE_FULL');
      expect(writer.stats.failures).toBe(1);
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(acknowledged);
      const r = rollupsAgree(db);
      expect(r.runRollup).toBe(r.runs);

      // The disk has room again: the same writer, the same services, everything goes in.
      db.pragma('max_page_count = 1073741823');
      const failedService = { 'service.name': `svc-${acknowledged / 150}` };
      writer.writeSpans(componentRunRecords(t0 + 5_000_000, 1).map((s) => ({ ...s, resource: failedService })));
      writer.writeMetricPoints([{ ...metricPointRecord(t0 + 5_000_000, 2), resource: failedService }]);
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(acknowledged + 3);
      expect(count(db, 'SELECT count(*) AS n FROM metric_points')).toBe(1);
      expect(writer.stats.failures).toBe(1);
      expect(integrity(db)).toBe('ok');
      db.close();
    } finally {
      removeDir(dir);
    }
  });
});

describe('metric export while the store is busy', () => {
  it('keeps the deltas of a failed export and stores them with the next one', async () => {
    const dir = tempDir('genscope-busy-metrics-');
    try {
      const file = path.join(dir, 'm.db');
      const db = openDatabase(file, { busyTimeoutMillis: 0 });
      const exporter = new SqliteMetricExporter(new StoreWriter(db));
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ readers: [reader] });
      const cost = provider.getMeter('t').createCounter('genscope.cost');
      cost.add(1.5);
      await provider.forceFlush();

      // Another process holds the write lock during the next export: it fails...
      const other = openRaw(file);
      other.exec('BEGIN IMMEDIATE');
      cost.add(2.25);
      await provider.forceFlush();
      expect(exporter.pendingPoints).toBe(1);
      other.exec('COMMIT');
      other.close();

      // ...and its delta is written with the next one: the sum over time is still the total.
      cost.add(0.25);
      await provider.forceFlush();
      expect(exporter.pendingPoints).toBe(0);
      expect(exporter.droppedPoints).toBe(0);
      const total = db.prepare("SELECT sum(value) FROM metric_points WHERE name = 'genscope.cost'").pluck().get();
      expect(total).toBe(4);
      await provider.shutdown();
      db.close();
    } finally {
      removeDir(dir);
    }
  });
});
