import { emptyRunsFilter, parseRoute, runsFilterFrom, serializeRoute } from './route';
import type { Route } from './route';
import { runsParams } from './api-params';
import { CompareQuery, RunsQuery } from '../../../schema/api';

const DAY = { kind: 'preset', preset: '24h' } as const;

describe('route', () => {
  it('round-trips a drill-down to the runs through the hash', () => {
    const r: Route = {
      page: 'runs',
      runs: {
        ...emptyRunsFilter({ kind: 'custom', fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 2) }),
        componentTypes: ['card'],
        predicted: ['button'],
        models: ['gpt-4o'],
        services: ['svc'],
        status: 'error',
        search: 'card-0',
        minDurationMs: 100,
        maxDurationMs: 250.5,
        score: 'mapping.confidence',
        scoreMin: 0.1,
        scoreMax: 0.2,
        benchmarkRun: 'bench-1',
        sort: 'worst',
      },
    };
    const hash = serializeRoute(r);
    expect(hash).toContain('componentType=card');
    expect(hash).toContain('predicted=button');
    expect(hash).toContain('from=2026-01-01T00%3A00%3A00.000Z');
    expect(parseRoute(hash, DAY)).toEqual(r);
  });

  it('is the dashboard for section anchors and unknown hashes; the type page for #/type/X', () => {
    expect(parseRoute('#quality', DAY)).toEqual({ page: 'dashboard' });
    expect(parseRoute('', DAY)).toEqual({ page: 'dashboard' });
    expect(parseRoute('#/nope', DAY)).toEqual({ page: 'dashboard' });
    expect(parseRoute('#/type/text%20field', DAY)).toEqual({ page: 'type', type: 'text field' });
    expect(parseRoute('#/type/%E0%A4%A', DAY)).toEqual({ page: 'dashboard' });
  });

  it('drops what the API would refuse: a score range without its score, an empty duration range, bad numbers', () => {
    const r = parseRoute('#/runs?scoreMin=0.5&minDurationMs=9&maxDurationMs=3&sort=best&status=maybe', DAY);
    if (r.page !== 'runs') throw new Error('not runs');
    expect(r.runs).toEqual(emptyRunsFilter(DAY));
    const n = parseRoute('#/runs?minDurationMs=-1&maxDurationMs=1e3', DAY);
    expect(n.page === 'runs' && [n.runs.minDurationMs, n.runs.maxDurationMs]).toEqual([null, null]);
  });

  it('gives parameters the runs API accepts, from the dashboard filters and a drill-down', () => {
    const f = runsFilterFrom(
      { range: { kind: 'preset', preset: '7d' }, componentTypes: ['card'], models: [], stages: ['generate'], services: ['checkout-gen'] },
      { predicted: ['button'], minDurationMs: 0.1 + 0.2, maxDurationMs: 1 / 3, sort: 'newest' },
    );
    const params = runsParams(f, '123_4');
    const q = RunsQuery.safeParse(params);
    expect(q.success).toBe(true);
    expect(q.success && q.data).toMatchObject({ componentType: ['card'], service: ['checkout-gen'], predicted: ['button'], range: '7d', cursor: '123_4', minDurationMs: 0.3 });
    // Stages do not select runs: the runs API has no stage parameter.
    expect(params).not.toHaveProperty('stage');
    expect(RunsQuery.safeParse(runsParams({ ...f, sort: 'slowest' }, '123_4')).success).toBe(true);
  });

  it('keeps the compare page’s API parameters in the hash and drops the others', () => {
    const r = parseRoute('#/compare?a.model=gpt-4o&b.benchmarkRun=bench-2&b.range=7d&stage=generate&evil=1&componentType=card', DAY);
    expect(r).toEqual({ page: 'compare', params: [['a.model', 'gpt-4o'], ['b.benchmarkRun', 'bench-2'], ['b.range', '7d'], ['componentType', 'card']] });
    expect(parseRoute(serializeRoute(r), DAY)).toEqual(r);
    expect(CompareQuery.safeParse(Object.fromEntries(r.page === 'compare' ? r.params : [])).success).toBe(true);
    expect(parseRoute('#/compare', DAY)).toEqual({ page: 'compare', params: [] });
  });
});
