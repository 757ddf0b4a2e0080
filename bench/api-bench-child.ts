/**
 * The server side of the export memory measurement (bench/api-bench): opens the database, starts
 * the API on 127.0.0.1, reports its URL and idle RSS over IPC, and on 'report' sends its peak
 * RSS (getrusage maxrss), which includes the export it has just streamed.
 */
import { startServer } from '../api';
import { openDatabase } from '../store';

async function main(): Promise<void> {
  const [dbPath, nowArg] = process.argv.slice(2);
  if (!dbPath || !process.send) throw new Error('usage: api-bench-child DB_PATH NOW_MS (forked with IPC)');
  const db = openDatabase(dbPath, { readonly: true });
  const now = Number(nowArg ?? Date.now());
  const spans = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
  const server = await startServer({ db, clock: () => now });
  process.on('message', (m) => {
    if (m === 'report') process.send?.({ peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  });
  process.on('disconnect', () => {
    void server.close().then(() => db.close());
  });
  process.send({ url: server.url, rssBytes: process.memoryUsage().rss, spans });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
