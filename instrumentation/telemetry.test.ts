import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, rebuiltSpans } from '../store';
import type { Db } from '../store';
import { METRIC } from '../schema/names';
import { SimulatedClock, startTelemetry } from '.';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-')), 'test.db');
}

interface SpanRow {
  name: string;
  role: string;
  span_id: string;
  parent_span_id: string | null;
  trace_id: string;
  status_code: number;
  stage: string | null;
  component_type: string | null;
  start_ms: number;
  events: string | null;
}

function spans(db: Db): SpanRow[] {
  return db
    .prepare(
      'SELECT id, name, role, span_id, parent_span_id, trace_id, status_code, stage, component_type, start_ns / 1000000 AS start_ms FROM span_view ORDER BY id',
    )
    .all()
    .map((r) => {
      const row = r as SpanRow & { id: number };
      const events = rebuiltSpans(db, 's.id = ?', row.id)[0]?.events ?? [];
      return { ...row, events: events.length > 0 ? JSON.stringify(events.map((e) => ({ name: e.name, attributes: e.attributes }))) : null };
    });
}

describe('startTelemetry', () => {
  it('parents nested sync and async stages under the run, and marks failures', async () => {
    const file = tempDb();
    const t = startTelemetry({ db: file, otlp: false });
    const p = t.pipeline({ name: 'test', version: '1' });
    const inner = p.stage('inner', (x: number) => x + 1);
    const outer = p.stage('outer', async (x: number) => {
      await new Promise((r) => setTimeout(r, 1));
      return inner(x) * 2;
    });
    const fails = p.stage('fails', async () => {
      await Promise.resolve();
      throw new TypeError('bad input');
    });
    const result = await p.run({ componentId: 'c1', componentType: 'card', model: 'gpt-4o' }, async () => {
      const v = await outer(1);
      await fails().catch(() => undefined);
      return v;
    });
    expect(result).toBe(4);
    await t.shutdown();

    const db = openDatabase(file);
    const rows = spans(db);
    const run = rows.find((r) => r.role === 'run');
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(run).toBeDefined();
    expect(byName.outer?.parent_span_id).toBe(run?.span_id);
    expect(byName.inner?.parent_span_id).toBe(byName.outer?.span_id);
    expect(byName.fails?.parent_span_id).toBe(run?.span_id);
    expect(new Set(rows.map((r) => r.trace_id)).size).toBe(1);
    expect(byName.fails?.status_code).toBe(2);
    expect(byName.fails?.events).toMatch(/"exception"/);
    expect(byName.inner?.component_type).toBe('card');
    // The stage duration histogram was written at shutdown.
    const hist = db
      .prepare("SELECT sum(count) AS n FROM metric_points WHERE name = ? AND type = 'histogram'")
      .get(METRIC.stageDuration) as { n: number };
    expect(hist.n).toBe(3);
  });

  it('records history with an injected clock', async () => {
    const file = tempDb();
    const start = BigInt(Date.UTC(2026, 0, 15, 12)) * 1_000_000n;
    const clock = new SimulatedClock(start, { realTime: false });
    const t = startTelemetry({ db: file, otlp: false, clock });
    const p = t.pipeline({ name: 'test', version: '1', simulated: true });
    const slow = p.stage('generate', async () => {
      await t.clock.sleep(1500);
    });
    await p.run({ componentId: 'c', componentType: 'button' }, () => slow());
    await t.shutdown();
    const db = openDatabase(file);
    const row = db.prepare("SELECT start_ns / 1000000 AS s, duration_ns / 1000000 AS d FROM span_view WHERE name = 'generate'").get();
    expect(row).toEqual({ s: Date.UTC(2026, 0, 15, 12), d: 1500 });
  });

  it('records model calls with tokens and dataset cost, and rolls cost up to the run', async () => {
    const file = tempDb();
    const t = startTelemetry({ db: file, otlp: false });
    const p = t.pipeline({ name: 'test', version: '1' });
    const gen = p.stage('generate', () =>
      t.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o-mini' }, async () => ({
        usage: { inputTokens: 2000, outputTokens: 1000 },
      })),
    );
    await p.run({ componentId: 'c' }, () => gen());
    await t.shutdown();
    const db = openDatabase(file);
    const expected = t.prices.costUsd({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 2000, outputTokens: 1000 });
    expect(expected).toBeGreaterThan(0);
    const call = db.prepare('SELECT cost_usd, input_tokens, output_tokens, stage FROM model_call_view').get();
    expect(call).toEqual({ cost_usd: expected, input_tokens: 2000, output_tokens: 1000, stage: 'generate' });
    const run = db.prepare("SELECT cost_usd FROM span_view WHERE role = 'run'").get() as { cost_usd: number };
    expect(run.cost_usd).toBeCloseTo(expected ?? NaN, 12);
  });

  it('loses no span at shutdown, also for 100k spans created in a burst', async () => {
    const file = tempDb();
    const t = startTelemetry({ db: file, otlp: false });
    const N = 100_000;
    for (let i = 0; i < N; i++) t.tracer.startSpan('burst').end();
    await t.shutdown();
    const db = openDatabase(file);
    expect(db.prepare('SELECT count(*) AS n FROM span_view').get()).toEqual({ n: N });
    expect(t.spanStats()).toMatchObject({ failedSpans: 0, exported: N });
  });

  it('is safe to shut down twice', async () => {
    const t = startTelemetry({ db: ':memory:', otlp: false });
    await t.shutdown();
    await expect(t.shutdown()).resolves.toBeUndefined();
  });

  it('refuses an unsupported OTLP protocol with the fix in the message', () => {
    expect(() =>
      startTelemetry({ db: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });
});
