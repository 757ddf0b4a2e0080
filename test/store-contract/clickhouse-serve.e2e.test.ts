/**
 * End to end on the ClickHouse store: `genscope serve --store chdb:///dir?database=db` (the
 * embedded engine; a fresh database) and `genscope serve --db file` (SQLite) run as real child
 * processes; the official OTel OTLP trace exporter, in its own process, sends the same spans to
 * each; then every panel route, the runs list, a run's detail, the exports and the alerts routes
 * answer from both with the same response shapes, and the ClickHouse answers hold the spans sent.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PANEL_DEFS } from '../../api/panels';
import { EXPORT_DATASETS } from '../../schema/api';
import type { ClientOutput } from '../interop/otlp-client';
import { startServe, stopServe } from '../e2e/run-cli';
import type { ServeChild } from '../e2e/run-cli';
import { shape } from './compare';

jest.setTimeout(300_000);

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');
const SENDER_TOKEN = 'e2e-token';

type Server = ServeChild;

/** Starts `genscope serve` through ts-node (the sources, no build needed) and waits for its URL. */
function serve(args: string[]): Promise<Server> {
  return startServe(
    ['-r', 'ts-node/register/transpile-only', '-e', "require('./cli/main').main(process.argv.slice(1))", '--', 'serve', '--port', '0', ...args],
    { ...process.env, GENSCOPE_DB: '', GENSCOPE_STORE: '' },
  );
}

const stop = stopServe;

async function send(url: string, t0: number): Promise<ClientOutput> {
  const { stdout } = await run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(REPO, 'test', 'interop', 'otlp-client.ts'), 'traces-json', url, SENDER_TOKEN, String(t0)],
    { cwd: REPO, timeout: 120_000 },
  );
  return JSON.parse(stdout) as ClientOutput;
}

/** The shape of a JSON value: object keys, array element shapes (of the first), value types. */
async function get(base: string, p: string): Promise<{ status: number; body: string; json: unknown }> {
  const r = await fetch(`${base}${p}`);
  const body = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(body);
  } catch {
    json = null;
  }
  return { status: r.status, body, json };
}

let dir: string;
let ch: Server | undefined;
let lite: Server | undefined;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-ch-serve-'));
  [ch, lite] = await Promise.all([
    serve(['--store', `chdb://${dir}/chdb?database=e2e&query_timeout_s=20`, '--db', path.join(dir, 'state.db')]),
    serve(['--db', path.join(dir, 'lite.db')]),
  ]);
  const t0 = Math.floor(Date.now() / 1000) - 120;
  const [a, b] = await Promise.all([send(ch.url, t0), send(lite.url, t0)]);
  for (const out of [a, b]) expect(out.results.every((r) => r.code === 0)).toBe(true);
});

afterAll(async () => {
  await Promise.all([stop(ch), stop(lite)]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the ClickHouse server says which store it serves and holds the spans the exporter sent', async () => {
  if (!ch) throw new Error('no server');
  expect(ch.output()).toContain('store: ClickHouse embedded engine chdb://');
  const spans = await get(ch.url, '/api/v1/export/spans.json?range=24h');
  expect(spans.status).toBe(200);
  expect(Array.isArray(spans.json) && spans.json.length).toBe(4);
  const health = await get(ch.url, '/api/v1/health');
  expect(health.status).toBe(200);
});

test('every panel, runs, run detail, exports and alerts answer with the SQLite shapes', async () => {
  if (!ch || !lite) throw new Error('no servers');
  const paths = [
    ...PANEL_DEFS.map((p) => `/api/v1${p.path}?range=24h`),
    '/api/v1/runs?range=24h',
    '/api/v1/filters?range=24h',
    '/api/v1/benchmarks',
    ...EXPORT_DATASETS.map((d) => `/api/v1/export/${d}.json?range=24h`),
    ...PANEL_DEFS.map((p) => `/api/v1/export/panel/${p.id}.json?range=24h`),
    '/api/v1/alerts/rules',
    '/api/v1/alerts/states',
    '/api/v1/alerts/events',
  ];
  const mismatches: string[] = [];
  for (const p of paths) {
    const [a, b] = await Promise.all([get(lite.url, p), get(ch.url, p)]);
    if (a.status !== b.status) mismatches.push(`${p}: status sqlite ${a.status} clickhouse ${b.status} ${b.body.slice(0, 200)}`);
    else if (JSON.stringify(shape(a.json)) !== JSON.stringify(shape(b.json)))
      mismatches.push(`${p}: shape sqlite ${JSON.stringify(shape(a.json))} clickhouse ${JSON.stringify(shape(b.json))}`);
  }
  // A run's detail, by the id each store's runs list gives.
  const runsOf = async (base: string) => ((await get(base, '/api/v1/runs?range=24h')).json as { runs: { id: number }[] }).runs;
  const [ra, rb] = await Promise.all([runsOf(lite.url), runsOf(ch.url)]);
  expect(ra.length).toBeGreaterThan(0);
  expect(rb.length).toBe(ra.length);
  if (ra[0] && rb[0]) {
    const [da, db] = await Promise.all([get(lite.url, `/api/v1/runs/${ra[0].id}`), get(ch.url, `/api/v1/runs/${rb[0].id}`)]);
    expect(db.status).toBe(da.status);
    if (JSON.stringify(shape(da.json)) !== JSON.stringify(shape(db.json))) mismatches.push('run detail shape differs');
  }
  const evaluated = await Promise.all([lite, ch].map((s) => fetch(`${s.url}/api/v1/alerts/evaluate`, { method: 'POST' })));
  expect(evaluated.map((r) => r.status)).toEqual([200, 200]);
  type Evaluation = { evaluation: { rulesEvaluated: number; series: number; errors: unknown[] } };
  const [ea, eb] = (await Promise.all(evaluated.map((r) => r.json()))) as Evaluation[];
  expect(eb?.evaluation.errors).toEqual([]);
  expect(eb?.evaluation.rulesEvaluated).toBeGreaterThan(0);
  expect(eb?.evaluation.rulesEvaluated).toBe(ea?.evaluation.rulesEvaluated);
  expect(eb?.evaluation.series).toBe(ea?.evaluation.series);
  expect(mismatches).toEqual([]);
});

test('a bad store URL stops serve with a usage error that does not print the password', async () => {
  const r = await run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', "require('./cli/main').main(process.argv.slice(1)).then((c) => process.exit(c))", '--', 'serve', '--store', 'clickhouse://u:hunter2@127.0.0.1:8123/bad-db-name', '--port', '0'],
    { cwd: REPO, env: { ...process.env, GENSCOPE_STORE: '' } },
  ).catch((err: { code: number; stdout: string; stderr: string }) => err);
  expect(r.stdout + r.stderr).toContain('database "bad-db-name"');
  expect(r.stdout + r.stderr).not.toContain('hunter2');
});
