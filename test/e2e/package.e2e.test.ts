/**
 * genscope as a dependency, the way a pipeline project gets it: `npm pack` of this checkout
 * (dist/ built by `npm test`), installed from the tarball into a fresh project with no network
 * (`npm ci --offline`: every dependency comes from the npm cache), a strict TypeScript consumer
 * type-checked as CommonJS and as an ES module, both run (a three-stage pipeline each, the ES
 * module one also embedding the server from genscope/server), then the installed CLI, all
 * meeting in the one default database of the per-user data directory.
 *
 * The consumer's lockfile pins genscope's dependencies to this checkout's lockfile (an offline
 * install cannot resolve version ranges), and better-sqlite3's native addon is copied from this
 * checkout's build instead of compiling it again for minutes (install scripts are off).
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../store';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'consumer');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A package-lock for the consumer: genscope from the tarball, its dependencies as this checkout locked them. */
function consumerLock(tarball: string): object {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const file = `file:${path.basename(tarball)}`;
  const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { genscope: file } },
    'node_modules/genscope': {
      version: pkg.version,
      resolved: file,
      integrity,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev === true) continue;
    const { devOptional, ...rest } = entry;
    packages[key] = devOptional === true ? { ...rest, optional: true } : rest;
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

describe('the packed tarball in a separate strict TypeScript project', () => {
  it('installs offline, type-checks and runs as CommonJS and ESM, and shares the default database with the CLI', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-consumer-'));
    const packed = JSON.parse(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const info = packed[0];
    if (!info) throw new Error('npm pack printed nothing');
    const files = new Set(info.files.map((f) => f.path));
    // What `genscope serve` and `pipeline run` read at run time is in the tarball.
    for (const f of ['dashboard/dist/index.html', 'store/sqlite/migrations/001_initial.sql', 'pipeline/corpus/components.json', 'dist/esm/index.mjs', 'dist/instrumentation/index.d.ts', 'bin/genscope.js'])
      expect(files).toContain(f);
    expect([...files].some((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/'))).toBe(false);

    const tarball = path.join(dir, info.filename);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { genscope: `file:${info.filename}` } }, null, 2),
    );
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(consumerLock(tarball), null, 2));
    await sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
    const addon = path.join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(path.join(dir, addon)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, addon), path.join(dir, addon));

    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(src, f));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitOverride: true,
          // Our declarations and every one they pull in are checked too.
          skipLibCheck: false,
          outDir: 'out',
          rootDir: 'src',
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        },
        include: ['src'],
      }),
    );
    // Type errors (TS7016 for a package without declarations, a missing export) fail here.
    await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);

    // No --db anywhere: GENSCOPE_DB unset, the per-user data directory decides.
    const dataHome = path.join(dir, 'xdg-data');
    const env = { GENSCOPE_DB: '', XDG_DATA_HOME: dataHome, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: '', OTEL_METRICS_EXPORTER: '' };
    const expectedDb = path.join(dataHome, 'genscope', 'genscope.db');
    const cjs = JSON.parse(await sh(process.execPath, ['out/main-cjs.js'], dir, env)) as { done: number; dbPath: string };
    expect(cjs).toEqual({ done: 3, dbPath: expectedDb });
    const esm = JSON.parse(await sh(process.execPath, ['out/main-esm.mjs'], dir, env)) as {
      done: number;
      dbPath: string;
      apiComponents: string[];
      dashboardServed: boolean;
    };
    expect(esm).toMatchObject({ done: 3, dbPath: expectedDb, dashboardServed: true });
    expect(new Set(esm.apiComponents)).toEqual(new Set(['cjs-1', 'cjs-2', 'cjs-3', 'esm-1', 'esm-2', 'esm-3']));

    // The installed CLI prints and uses the same file.
    const cli = await sh(path.join(dir, 'node_modules', '.bin', 'genscope'), ['pipeline', 'run', '--latency-scale', '0'], dir, env);
    expect(cli).toContain(expectedDb);

    const db = openDatabase(expectedDb);
    const count = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;
    for (const id of ['cjs-1', 'cjs-2', 'cjs-3', 'esm-1', 'esm-2', 'esm-3']) {
      expect(count("SELECT count(*) FROM span_view WHERE role = 'run' AND component_id = ?", id)).toBe(1);
    }
    const consumerRuns = "SELECT trace_id FROM span_view WHERE role = 'run' AND (component_id LIKE 'esm-%' OR component_id LIKE 'cjs-%')";
    for (const stage of ['classify', 'generate', 'validate']) {
      expect(count(`SELECT count(*) FROM span_view WHERE role = 'stage' AND stage = ? AND trace_id IN (${consumerRuns})`, stage)).toBe(6);
    }
    expect(count(`SELECT count(*) FROM model_call_view WHERE trace_id IN (${consumerRuns})`)).toBe(6);
    expect(count(`SELECT count(*) FROM score_view WHERE trace_id IN (${consumerRuns})`)).toBe(12);
    // The CLI's benchmark run is there too.
    expect(count("SELECT count(*) FROM span_view WHERE role = 'run' AND benchmark_run_id IS NOT NULL")).toBeGreaterThanOrEqual(48);
    db.close();
  }, 600_000);
});
