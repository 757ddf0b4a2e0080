import request from 'supertest';
import type { BenchmarksResponse, ConfusionResponse, FilterOptionsResponse, RunDetailResponse, RunsResponse } from '../../../schema/api';
import { GEN_AI } from '../../../schema/names';
import { count, testWorld } from '../../../api/test-support';
import type { TestWorld } from '../../../api/test-support';

let w: TestWorld;
beforeAll(() => {
  w = testWorld(400);
});

async function get<T>(path: string): Promise<T> {
  const r = await request(w.app).get(path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r.body as T;
}

describe('runs list', () => {
  it('pages through every run exactly once, newest first', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: RunsResponse = await get<RunsResponse>(`/api/v1/runs?limit=37${cursor ? `&cursor=${cursor}` : ''}`);
      for (const r of page.runs) seen.push(r.startMs);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toHaveLength(400);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(pages).toBe(Math.ceil(400 / 37));
  });

  it('filters by status, type and benchmark run', async () => {
    const errors = await get<RunsResponse>('/api/v1/runs?status=error&limit=500');
    expect(errors.runs.length).toBe(count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND status_code = 2"));
    expect(errors.runs.every((r) => r.status === 'error')).toBe(true);
    const cards = await get<RunsResponse>('/api/v1/runs?componentType=card&limit=500');
    expect(cards.runs.every((r) => r.componentType === 'card')).toBe(true);
    const bench = w.fixture.benchmarkRuns[0] ?? '';
    const inBench = await get<RunsResponse>(`/api/v1/runs?benchmarkRun=${bench}&limit=500`);
    expect(inBench.runs.length).toBe(20);
  });
});

describe('runs list drill-down filters', () => {
  // A window holding the whole fixture, so no run or score sits on a window edge.
  const all = 'from=0&limit=500';

  it('a confusion-matrix cell lists exactly the runs it counts', async () => {
    const matrix = await get<ConfusionResponse>('/api/v1/quality/confusion?from=0');
    let checked = 0;
    for (const [i, actual] of matrix.labels.entries()) {
      for (const [j, predicted] of matrix.labels.entries()) {
        const cell = matrix.counts[i]?.[j] ?? 0;
        if (cell === 0 || cell > 500) continue;
        const runs = await get<RunsResponse>(`/api/v1/runs?${all}&componentType=${actual}&predicted=${predicted}`);
        expect(runs.runs).toHaveLength(cell);
        expect(runs.runs.every((r) => r.componentType === actual)).toBe(true);
        checked++;
      }
    }
    // Off-diagonal cells too, not only the correct ones.
    expect(checked).toBeGreaterThan(matrix.labels.length);
  });

  it('filters by service, component id text and duration', async () => {
    const opts = await get<FilterOptionsResponse>('/api/v1/filters?from=0');
    expect(opts.services).toEqual(['genscope-fixture']);
    const svc = await get<RunsResponse>(`/api/v1/runs?${all}&service=genscope-fixture`);
    expect(svc.runs).toHaveLength(400);
    expect(svc.runs.every((r) => r.service === 'genscope-fixture')).toBe(true);
    expect((await get<RunsResponse>(`/api/v1/runs?${all}&service=other`)).runs).toHaveLength(0);

    const some = svc.runs.find((r) => r.componentId)?.componentId ?? '';
    const part = some.slice(1, -1).toUpperCase();
    const found = await get<RunsResponse>(`/api/v1/runs?${all}&search=${encodeURIComponent(part)}`);
    const expected = count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND lower(component_id) LIKE ?", `%${part.toLowerCase()}%`);
    expect(found.runs).toHaveLength(expected);
    expect(found.runs.length).toBeGreaterThan(0);
    // LIKE wildcards in the text are literal.
    expect((await get<RunsResponse>(`/api/v1/runs?${all}&search=${encodeURIComponent('%')}`)).runs).toHaveLength(0);

    const durations = svc.runs.map((r) => r.durationMs).sort((a, b) => a - b);
    const lo = durations[100] ?? 0;
    const hi = durations[300] ?? 0;
    const mid = await get<RunsResponse>(`/api/v1/runs?${all}&minDurationMs=${lo}&maxDurationMs=${hi}`);
    expect(mid.runs.every((r) => r.durationMs >= lo - 0.001 && r.durationMs < hi)).toBe(true);
    expect(mid.runs.length).toBe(durations.filter((d) => d >= lo && d < hi).length);
  });

  it('sorts by the worst score, slowest and costliest', async () => {
    const worst = await get<RunsResponse>(`/api/v1/runs?from=0&limit=10&sort=worst&score=visual.pixel_similarity`);
    const lowest = w.db
      .prepare("SELECT MIN(value) AS v FROM score_view WHERE name = 'visual.pixel_similarity' GROUP BY trace_id ORDER BY v LIMIT 10")
      .all() as { v: number }[];
    expect(worst.runs.map((r) => r.score)).toEqual(lowest.map((r) => r.v));
    expect(worst.nextCursor).toBeNull();
    const slow = await get<RunsResponse>('/api/v1/runs?from=0&limit=5&sort=slowest');
    const all400 = (await get<RunsResponse>(`/api/v1/runs?${all}`)).runs.map((r) => r.durationMs).sort((a, b) => b - a);
    expect(slow.runs.map((r) => r.durationMs)).toEqual(all400.slice(0, 5));
    const costly = await get<RunsResponse>('/api/v1/runs?from=0&limit=3&sort=costliest');
    const costs = costly.runs.map((r) => r.costUsd ?? 0);
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
  });

  it('a score range selects runs with a score in it; bad combinations are 400s naming the parameter', async () => {
    const hi = await get<RunsResponse>(`/api/v1/runs?${all}&score=mapping.confidence&scoreMin=0.9&scoreMax=1`);
    const expected = count(
      w.db,
      "SELECT count(DISTINCT trace_id) AS n FROM score_view WHERE name = 'mapping.confidence' AND value >= 0.9 AND value <= 1",
    );
    expect(hi.runs).toHaveLength(expected);
    for (const [q, param] of [
      ['scoreMin=0.5', 'score'],
      ['sort=slowest&cursor=1_1', 'cursor'],
      ['minDurationMs=10&maxDurationMs=5', 'maxDurationMs'],
      ['minDurationMs=-1', 'minDurationMs'],
      ['sort=best', 'sort'],
    ] as const) {
      const r = await request(w.app).get(`/api/v1/runs?${q}`);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain(param);
    }
  });
});

describe('run detail', () => {
  it("returns the run's span tree with events, scores and model calls", async () => {
    const list = await get<RunsResponse>('/api/v1/runs?limit=1');
    const run = list.runs[0];
    if (!run) throw new Error('no run');
    const d = await get<RunDetailResponse>(`/api/v1/runs/${run.id}`);
    expect(d.run).toEqual(run);
    const stored = count(w.db, 'SELECT count(*) AS n FROM span_view WHERE trace_id = ?', run.traceId);
    expect(d.spans).toHaveLength(stored);
    expect(d.spans[0]?.depth).toBe(0);
    expect(d.spans[0]?.spanId).toBe(run.spanId);
    const stages = d.spans.filter((s) => s.depth === 1).map((s) => s.name);
    expect(stages).toEqual(['classify', 'map', 'generate', 'validate']);
    const gen = d.spans.findIndex((s) => s.name === 'generate');
    expect(d.spans[gen + 1]?.depth).toBe(2);
    expect(d.spans[gen + 1]?.attributes[GEN_AI.operationName]).toBe('chat');
    expect(d.scores).toHaveLength(count(w.db, 'SELECT count(*) AS n FROM score_view WHERE trace_id = ?', run.traceId));
    expect(d.modelCalls.length).toBe(count(w.db, 'SELECT count(*) AS n FROM model_call_view WHERE trace_id = ?', run.traceId));
    const validate = d.spans.find((s) => s.name === 'validate');
    expect(validate?.events.some((e) => e.name === GEN_AI.evaluationEvent)).toBe(true);
    expect(validate?.offsetMs).toBeGreaterThan(0);
  });

  it('is a 404 for a span that is not a run', async () => {
    const stage = w.db.prepare("SELECT id FROM span_view WHERE role = 'stage' LIMIT 1").get() as { id: number };
    const r = await request(w.app).get(`/api/v1/runs/${stage.id}`);
    expect(r.status).toBe(404);
  });
});

describe('benchmarks list', () => {
  it('pages through benchmark runs', async () => {
    const first = await get<BenchmarksResponse>('/api/v1/benchmarks?limit=1');
    expect(first.benchmarks).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const rest = await get<BenchmarksResponse>(`/api/v1/benchmarks?limit=50&cursor=${first.nextCursor}`);
    const ids = [...first.benchmarks, ...rest.benchmarks].map((b) => b.id).sort();
    expect(ids).toEqual([...w.fixture.benchmarkRuns].sort());
    expect(rest.nextCursor).toBeNull();
    expect(first.benchmarks[0]?.simulated).toBe(true);
  });
});
