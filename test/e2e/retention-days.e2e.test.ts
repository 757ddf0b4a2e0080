/**
 * `genscope serve --retention-days 3` on a 10-day demo history, as a user runs it (the built CLI,
 * real HTTP on loopback): once the first prune is done, every panel over a window inside the
 * retention answers exactly as an unpruned server on a copy of the same file, and every panel
 * over longer or older windows (read from the hour and day rollups, which outlive the raw rows)
 * answers the same counts and cost, with percentiles within the sketches' stated error (1%, plus
 * the 0.001 ms the API rounds to). Raw rows older than 3 days are gone and the file still passes
 * integrity_check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PANELS } from '../../schema/api';
import { CLI, runCli, startServe, stopServe } from './run-cli';
import type { ServeChild } from './run-cli';

const DAY_MS = 86_400_000;

type Server = ServeChild;

/** The user's environment without genscope's own variables, so only the flags choose. */
function serveEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GENSCOPE_')) delete env[k];
  return env;
}

function serve(db: string, extra: string[]): Promise<Server> {
  return startServe([CLI, 'serve', '--db', db, '--port', '0', ...extra], serveEnv());
}

async function get(s: Server, pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.url}/api/v1${pathAndQuery}`);
  return { status: res.status, body: await res.json() };
}

interface RetentionHealth {
  runs: number;
  running: boolean;
  lastError: string | null;
  deleted: Record<string, number>;
}

async function waitForPrune(s: Server): Promise<RetentionHealth> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await get(s, '/health/self');
    const r = (body as { retention: RetentionHealth | null }).retention;
    if (r && r.runs >= 1 && !r.running) return r;
    if (Date.now() > deadline) throw new Error(`retention did not finish: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Every number in a and b, paired by path (shapes must match). */
function numbers(a: unknown, b: unknown, at = '$', out: { path: string; a: number; b: number }[] = []): { path: string; a: number; b: number }[] {
  if (typeof a === 'number' && typeof b === 'number') out.push({ path: at, a, b });
  else if (Array.isArray(a) && Array.isArray(b)) {
    expect([at, b.length]).toEqual([at, a.length]);
    a.forEach((v, i) => numbers(v, b[i], `${at}[${i}]`, out));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of Object.keys(a)) numbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, out);
  } else expect([at, b]).toEqual([at, a]);
  return out;
}

/** Paths that carry a latency percentile (compared within the sketch bound, not exactly). */
const PERCENTILE = /p50|p95|p99|percentile|quantile|latency(?!.*count)/i;

describe('genscope serve --retention-days 3 on a 10-day history', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-retention-'));
  const pruned = path.join(dir, 'pruned.db');
  const reference = path.join(dir, 'reference.db');
  let a: Server | undefined;
  let b: Server | undefined;
  let health: RetentionHealth;
  let nowMs = 0;

  beforeAll(async () => {
    const r = await runCli(['demo', '--db', pruned, '--days', '10', '--seed', '5']);
    expect(r.code).toBe(0);
    fs.copyFileSync(pruned, reference);
    nowMs = Date.now();
    [a, b] = await Promise.all([serve(reference, []), serve(pruned, ['--retention-days', '3'])]);
    health = await waitForPrune(b);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([stopServe(a), stopServe(b)]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the raw rows older than 3 days and keeps the file sound', () => {
    expect(health.lastError).toBeNull();
    expect(health.deleted['spans'] ?? 0).toBeGreaterThan(0);
    const db = new Database(pruned, { readonly: true, fileMustExist: true });
    try {
      const oldest = db.prepare('SELECT min(start_ns) AS t FROM spans').get() as { t: number | bigint };
      expect(Number(BigInt(oldest.t) / 1_000_000n)).toBeGreaterThanOrEqual(nowMs - 3 * DAY_MS - 60_000);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  // Windows inside the retention: the raw rows and minute rollups are all there, so every panel
  // answers exactly as the unpruned server.
  const inside: [string, (now: number) => string][] = [
    ['the last hour', (now) => `from=${now - 3_600_000}&to=${now}`],
    ['the last 24 h', (now) => `from=${now - DAY_MS}&to=${now}`],
    // 30 h 7 min ending an hour ago: its previous window (for the summary's deltas) is inside too.
    ['an unaligned 30 h', (now) => `from=${now - 31 * 3_600_000 - 7 * 60_000}&to=${now - 3_600_000}`],
  ];
  // Windows reaching past it: read from hour and day rollups, which retention keeps.
  const beyond: [string, (now: number) => string][] = [
    ['the last 7 days', (now) => `from=${now - 7 * DAY_MS}&to=${now}`],
    ['the last 30 days', (now) => `from=${now - 30 * DAY_MS}&to=${now}`],
    ['one day a week ago (short, older than the minute rollups)', (now) => `from=${now - 7 * DAY_MS}&to=${now - 6 * DAY_MS}`],
  ];

  for (const [label, window] of inside) {
    it(`answers every panel over ${label} exactly as before the prune`, async () => {
      for (const p of Object.values(PANELS)) {
        const q = `${p}?${window(nowMs)}`;
        const [ra, rb] = await Promise.all([get(a!, q), get(b!, q)]);
        expect([q, rb.status]).toEqual([q, ra.status]);
        expect([q, rb.body]).toEqual([q, ra.body]);
      }
    }, 120_000);
  }

  for (const [label, window] of beyond) {
    it(`answers every panel over ${label} with the same counts and cost`, async () => {
      for (const p of Object.values(PANELS)) {
        const q = `${p}?${window(nowMs)}`;
        const rb = await get(b!, q);
        // Per-component panels read an edge whose raw rows are pruned from its whole UTC day, and
        // say so: they must then equal the unpruned answer over the span time they say they cover.
        const covered = (rb.body as { meta?: { coveredFromMs?: number; coveredToMs?: number } }).meta;
        const qa = covered?.coveredFromMs !== undefined ? `${p}?from=${covered.coveredFromMs}&to=${covered.coveredToMs}` : q;
        const ra = await get(a!, qa);
        expect([q, rb.status]).toEqual([q, ra.status]);
        // Where the data come from (raw or rollup) and their precision may differ; the answers not.
        const { meta: _ma, ...bodyA } = ra.body as Record<string, unknown>;
        const { meta: _mb, ...bodyB } = rb.body as Record<string, unknown>;
        for (const n of numbers(bodyA, bodyB)) {
          // A percentile's delta and relative change follow from its value and previous value.
          if (PERCENTILE.test(n.path) && /\.(delta|change)$/.test(n.path)) continue;
          if (PERCENTILE.test(n.path)) expect([q, n.path, n.a, n.b, Math.abs(n.b - n.a) <= 0.01 * Math.abs(n.a) + 0.0015]).toEqual([q, n.path, n.a, n.b, true]);
          else expect([q, n.path, n.b]).toEqual([q, n.path, n.a]);
        }
      }
    }, 120_000);
  }

  it('says which whole UTC days the per-component panel covers where raw rows are gone', async () => {
    const from = nowMs - 7 * DAY_MS;
    const to = nowMs - 6 * DAY_MS;
    const { status, body } = await get(b!, `/cost/components?from=${from}&to=${to}`);
    expect(status).toBe(200);
    const r = body as { meta: { coveredFromMs?: number; coveredToMs?: number }; runs: number[] };
    expect(r.meta.coveredFromMs).toBe(Math.floor(from / DAY_MS) * DAY_MS);
    expect(r.meta.coveredToMs).toBe(Math.ceil(to / DAY_MS) * DAY_MS);
    expect(r.runs.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    // Inside the retention nothing is widened.
    const inside = await get(b!, `/cost/components?from=${nowMs - DAY_MS}&to=${nowMs}`);
    expect((inside.body as { meta: Record<string, unknown> }).meta).not.toHaveProperty('coveredFromMs');
  });
});
