/**
 * The benchmark databases at scale (1M and 10M spans): built once with the bulk demo builder
 * into bench/.cache/ (gitignored) and reused while fresh. The server reads the wall clock, so a
 * database older than a day is rebuilt (its "last 24 h" would hold no data). A sidecar JSON
 * keeps how long the build took, so every bench run can print it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateBulkDemoOffThread } from '../cli/demo-bulk';

/** Relative to the working directory: npm run bench runs in the repository root. */
export const CACHE_DIR = path.join('bench', '.cache');
const MAX_AGE_MS = 86_400_000;

export interface ScaleDb {
  file: string;
  spans: number;
  buildSeconds: number;
  builtAtMillis: number;
  /** False when an earlier bench run built it. */
  builtNow: boolean;
}

interface Sidecar {
  targetSpans: number;
  spans: number;
  buildSeconds: number;
  builtAtMillis: number;
  seed: number;
}

function label(spans: number): string {
  return spans >= 1_000_000 ? `${spans / 1_000_000}m` : `${spans / 1000}k`;
}

function remove(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** The cached database of about targetSpans spans, built (minutes) when missing or stale. */
export async function scaleDb(targetSpans: number, log: (line: string) => void, dir: string = CACHE_DIR): Promise<ScaleDb> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `demo-${label(targetSpans)}.db`);
  const sidecarFile = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(sidecarFile)) {
    const s = JSON.parse(fs.readFileSync(sidecarFile, 'utf8')) as Sidecar;
    const age = Date.now() - s.builtAtMillis;
    if (s.targetSpans === targetSpans && age < MAX_AGE_MS) {
      log(`using ${file} (${s.spans.toLocaleString('en-US')} spans, built ${(age / 3_600_000).toFixed(1)} h ago in ${s.buildSeconds.toFixed(0)} s; delete it to rebuild)`);
      return { file, spans: s.spans, buildSeconds: s.buildSeconds, builtAtMillis: s.builtAtMillis, builtNow: false };
    }
    log(`${file} is ${(age / 3_600_000).toFixed(1)} h old: rebuilding (the server's windows follow the wall clock)`);
  }
  remove(file);
  fs.rmSync(sidecarFile, { force: true });
  log(`building ${file}: about ${targetSpans.toLocaleString('en-US')} spans with the bulk demo builder ...`);
  const seed = 42;
  const report = await generateBulkDemoOffThread({ db: file, targetSpans, seed, log });
  const sidecar: Sidecar = { targetSpans, spans: report.spans, buildSeconds: report.seconds, builtAtMillis: Date.now(), seed };
  fs.writeFileSync(sidecarFile, `${JSON.stringify(sidecar, null, 2)}\n`);
  log(`  built ${report.spans.toLocaleString('en-US')} spans in ${report.seconds.toFixed(0)} s`);
  return { file, spans: report.spans, buildSeconds: report.seconds, builtAtMillis: sidecar.builtAtMillis, builtNow: true };
}
