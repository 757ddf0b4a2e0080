/**
 * `npm run bench`: every benchmark, each printed as ratios against a baseline measured in the
 * same run (the SDK's in-memory exporter, a raw insert, a naive query, a small database), so a
 * busy shared machine moves both sides together. Nothing here asserts a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../store';
import { generateDemo } from '../cli/demo';
import { benchExporter } from './exporter-bench';
import { benchApi } from './api-bench';
import { benchDashboard } from './dashboard-bench';
import { benchIngest } from './ingest-bench';
import { benchClickHouse } from './clickhouse-bench';

const BENCH_DIR = path.join('data', 'bench');
export const MILLION = 1_000_000;

/** The 1M-span demo database: built with the demo generator once, then reused. */
export async function millionSpanDb(log: (line: string) => void): Promise<string> {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const file = path.join(BENCH_DIR, 'demo-1m.db');
  if (fs.existsSync(file)) {
    const db = openDatabase(file);
    const n = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    db.close();
    if (n >= MILLION * 0.95) {
      log(`using ${file} (${n.toLocaleString('en-US')} spans; delete it to rebuild)`);
      return file;
    }
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
  }
  log(`building ${file}: 1M spans with the demo generator (minutes; reused by later runs) ...`);
  const t0 = performance.now();
  const report = await generateDemo({ db: file, targetSpans: MILLION, log });
  log(`  built ${report.spans.toLocaleString('en-US')} spans in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return file;
}

/** `npm run bench [exporter] [ingest] [api] [dashboard] [clickhouse]`: all but clickhouse when none is named. */
export async function main(argv: string[]): Promise<number> {
  const only = new Set(argv.filter((a) => !a.startsWith('-')));
  const want = (name: string) => only.size === 0 || only.has(name);
  const log = (line: string) => console.log(line);
  if (want('exporter')) {
    const r = await benchExporter();
    r.lines.forEach(log);
    log('');
  }
  if (want('ingest')) {
    (await benchIngest()).forEach(log);
    log('');
  }
  if (want('api')) {
    const db = await millionSpanDb(log);
    (await benchApi({ dbPath: db })).forEach(log);
    log('');
  }
  if (only.has('clickhouse')) {
    // Only when named: it builds a second ~1M-span history on the embedded engine (minutes).
    (await benchClickHouse(log)).forEach(log);
    log('');
  }
  if (want('dashboard')) {
    const db = await millionSpanDb(log);
    (await benchDashboard({ largeDbPath: db, log })).lines.forEach(log);
    log('');
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
