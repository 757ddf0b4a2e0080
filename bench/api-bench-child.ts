/**
 * The server side of the api bench (bench/api-bench): opens the database read-only, starts the
 * API (with the alerts router) on 127.0.0.1 with its clock at NOW_MS, reports its URL and idle RSS
 * over IPC, and on 'report' sends its peak RSS so far (getrusage maxrss, the kernel's VmHWM), which
 * covers every request it has answered. One child per phase, so each phase's peak is its own.
 */
import { startServer } from '../api';
import { createAlertsRouter } from '../alerts';
import { openDatabase } from '../store';

async function main(): Promise<void> {
  const [dbPath, nowArg] = process.argv.slice(2);
  if (!dbPath || !process.send) throw new Error('usage: api-bench-child DB_PATH NOW_MS (forked with IPC)');
  const db = openDatabase(dbPath, { readonly: true });
  const now = Number(nowArg ?? Date.now());
  const server = await startServer({ db, clock: () => now, host: '127.0.0.1', port: 0, alertsRouter: createAlertsRouter({ db, now: () => now }) });
  process.on('message', (m) => {
    if (m === 'report') process.send?.({ peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  });
  process.on('disconnect', () => {
    void server.close().then(() => db.close());
  });
  process.send({ url: server.url, rssBytes: process.memoryUsage().rss });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
