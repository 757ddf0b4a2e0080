/**
 * The alert metric reads' worker thread (metric-reads.ts): its own read-only connection to the
 * file, one read per message, answered with the rows or with the error's message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db';
import { readAggregates, readBucketSeries, readSamples } from './alert-metrics';
import type { MetricRead } from './metric-reads';

const port = parentPort;
if (port) {
  const db = openDatabase((workerData as { file: string }).file, { readonly: true, busyTimeoutMillis: 1000 });
  port.on('message', (msg: { id: number; read: MetricRead }) => {
    try {
      const r = msg.read;
      const rows =
        r.kind === 'aggregates'
          ? readAggregates(db, r.scope, r.range, r.plan)
          : r.kind === 'series'
            ? readBucketSeries(db, r.scope, r.range, r.bucketMillis, r.plan)
            : readSamples(db, r.scope, r.range, r.maxSamples, r.plan);
      port.postMessage({ id: msg.id, rows });
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
