import { aggregate, admitAll } from './aggregate';
import type { AggregateInput, Admit, RollupDelta } from './aggregate';
import type { BucketCounts} from './histogram';
import { SKETCH_RELATIVE_ERROR, sketchIndex, sketchQuantileNs } from './histogram';
import { DAY_GRAIN_S, HOUR_GRAIN_S, MINUTE_GRAIN_S, ROLLUPS } from './layout';

const NS_H = 3_600_000_000_000n;
const DAY0 = 1_790_000_000_000_000_000n - (1_790_000_000_000_000_000n % (24n * NS_H));

function run(at: bigint, ms: number, opts: { error?: boolean; type?: string; model?: string; cost?: number } = {}): AggregateInput {
  return {
    span: {
      role: 'run',
      start_ns: at,
      duration_ns: BigInt(ms) * 1_000_000n,
      status_code: opts.error ? 2 : 1,
      stage: '(run)',
      component_id: 'btn-1',
      component_type: opts.type ?? 'button',
      model: opts.model ?? 'gpt-4o',
      cost_usd: opts.cost ?? 0.01,
    },
    scores: [{ time_ns: at, name: 'classification.accuracy', value: 1, label: 'button', component_type: opts.type ?? 'button', model: 'gpt-4o' }],
    modelCall: null,
    cacheLookups: [
      { timeNs: at, cacheName: 'embeddings', hit: true },
      { timeNs: at, cacheName: 'embeddings', hit: false },
    ],
    service: 'web',
  };
}

function pick(ds: RollupDelta[], table: RollupDelta['table'], grainS: number): RollupDelta[] {
  return ds.filter((d) => d.table === table && d.grainS === grainS);
}

function measure(d: RollupDelta, column: string): RollupDelta['measures'][number] {
  const i = ROLLUPS[d.table].measures.findIndex((m) => m.column === column);
  return d.measures[i] ?? null;
}

describe('aggregate', () => {
  it('puts each span in one bucket per grain, and a day holds the sum of its hours', () => {
    const inputs = [run(DAY0 + 10n, 100), run(DAY0 + NS_H + 5n, 200, { error: true }), run(DAY0 + 2n * NS_H, 300, { type: 'card' })];
    const ds = aggregate(inputs);
    const hours = pick(ds, 'rollup_spans', HOUR_GRAIN_S);
    const days = pick(ds, 'rollup_spans', DAY_GRAIN_S);
    expect(pick(ds, 'rollup_spans', MINUTE_GRAIN_S)).toHaveLength(3);
    expect(hours).toHaveLength(3);
    expect(days.map((d) => d.dims)).toEqual([
      ['(run)', 'button', 'gpt-4o', 'web'],
      ['(run)', 'card', 'gpt-4o', 'web'],
    ]);
    const button = days[0] as RollupDelta;
    expect(measure(button, 'count')).toBe(2);
    expect(measure(button, 'errors')).toBe(1);
    expect(measure(button, 'duration_sum_ns')).toBe(300_000_000n);
    expect(measure(button, 'duration_max_ns')).toBe(200_000_000n);
    expect(measure(button, 'cache_hits')).toBe(2);
    const hist = measure(button, 'latency_hist') as BucketCounts;
    expect(hist.total).toBe(2);
    expect(hist.get(sketchIndex(200_000_000))).toBe(1);
  });

  it('keeps totals per stage over every component type and model, at the hour and day grains', () => {
    const ds = aggregate([run(DAY0, 100), run(DAY0 + 1n, 300, { type: 'card', model: 'gpt-4o-mini' })]);
    const totals = ds.filter((d) => d.table === 'rollup_spans_total');
    expect(totals.map((d) => d.grainS)).toEqual([HOUR_GRAIN_S, DAY_GRAIN_S]);
    expect(totals[1]?.measures.map(String)).toEqual(totals[0]?.measures.map(String));
    const t = totals[0] as RollupDelta;
    expect(t.grainS).toBe(HOUR_GRAIN_S);
    expect(t.dims).toEqual(['(run)']);
    expect(measure(t, 'count')).toBe(2);
    const max = sketchQuantileNs(measure(t, 'latency_hist') as BucketCounts, 1) ?? 0;
    expect(Math.abs(max - 300e6) / 300e6).toBeLessThanOrEqual(SKETCH_RELATIVE_ERROR);
  });

  it('sums scores with their squares and a 20-bin histogram, and skips scores without a value', () => {
    const a = run(DAY0, 1);
    const b: AggregateInput = {
      ...run(DAY0 + 1n, 1),
      scores: [
        { time_ns: DAY0 + 1n, name: 'classification.accuracy', value: 0, label: 'button', component_type: 'button', model: 'gpt-4o' },
        { time_ns: DAY0 + 1n, name: 'classification.accuracy', value: null, label: 'button', component_type: 'button', model: 'gpt-4o' },
      ],
    };
    const [h] = pick(aggregate([a, b]), 'rollup_scores', HOUR_GRAIN_S);
    expect(h).toBeDefined();
    const d = h as RollupDelta;
    expect(measure(d, 'count')).toBe(2);
    expect(measure(d, 'sum')).toBe(1);
    expect(measure(d, 'sum_sq')).toBe(1);
    const bins = measure(d, 'hist') as BucketCounts;
    expect([bins.get(0), bins.get(19)]).toEqual([1, 1]);
  });

  it('counts model calls and cache lookups, and a component day per run', () => {
    const input: AggregateInput = {
      span: { role: 'model', start_ns: DAY0, duration_ns: 5n, status_code: 2, stage: 'generate', component_id: 'x', component_type: 'card', model: 'gpt-4o', cost_usd: 0.5 },
      scores: [],
      modelCall: {
        time_ns: DAY0,
        duration_ns: 5n,
        operation: 'chat',
        provider: 'openai',
        response_model: 'gpt-4o',
        component_type: 'card',
        status_code: 2,
        input_tokens: 10,
        output_tokens: 20,
        cached_tokens: 3,
        cost_usd: 0.5,
      },
      cacheLookups: [],
    };
    const ds = aggregate([input, run(DAY0, 10)]);
    const [mc] = pick(ds, 'rollup_model_calls', DAY_GRAIN_S);
    expect(mc?.measures).toEqual([1, 1, 10, 20, 3, 0.5, 5n]);
    // A model span is not a run or stage: no span rollup of its own.
    expect(ds.filter((d) => d.table === 'rollup_spans' && d.dims[0] === 'generate')).toHaveLength(0);
    const [cache] = pick(ds, 'rollup_cache', MINUTE_GRAIN_S);
    expect(cache?.dims).toEqual(['embeddings', '(run)', 'button', 'web']);
    expect(cache?.measures).toEqual([1, 1]);
    const [comp] = ds.filter((d) => d.table === 'rollup_components');
    expect(comp?.dims).toEqual(['btn-1', 'button', 'gpt-4o']);
    expect(comp?.grainS).toBe(DAY_GRAIN_S);
  });

  it('asks admit for every dimension value, so the cardinality bound decides the key', () => {
    const asked: string[] = [];
    const fold: Admit = (dimension, ns, value) => {
      asked.push(dimension);
      return dimension === 'model' ? '(other)' : admitAll(dimension, ns, value);
    };
    const ds = aggregate([run(DAY0, 10)], fold);
    expect(new Set(asked)).toEqual(new Set(['score_name', 'component_type', 'model', 'label', 'cache_name', 'stage', 'component_id', 'service']));
    expect(pick(ds, 'rollup_spans', HOUR_GRAIN_S)[0]?.dims).toEqual(['(run)', 'button', '(other)', 'web']);
  });
});
