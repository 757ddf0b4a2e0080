/**
 * The server of the dashboard benchmark (bench/dashboard-bench): the API with the alerts routes
 * and the built dashboard on 127.0.0.1, its clock shifted so that "now" is just after the
 * database's newest span, in a process of its own: a synchronous SQLite read must not stall the
 * Playwright driver (which would delay what the bench does next in the page, e.g. the scroll).
 * Reports its URL over IPC; stops when the parent disconnects.
 */
import { startServer } from '../api';
import { createAlertsRouter } from '../alerts';
import { openDatabase } from '../store';

async function main(): Promise<void> {
  const [dbPath, staticDir, offsetArg] = process.argv.slice(2);
  if (!dbPath || !staticDir || !process.send) throw new Error('usage: dashboard-bench-child DB_PATH STATIC_DIR CLOCK_OFFSET_MS (forked with IPC)');
  const offset = Number(offsetArg ?? 0);
  const clock = (): number => Date.now() - offset;
  const db = openDatabase(dbPath);
  const server = await startServer({ db, staticDir, clock, alertsRouter: createAlertsRouter({ db, now: clock }) });
  if (process.env.GENSCOPE_BENCH_DEBUG === '2') {
    // Each API request as the server saw it: arrival -> answer sent (ms, this process's clock).
    server.server.prependListener('request', (req: { url?: string }, res: { once(e: 'finish', f: () => void): void }) => {
      const t = performance.now();
      if (!req.url?.startsWith('/api/')) return;
      res.once('finish', () => console.log(`      server ${t.toFixed(0).padStart(8)} +${(performance.now() - t).toFixed(1).padStart(6)} ms ${req.url}`));
    });
  }
  process.on('disconnect', () => {
    void server.close().then(() => {
      db.close();
      process.exit(0);
    });
  });
  process.send({ url: server.url });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
