import request from 'supertest';
import type { BenchmarksResponse, RunDetailResponse, RunsResponse } from '../../../schema/api';
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
    expect(errors.runs.length).toBe(count(w.db, "SELECT count(*) AS n FROM spans WHERE role = 'run' AND status_code = 2"));
    expect(errors.runs.every((r) => r.status === 'error')).toBe(true);
    const cards = await get<RunsResponse>('/api/v1/runs?componentType=card&limit=500');
    expect(cards.runs.every((r) => r.componentType === 'card')).toBe(true);
    const bench = w.fixture.benchmarkRuns[0] ?? '';
    const inBench = await get<RunsResponse>(`/api/v1/runs?benchmarkRun=${bench}&limit=500`);
    expect(inBench.runs.length).toBe(20);
  });
});

describe('run detail', () => {
  it("returns the run's span tree with events, scores and model calls", async () => {
    const list = await get<RunsResponse>('/api/v1/runs?limit=1');
    const run = list.runs[0];
    if (!run) throw new Error('no run');
    const d = await get<RunDetailResponse>(`/api/v1/runs/${run.id}`);
    expect(d.run).toEqual(run);
    const stored = count(w.db, 'SELECT count(*) AS n FROM spans WHERE trace_id = ?', run.traceId);
    expect(d.spans).toHaveLength(stored);
    expect(d.spans[0]?.depth).toBe(0);
    expect(d.spans[0]?.spanId).toBe(run.spanId);
    const stages = d.spans.filter((s) => s.depth === 1).map((s) => s.name);
    expect(stages).toEqual(['classify', 'map', 'generate', 'validate']);
    const gen = d.spans.findIndex((s) => s.name === 'generate');
    expect(d.spans[gen + 1]?.depth).toBe(2);
    expect(d.spans[gen + 1]?.attributes[GEN_AI.operationName]).toBe('chat');
    expect(d.scores).toHaveLength(count(w.db, 'SELECT count(*) AS n FROM scores WHERE trace_id = ?', run.traceId));
    expect(d.modelCalls.length).toBe(count(w.db, 'SELECT count(*) AS n FROM model_calls WHERE trace_id = ?', run.traceId));
    const validate = d.spans.find((s) => s.name === 'validate');
    expect(validate?.events.some((e) => e.name === GEN_AI.evaluationEvent)).toBe(true);
    expect(validate?.offsetMs).toBeGreaterThan(0);
  });

  it('is a 404 for a span that is not a run', async () => {
    const stage = w.db.prepare("SELECT id FROM spans WHERE role = 'stage' LIMIT 1").get() as { id: number };
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
