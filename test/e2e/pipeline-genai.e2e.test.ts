/**
 * `genscope pipeline run` (the built CLI, a child process) checked against the OpenTelemetry GenAI
 * semantic conventions attribute by attribute, and its progress and concurrency as a user sees
 * them. Model calls go to the repository's local OpenAI-compatible server on 127.0.0.1 (its
 * answers are SIMULATED, over real HTTP) or to the simulated client.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { startGenscopeServer } from '../../cli/serve';
import { openDatabase, rebuiltSpans } from '../../store';
import type { Db } from '../../store';
import {
  ATTR,
  GEN_AI,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  METRIC,
  SCORE,
  SERVER,
  TOKEN_BUCKETS,
  UNIT,
} from '../../schema/names';
import { startOpenAiCompatibleServer } from '../interop/openai-compatible-server';
import { CLI, ROOT, runCli } from './run-cli';
import type { OpenAiCompatibleServer } from '../interop/openai-compatible-server';

// Port 9 (discard) has no genscope server: the CLI must say how to start one.
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { GENSCOPE_PORT: '9', ...env });

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-genai-e2e-'));

type Attrs = Record<string, unknown>;
interface SpanOut {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  role: string;
  stage: string | null;
  status_code: number;
  attributes: Attrs;
  events: { name: string; attributes: Attrs }[];
}
function spansOf(db: Db): SpanOut[] {
  // The stored layout is compact (store/sqlite/compact-rows.ts): the view gives the columns in
  // text, rebuiltSpans the attributes and events exactly as they were sent.
  const full = new Map(rebuiltSpans(db).map((r) => [r.id, r]));
  const raw = db
    .prepare('SELECT id, span_id, parent_span_id, name, kind, role, stage, status_code FROM span_view ORDER BY id')
    .all() as (Omit<SpanOut, 'attributes' | 'events'> & { id: number })[];
  return raw.map(({ id, ...r }) => ({
    ...r,
    attributes: (full.get(id)?.attributes ?? {}) as Attrs,
    events: (full.get(id)?.events ?? []) as unknown as SpanOut['events'],
  }));
}

/** The value types the conventions give each attribute. */
type Kind = 'string' | 'int' | 'double' | 'string[]';
function hasType(v: unknown, kind: Kind): boolean {
  if (kind === 'string') return typeof v === 'string' && v.length > 0;
  if (kind === 'int') return typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (kind === 'double') return typeof v === 'number' && Number.isFinite(v);
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);
}
function expectAttr(a: Attrs, key: string, kind: Kind): void {
  if (!hasType(a[key], kind)) throw new Error(`attribute ${key} should be a ${kind}, is ${JSON.stringify(a[key])}`);
}

/** A corpus of six bundled components; two carry the test server's failure triggers in a text. */
function corpusWithFailures(dir: string): string {
  const bundled = JSON.parse(fs.readFileSync(path.join(ROOT, 'pipeline', 'corpus', 'components.json'), 'utf8')) as {
    components: { design: { children?: { children?: { text?: string }[] }[] } }[];
  };
  const components = bundled.components.slice(0, 6);
  const setText = (i: number, text: string) => {
    const label = components[i]?.design.children?.[0]?.children?.[0];
    if (!label || label.text === undefined) throw new Error(`component ${i} has no label text to change`);
    label.text = text;
  };
  setText(1, 'FAIL 429');
  setText(2, 'FAIL 500');
  const file = path.join(dir, 'corpus.json');
  fs.writeFileSync(file, JSON.stringify({ ...bundled, components }));
  return file;
}

describe('genscope pipeline run against the GenAI semantic conventions', () => {
  let server: OpenAiCompatibleServer;
  beforeAll(async () => {
    server = await startOpenAiCompatibleServer({ cacheWrites: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('records every recommended client-inference attribute it knows, with the right type, on each chat span', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'genai.db');
    const result = await run(['pipeline', 'run', '--db', db, '--corpus', corpusWithFailures(dir), '--concurrency', '3'], {
      GENSCOPE_OPENAI_BASE_URL: server.url,
      // An o-series model: the test server reports reasoning tokens for those.
      GENSCOPE_OPENAI_MODEL: 'o4-mini',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const conn = openDatabase(db);
    const calls = spansOf(conn).filter((s) => s.role === 'model');
    conn.close();
    const served = server.served.filter((c) => c.requestModel === 'o4-mini');
    expect(calls).toHaveLength(6);
    expect(served).toHaveLength(6);
    const port = Number(new URL(server.url).port);
    for (const c of calls) {
      const a = c.attributes;
      expect(c.name).toBe('chat o4-mini');
      expect(c.kind).toBe(SpanKind.CLIENT);
      expect(c.stage).toBe('generate');
      // Required and conditionally required.
      expect(a[GEN_AI.operationName]).toBe('chat');
      expect(a[GEN_AI.providerName]).toBe('openai');
      expect(a[GEN_AI.requestModel]).toBe('o4-mini');
      expect([a[SERVER.address], a[SERVER.port]]).toEqual(['127.0.0.1', port]);
      expectAttr(a, SERVER.port, 'int');
      // Recommended request attributes.
      expectAttr(a, GEN_AI.requestMaxTokens, 'int');
      expect(a[GEN_AI.requestMaxTokens]).toBe(4096);
      expectAttr(a, GEN_AI.requestTemperature, 'double');
      expect(a).not.toHaveProperty('pipeline.stage');
      expect(Object.keys(a).filter((k) => k.startsWith('pipeline.'))).toEqual([]);
    }
    const ok = calls.filter((c) => c.status_code !== 2);
    const failed = calls.filter((c) => c.status_code === 2);
    expect(ok).toHaveLength(4);
    for (const c of ok) {
      const a = c.attributes;
      expect(a).not.toHaveProperty(ATTR.errorType);
      expectAttr(a, GEN_AI.responseId, 'string');
      expect(a[GEN_AI.responseId]).toMatch(/^chatcmpl-sim\d+$/);
      expectAttr(a, GEN_AI.responseModel, 'string');
      expectAttr(a, GEN_AI.finishReasons, 'string[]');
      expect(a[GEN_AI.finishReasons]).toEqual(['stop']);
      expectAttr(a, GEN_AI.inputTokens, 'int');
      expectAttr(a, GEN_AI.outputTokens, 'int');
      expectAttr(a, GEN_AI.reasoningTokens, 'int');
      expect(a[GEN_AI.reasoningTokens]).toBe(5);
    }
    // Token detail equals what the server reported (its log is the ground truth).
    const sum = (xs: SpanOut[], k: string) => xs.reduce((s, c) => s + (Number(c.attributes[k]) || 0), 0);
    const good = served.filter((c) => c.status === 200);
    expect(sum(ok, GEN_AI.inputTokens)).toBe(good.reduce((s, c) => s + c.inputTokens, 0));
    expect(sum(ok, GEN_AI.cachedInputTokens)).toBe(good.reduce((s, c) => s + c.cachedTokens, 0));
    const writes = good.reduce((s, c) => s + (c.cacheWriteTokens ?? 0), 0);
    expect(writes).toBeGreaterThan(0);
    expect(sum(ok, GEN_AI.cacheCreationTokens)).toBe(writes);
    for (const c of ok.filter((x) => x.attributes[GEN_AI.cacheCreationTokens] !== undefined))
      expectAttr(c.attributes, GEN_AI.cacheCreationTokens, 'int');
    // error.type: the provider's code when it sends one, else the HTTP status; never a message.
    expect(failed.map((c) => c.attributes[ATTR.errorType]).sort()).toEqual(['500', 'rate_limit_exceeded']);
    for (const c of failed) expect(c.events.map((e) => e.name)).toContain('exception');
  });

  it('ties each validate score to the generate call it judges, records embeddings without output tokens, and uses the spec buckets', async () => {
    const db = path.join(tempDir(), 'sim.db');
    const result = await run(['pipeline', 'run', '--db', db, '--latency-scale', '0']);
    expect(result.code).toBe(0);
    const conn = openDatabase(db);
    const spans = spansOf(conn);
    const byId = new Map(spans.map((s) => [s.span_id, s]));
    const validates = spans.filter((s) => s.role === 'stage' && s.stage === 'validate');
    expect(validates.length).toBeGreaterThan(40);
    for (const v of validates) {
      const run = byId.get(v.parent_span_id ?? '');
      const generate = spans.find((s) => s.parent_span_id === run?.span_id && s.stage === 'generate' && s.role === 'stage');
      const call = spans.find((s) => s.parent_span_id === generate?.span_id && s.role === 'model');
      expect(call).toBeDefined();
      const evals = v.events.filter((e) => e.name === GEN_AI.evaluationEvent);
      expect(evals.map((e) => e.attributes[GEN_AI.evaluationName]).sort()).toEqual(
        [SCORE.codeQuality, SCORE.pixelSimilarity, SCORE.semanticSimilarity, SCORE.structuralSimilarity].sort(),
      );
      for (const e of evals) {
        expect(e.attributes[GEN_AI.responseId]).toBe(call?.attributes[GEN_AI.responseId]);
        expect(e.attributes[ATTR.evaluationSpanId]).toBe(call?.span_id);
        expectAttr(e.attributes, GEN_AI.evaluationScoreValue, 'double');
      }
    }
    const embeddings = spans.filter((s) => s.role === 'model' && s.attributes[GEN_AI.operationName] === 'embeddings');
    expect(embeddings.length).toBeGreaterThan(0);
    for (const e of embeddings) {
      expectAttr(e.attributes, GEN_AI.inputTokens, 'int');
      expect(e.attributes).not.toHaveProperty(GEN_AI.outputTokens);
    }
    for (const s of spans) expect(Object.keys(s.attributes).filter((k) => k.startsWith('pipeline.'))).toEqual([]);

    const metric = (name: string) =>
      conn.prepare('SELECT unit, bounds, attributes FROM metric_points WHERE name = ?').all(name) as { unit: string; bounds: string | null; attributes: string }[];
    const durations = metric(METRIC.genAiOperationDuration);
    expect(durations.length).toBeGreaterThan(0);
    for (const d of durations) {
      expect(d.unit).toBe(UNIT.seconds);
      expect(JSON.parse(d.bounds ?? '[]')).toEqual([...GEN_AI_DURATION_BUCKETS_SECONDS]);
    }
    const tokens = metric(METRIC.genAiTokenUsage);
    for (const t of tokens) expect(JSON.parse(t.bounds ?? '[]')).toEqual([...TOKEN_BUCKETS]);
    // Embeddings have input points only.
    const embeddingTypes = tokens
      .map((t) => JSON.parse(t.attributes) as Attrs)
      .filter((a) => a[GEN_AI.operationName] === 'embeddings')
      .map((a) => a[GEN_AI.tokenType]);
    expect(new Set(embeddingTypes)).toEqual(new Set(['input']));
    expect(new Set(metric(METRIC.costUsd).map((c) => c.unit))).toEqual(new Set(['{USD}']));
    conn.close();
  });
});

describe('genscope pipeline run: progress, concurrency and where to look', () => {
  it('gives the same results at --concurrency 4 as at 1, with a few progress lines and the serve command', async () => {
    const dir = tempDir();
    const dbs = [path.join(dir, 'c1.db'), path.join(dir, 'c4.db')];
    const [one, four] = await Promise.all([
      run(['pipeline', 'run', '--db', dbs[0]!, '--latency-scale', '0', '--concurrency', '1']),
      run(['pipeline', 'run', '--db', dbs[1]!, '--latency-scale', '0', '--concurrency', '4']),
    ]);
    for (const r of [one, four]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(four.stdout).toMatch(/51 components with simulated:gpt-4o-mini \(SIMULATED model client\), 4 at a time/);
    // Not a line per component: one per tenth of the way.
    const progress = four.stdout.split('\n').filter((l) => l.startsWith('progress: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(12);
    expect(progress.at(-1)).toMatch(/^progress: 51\/51 components, \d+ failed, [\d.]+ s elapsed$/);
    expect(four.stdout).not.toContain('\r');
    expect(four.stdout.trimEnd().split('\n').at(-1)).toBe(`Look at it: genscope serve --db ${dbs[1]!}   (then open http://127.0.0.1:9/)`);

    const content = (file: string) => {
      const conn = openDatabase(file);
      const scores = conn
        .prepare('SELECT component_id, name, value, label FROM score_view ORDER BY component_id, name')
        .all();
      const calls = conn
        .prepare('SELECT component_id, operation, input_tokens, output_tokens, cost_usd FROM model_call_view ORDER BY component_id, operation')
        .all();
      const runs = conn.prepare("SELECT component_id, status_code FROM span_view WHERE role = 'run' ORDER BY component_id").all();
      conn.close();
      return { scores, calls, runs };
    };
    const c1 = content(dbs[0]!);
    expect(c1.runs).toHaveLength(51);
    expect(content(dbs[1]!)).toEqual(c1);
    // Two full passes on a shared 2-core machine: a generous bound, not a speed claim.
  }, 300_000);

  it('points at the dashboard when a genscope server already shows the run', async () => {
    const db = path.join(tempDir(), 'served.db');
    const running = await startGenscopeServer({ db, port: 0, env: {} });
    try {
      const port = new URL(running.handle.url).port;
      const result = await run(['pipeline', 'run', '--db', db, '--latency-scale', '0'], { GENSCOPE_PORT: port });
      expect(result.code).toBe(0);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(`Open the dashboard: http://127.0.0.1:${port}/`);
    } finally {
      await running.stop();
    }
  });

  it('draws a progress bar on a terminal (a pseudo-terminal from script(1))', async () => {
    const db = path.join(tempDir(), 'tty.db');
    const command = [process.execPath, CLI, 'pipeline', 'run', '--db', db, '--latency-scale', '0']
      .map((w) => `'${w.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { cwd: ROOT, env: { ...process.env, GENSCOPE_DB: '', GENSCOPE_PORT: '9', COLUMNS: '120' }, timeout: 120_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });
    // Frames redraw one line in place: carriage return + erase line, never a line per component.
    const frames = out.split('\r\x1b[2K').slice(1).map((f) => f.split(/\r?\n/)[0] ?? '');
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toMatch(/^\[\.+\]\s+0% 0\/51 components, 0 failed/);
    expect(frames.at(-1)).toMatch(/^\[#+\] 100% 51\/51 components, \d+ failed, [\d.]+ s$/);
    // Mid-way frames fit 80 columns whole, ETA included.
    expect(frames.some((f) => /ETA [\d.]+ s|ETA \dm\d\ds/.test(f))).toBe(true);
    expect(out).not.toMatch(/^progress: /m);
    expect(out).toMatch(/Look at it: genscope serve --db /);
  });
});
