/**
 * `npm run bench`: every benchmark, each printed as ratios against a baseline measured in the
 * same run (an in-memory span sink, a raw insert, a naive query, a small database), so a
 * busy shared machine moves both sides together. Nothing here asserts a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemo } from '../cli/demo';
import { scaleDb } from './scale-db';
import { bytesPerSpan, panelTable, percentileError } from './scale-bench';
import { benchExporter } from './exporter-bench';
import { benchStageWrapper } from './stage-bench';
import { benchApi } from './api-bench';
import { benchDashboard } from './dashboard-bench';
import { benchIngest } from './ingest-bench';
import { benchClickHouse } from './clickhouse-bench';

export const MILLION = 1_000_000;

/** The 1M-span demo database (bulk-built once into bench/.cache, then reused). */
export async function millionSpanDb(log: (line: string) => void): Promise<string> {
  return (await scaleDb(MILLION, log)).file;
}

/**
 * `npm run bench [exporter] [stage] [ingest] [api] [scale] [dashboard] [clickhouse]`: all but
 * clickhouse and stage (part of exporter) when none is named. `scale` builds the 10M-span database on first use (minutes).
 */
export async function main(argv: string[]): Promise<number> {
  const only = new Set(argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '--runs'));
  const want = (name: string) => only.size === 0 || only.has(name);
  const log = (line: string) => console.log(line);
  if (want('exporter')) {
    const r = await benchExporter();
    r.lines.forEach(log);
    log('');
  }
  if (only.has('stage')) {
    // Only when named: the stage wrapper's line of the exporter bench, alone (seconds).
    (await benchStageWrapper()).lines.forEach(log);
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
  if (want('scale')) {
    // The size figure is the default demo history's (`genscope demo`: seed 42, 35 days,
    // with its run artefacts), built fresh (about a minute) into a temporary file.
    const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-bench-demo-'));
    try {
      const demo = await generateDemo({ db: path.join(demoDir, 'demo.db'), seed: 42 });
      log(`scale, the demo history (genscope demo --seed 42: ${demo.spans.toLocaleString('en-US')} spans, ${demo.benchmarkRuns} benchmark runs; floor 500 B/span all in, target 300):`);
      bytesPerSpan(path.join(demoDir, 'demo.db')).forEach(log);
    } finally {
      fs.rmSync(demoDir, { recursive: true, force: true });
    }
    for (const target of [MILLION, 10 * MILLION]) {
      const built = await scaleDb(target, log);
      const label = `${target / MILLION}M spans`;
      log(`scale, ${label}: database built in ${built.buildSeconds.toFixed(0)} s (bulk demo builder${built.builtNow ? ', this run' : ', an earlier run'})`);
      bytesPerSpan(built.file).forEach(log);
      percentileError(built.file).forEach(log);
      (await panelTable(built.file, label)).forEach(log);
      // At 10M the api bench too: its panel p95s, the server's peak RSS over them, and an export
      // bounded to the newest 1M spans (all of them would be a ~10 GB CSV).
      if (target > MILLION) (await benchApi({ dbPath: built.file, exportRows: MILLION })).forEach(log);
      log('');
    }
  }
  if (only.has('clickhouse')) {
    // Only when named: it builds a second ~1M-span history on the embedded engine (minutes).
    // --runs N: a smaller history for a slow machine (default ~1M spans).
    const at = argv.indexOf('--runs');
    const runs = at >= 0 ? Number(argv[at + 1]) : undefined;
    if (runs !== undefined && !(Number.isInteger(runs) && runs >= 200))
      throw new Error(`--runs must be a whole number of at least 200 (got "${argv[at + 1] ?? ''}")`);
    (await benchClickHouse(log, runs)).forEach(log);
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
