/**
 * The bulk demo build on a thread of its own (generateBulkDemoOffThread in demo-bulk.ts), so it
 * gets a young generation sized for the writer's allocation rate. Log lines and the report go back
 * to the caller's thread as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateBulkDemo } from './demo-bulk';
import type { BulkDemoOptions } from './demo-bulk';

const port = parentPort;
if (port) {
  generateBulkDemo({ ...(workerData as Omit<BulkDemoOptions, 'log'>), log: (line) => port.postMessage({ t: 'log', line }) })
    .then((report) => port.postMessage({ t: 'done', report }))
    .catch((err: unknown) => port.postMessage({ t: 'error', message: err instanceof Error ? err.message : String(err) }));
}
