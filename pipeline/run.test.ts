import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedClock, startTelemetry } from '../instrumentation';
import { openDatabase, rebuiltSpans } from '../store';
import type { Db } from '../store';
import { linksJson } from '../store/compact';
import { ATTR, SCORE, STAGE } from '../schema/names';
import type { ModelClient } from './model-client';
import { createPipelineResources, PIPELINE_NAME, runBenchmark } from './run';
import type { PipelineResources } from './run';
import { SimulatedModelClient } from './simulated-client';

const START_NS = 1_750_000_000_000_000_000n;

function tempDbPath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-pipeline-')), 'genscope.db');
}

/** Reads ms columns in SQL, so no ns value passes through a JS number. */
function rows<T>(db: Db, sql: string, ...params: (string | number)[]): T[] {
  return db.prepare(sql).all(...params) as T[];
}

describe('runBenchmark', () => {
  let resources: PipelineResources;
  beforeAll(async () => {
    resources = await createPipelineResources();
  });

  it('records one benchmark, a run per component, four stage spans per run, model calls and scores', async () => {
    const file = tempDbPath();
    // realTime: false makes every duration simulated time only, so it can be compared exactly.
    const clock = new SimulatedClock(START_NS, { realTime: false });
    const telemetry = startTelemetry({ db: file, otlp: false, clock });
    const summary = await runBenchmark({ telemetry, model: 'gpt-4o-mini', resources, latencyScale: 1 });
    await telemetry.shutdown();

    const n = resources.corpus.components.length;
    expect(summary.components).toBe(n);
    expect(summary.succeeded + summary.failed).toBe(n);
    expect(summary.simulated).toBe(true);
    expect(summary.durationMs).toBeGreaterThan(0);
    expect(summary.cache['embeddings']).toEqual({ hits: 0, misses: n });

    const db = openDatabase(file);
    try {
      const [bench] = rows<{
        id: string;
        components: number;
        simulated: number;
        model: string;
        pipeline: string;
        ms: number;
        attributes: string;
      }>(
        db,
        'SELECT id, components, simulated, model, pipeline, duration_ns / 1000000.0 AS ms, attributes FROM benchmark_runs',
      );
      expect(bench).toMatchObject({
        id: summary.benchmarkRunId,
        components: n,
        simulated: 1,
        model: 'gpt-4o-mini',
        pipeline: PIPELINE_NAME,
      });
      expect(bench!.ms).toBeCloseTo(summary.durationMs, 3);
      expect(JSON.parse(bench!.attributes)).toMatchObject({ [ATTR.simulatedDegradation]: 0 });

      const runs = rows<{
        component_id: string;
        component_type: string;
        status_code: number;
        id: number;
      }>(
        db,
        "SELECT component_id, component_type, status_code, id FROM span_view WHERE role = 'run' AND benchmark_run_id = ?",
        summary.benchmarkRunId,
      );
      expect(runs).toHaveLength(n);
      for (const run of runs) {
        const spec = resources.corpus.components.find((c) => c.id === run.component_id)!;
        expect(run.component_type).toBe(spec.label);
        expect(rebuiltSpans(db, 's.id = ?', run.id)[0]?.attributes).toMatchObject({ [ATTR.simulated]: true });
      }
      expect(runs.filter((r) => r.status_code === 2)).toHaveLength(summary.failed);

      const stages = rows<{ stage: string; n: number }>(
        db,
        "SELECT stage, count(*) AS n FROM span_view WHERE role = 'stage' GROUP BY stage ORDER BY stage",
      );
      const count = Object.fromEntries(stages.map((s) => [s.stage, s.n]));
      expect(count[STAGE.classify]).toBe(n);
      expect(count[STAGE.map]).toBe(n);
      expect(count[STAGE.generate]).toBe(n);
      expect(count[STAGE.validate]).toBe(summary.succeeded);

      const calls = rows<{
        operation: string;
        request_model: string;
        n: number;
        input: number;
        output: number;
        cost: number;
      }>(
        db,
        'SELECT operation, request_model, count(*) AS n, sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cost_usd) AS cost FROM model_call_view GROUP BY 1, 2 ORDER BY 1',
      );
      expect(calls.map((c) => [c.operation, c.request_model, c.n])).toEqual([
        ['chat', 'gpt-4o-mini', n],
        ['embeddings', 'text-embedding-3-small', n],
      ]);
      expect(calls.reduce((s, c) => s + c.input, 0)).toBe(summary.inputTokens);
      expect(calls.reduce((s, c) => s + c.output, 0)).toBe(summary.outputTokens);
      expect(calls.reduce((s, c) => s + c.cost, 0)).toBeCloseTo(summary.costUsd, 9);
      expect(summary.costUsd).toBeGreaterThan(0);

      const scores = rows<{ name: string; n: number; mean: number }>(
        db,
        'SELECT name, count(*) AS n, avg(value) AS mean FROM score_view GROUP BY name',
      );
      const byName = Object.fromEntries(scores.map((s) => [s.name, s]));
      for (const name of [SCORE.classificationAccuracy, SCORE.mappingConfidence])
        expect(byName[name]?.n).toBe(n);
      for (const name of [SCORE.pixelSimilarity, SCORE.structuralSimilarity, SCORE.codeQuality])
        expect(byName[name]?.n).toBe(summary.succeeded);
      for (const [name, mean] of Object.entries(summary.meanScores))
        expect(byName[name]?.mean).toBeCloseTo(mean, 9);
      // Classification scores carry the predicted type as label (the confusion matrix).
      const wrong = rows<{ component_type: string; label: string }>(
        db,
        'SELECT component_type, label FROM score_view WHERE name = ? AND value = 0',
        SCORE.classificationAccuracy,
      );
      expect(wrong.length).toBeGreaterThan(0);
      for (const w of wrong) expect(w.label).not.toBe(w.component_type);
    } finally {
      db.close();
    }
  });

  it('hits the embedding and validation caches when resources are reused', async () => {
    const file = tempDbPath();
    const telemetry = startTelemetry({ db: file, otlp: false, clock: new SimulatedClock(START_NS) });
    const reused = await createPipelineResources();
    const ids = resources.corpus.components.slice(0, 6).map((c) => c.id);
    const first = await runBenchmark({
      telemetry,
      model: 'gpt-4o',
      resources: reused,
      latencyScale: 0,
      componentIds: ids,
    });
    const second = await runBenchmark({
      telemetry,
      model: 'gpt-4o',
      resources: reused,
      latencyScale: 0,
      componentIds: ids,
    });
    await telemetry.shutdown();
    expect(first.cache['embeddings']).toEqual({ hits: 0, misses: 6 });
    expect(second.cache['embeddings']).toEqual({ hits: 6, misses: 0 });
    expect(second.cache['validation']?.hits).toBe(second.succeeded);
    expect(second.meanScores).toEqual(first.meanScores);

    const db = openDatabase(file);
    try {
      const mapSpans = rows<{ benchmark_run_id: string; hits: number; n: number }>(
        db,
        "SELECT benchmark_run_id, sum(cache_hit) AS hits, count(*) AS n FROM span_view WHERE role = 'stage' AND stage = 'map' GROUP BY 1",
      );
      expect(Object.fromEntries(mapSpans.map((r) => [r.benchmark_run_id, r.hits]))).toEqual({
        [first.benchmarkRunId]: 0,
        [second.benchmarkRunId]: 6,
      });
      // A cache hit makes no embeddings call: only the first pass paid for embeddings.
      const [embeddings] = rows<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM model_call_view WHERE operation = 'embeddings'",
      );
      expect(embeddings!.n).toBe(6);
    } finally {
      db.close();
    }
  });

  it('records a failing component as an error and carries on', async () => {
    const file = tempDbPath();
    const telemetry = startTelemetry({ db: file, otlp: false, clock: new SimulatedClock(START_NS) });
    const inner = new SimulatedModelClient({ model: 'gpt-4o', latencyScale: 0 });
    const ids = resources.corpus.components.slice(0, 4).map((c) => c.id);
    // A client that fails the second component's generation, as a provider outage would.
    let calls = 0;
    const flaky: ModelClient = {
      name: 'flaky',
      provider: inner.provider,
      model: inner.model,
      simulated: true,
      complete: (prompt, options) =>
        ++calls === 2 ? Promise.reject(new Error('HTTP 503 from provider')) : inner.complete(prompt, options),
    };
    const summary = await runBenchmark({
      telemetry,
      model: 'gpt-4o',
      client: flaky,
      resources,
      componentIds: ids,
    });
    await telemetry.shutdown();
    expect(summary).toMatchObject({ components: 4, succeeded: 3, failed: 1 });
    expect(summary.outcomes[1]).toMatchObject({
      componentId: ids[1],
      ok: false,
      error: 'HTTP 503 from provider',
    });

    const db = openDatabase(file);
    try {
      const failed = rows<{ role: string; name: string; status_message: string; id: number }>(
        db,
        'SELECT role, name, status_message, id FROM span_view WHERE status_code = 2 AND component_id = ? ORDER BY role',
        ids[1]!,
      ).map((f) => ({ ...f, events: JSON.stringify(rebuiltSpans(db, 's.id = ?', f.id)[0]?.events.map((e) => e.name)) }));
      expect(failed.map((f) => f.role)).toEqual(['model', 'run', 'stage']);
      for (const f of failed) expect(f.status_message).toBe('HTTP 503 from provider');
      expect(failed.find((f) => f.role === 'stage')!.name).toBe(STAGE.generate);
      expect(failed.find((f) => f.role === 'run')!.events).toContain('exception');
      const [ok] = rows<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND status_code = 1",
      );
      expect(ok!.n).toBe(3);
    } finally {
      db.close();
    }
  });

  it('gives the same outcomes with components in flight at once, each with its stages under its own run', async () => {
    const ids = resources.corpus.components.slice(0, 12).map((c) => c.id);
    /** A client whose earlier calls take longer (real timers), so concurrent components finish out of order. */
    const slowFirst = (): ModelClient => {
      const inner = new SimulatedModelClient({ model: 'gpt-4o-mini', latencyScale: 0 });
      let calls = 0;
      return {
        name: 'slow-first',
        provider: inner.provider,
        model: inner.model,
        simulated: true,
        complete: async (prompt, options) => {
          const wait = Math.max(1, 40 - 3 * calls++);
          await new Promise((r) => setTimeout(r, wait));
          return inner.complete(prompt, options);
        },
      };
    };
    const pass = async (concurrency: number) => {
      const file = tempDbPath();
      const telemetry = startTelemetry({ db: file, otlp: false });
      const order: number[] = [];
      const summary = await runBenchmark({
        telemetry,
        model: 'gpt-4o-mini',
        client: slowFirst(),
        resources: await createPipelineResources(),
        componentIds: ids,
        concurrency,
        onComponent: (_o, index, total, done) => {
          order.push(index);
          expect([total, done]).toEqual([ids.length, order.length]);
        },
      });
      await telemetry.shutdown();
      return { summary, order, file };
    };
    const one = await pass(1);
    const four = await pass(4);
    expect(one.order).toEqual([...ids.keys()]);
    expect(four.order).not.toEqual([...ids.keys()]);
    expect(four.order.slice().sort((a, b) => a - b)).toEqual([...ids.keys()]);
    // Identical in content: outcomes in corpus order, scores, tokens, cost, cache counts.
    expect(four.summary.outcomes).toEqual(one.summary.outcomes);
    expect(four.summary.meanScores).toEqual(one.summary.meanScores);
    expect([four.summary.costUsd, four.summary.inputTokens, four.summary.outputTokens]).toEqual([
      one.summary.costUsd,
      one.summary.inputTokens,
      one.summary.outputTokens,
    ]);
    expect(four.summary.cache).toEqual(one.summary.cache);

    const db = openDatabase(four.file);
    try {
      type S = { span_id: string; parent_span_id: string | null; trace_id: string; role: string; component_id: string | null; links: Buffer | string | null };
      const spans = rows<S>(db, 'SELECT v.span_id, v.parent_span_id, v.trace_id, v.role, v.component_id, s.links FROM span_view v JOIN spans s ON s.id = v.id');
      const byId = new Map(spans.map((x) => [x.span_id, x]));
      const [bench] = spans.filter((x) => x.role === 'benchmark');
      const runs = spans.filter((x) => x.role === 'run');
      expect(runs).toHaveLength(ids.length);
      // One trace per component, rooted at its run, linked to the benchmark span.
      expect(new Set(runs.map((r) => r.trace_id)).size).toBe(ids.length);
      for (const r of runs) {
        expect(r.parent_span_id).toBeNull();
        expect(JSON.parse(linksJson(r.links) ?? '[]')).toEqual([expect.objectContaining({ spanId: bench!.span_id })]);
      }
      const runOf = (x: S): S | undefined => {
        let cur: S | undefined = x;
        while (cur && cur.role !== 'run') cur = cur.parent_span_id ? byId.get(cur.parent_span_id) : undefined;
        return cur;
      };
      const children = spans.filter((x) => x.role === 'stage' || x.role === 'model');
      expect(children.length).toBeGreaterThanOrEqual(ids.length * 4);
      for (const c of children) {
        const run = runOf(c);
        expect(run?.component_id).toBe(c.component_id);
        expect(run?.trace_id).toBe(c.trace_id);
      }
      // Model calls sit directly under a stage of their own component.
      for (const m of spans.filter((x) => x.role === 'model')) expect(byId.get(m.parent_span_id ?? '')?.role).toBe('stage');
    } finally {
      db.close();
    }
  });

  it('rejects unknown component ids and a model that differs from the client', async () => {
    const telemetry = startTelemetry({ db: false, otlp: false });
    await expect(
      runBenchmark({ telemetry, model: 'gpt-4o', resources, componentIds: ['no-such-component'] }),
    ).rejects.toThrow('unknown component id(s): no-such-component');
    const client = new SimulatedModelClient({ model: 'gpt-4o', latencyScale: 0 });
    await expect(runBenchmark({ telemetry, model: 'gpt-4o-mini', client, resources })).rejects.toThrow(
      'differs',
    );
    await telemetry.shutdown();
  });
});
