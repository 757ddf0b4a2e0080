/**
 * The server side of the api bench (bench/api-bench): opens the database read-only, starts the
 * API (with the alerts router) on 127.0.0.1 with its clock at NOW_MS, reports its URL and idle RSS
 * over IPC, and on 'report' sends its peak RSS so far (the kernel's VmHWM), which covers every
 * request it has answered. One child per phase, so each phase's peak is its own.
 *
 * Not getrusage's maxrss: Linux keeps the high-water mark of the process before its exec, and a
 * child is forked from the bench process, so a bench that had just built the 10M database (a
 * 580 MiB parent) reported 580 MiB for a server whose own peak was 222 MiB.
 */
import { startServer } from '../api';
import { createAlertsRouter } from '../alerts';
import fs from 'node:fs';
import { openDatabase } from '../store';

/** This process's own peak RSS in bytes: VmHWM (Linux), else getrusage's maxrss. */
function ownPeakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const [dbPath, nowArg] = process.argv.slice(2);
  if (!dbPath || !process.send) throw new Error('usage: api-bench-child DB_PATH NOW_MS (forked with IPC)');
  const db = openDatabase(dbPath, { readonly: true });
  const now = Number(nowArg ?? Date.now());
  const server = await startServer({ db, clock: () => now, host: '127.0.0.1', port: 0, alertsRouter: createAlertsRouter({ db, now: () => now }) });
  process.on('message', (m) => {
    if (m === 'report') process.send?.({ peakRssBytes: ownPeakRssBytes() });
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
