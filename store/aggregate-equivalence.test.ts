/**
 * The accumulator against a plain reference: the same random rows (times out of order, keys
 * repeated across buckets and grains, bigint and float sums, histograms) added to both give
 * the same deltas in the same order. The reference keys every delta by one string of table,
 * grain, bucket and dimension values and merges by the layout's rules, nothing else.
 */
import { RollupAccumulator, addInput, admitAll } from './aggregate';
import type { AggregateInput, RollupDelta, RollupSink } from './aggregate';
import { BucketCounts } from './histogram';
import { ROLLUPS, bucketStartNs } from './layout';
import type { RollupTable } from './layout';
import { prng } from '../api/test-fixtures';

class ReferenceAccumulator implements RollupSink {
  readonly list: RollupDelta[] = [];
  private readonly byKey = new Map<string, RollupDelta>();

  add(table: RollupTable, ns: bigint, dims: string[], values: (number | bigint | null)[], hist = 0): void {
    const def = ROLLUPS[table];
    for (const grainS of def.grains) {
      const bucketNs = bucketStartNs(ns, grainS);
      const key = JSON.stringify([table, grainS, bucketNs.toString(), dims]);
      let d = this.byKey.get(key);
      if (!d) {
        d = { table, grainS, bucketNs, dims, measures: def.measures.map((m) => (m.merge === 'hist' ? new BucketCounts() : null)) };
        this.byKey.set(key, d);
        this.list.push(d);
      }
      def.measures.forEach((m, i) => {
        const ms = (d as RollupDelta).measures;
        if (m.merge === 'hist') return (ms[i] as BucketCounts).add(hist);
        const v = values[i] ?? null;
        const cur = ms[i] ?? null;
        if (v === null) return;
        if (cur === null) ms[i] = v;
        else if (m.merge === 'sum') ms[i] = typeof v === 'bigint' ? (cur as bigint) + v : (cur as number) + v;
        else if (m.merge === 'max') ms[i] = v > (cur as number | bigint) ? v : cur;
        else ms[i] = v < (cur as number | bigint) ? v : cur;
      });
    }
  }
}

const DAY0 = 1_790_000_000_000_000_000n - (1_790_000_000_000_000_000n % 86_400_000_000_000n);

function randomInputs(random: () => number, n: number): AggregateInput[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const maybe = <T>(x: T): T | null => (random() < 0.2 ? null : x);
  const out: AggregateInput[] = [];
  let at = DAY0;
  for (let i = 0; i < n; i++) {
    // Mostly forward in small steps (the writer's time order), sometimes back by hours or a day.
    at += random() < 0.1 ? -BigInt(Math.floor(random() * 90_000)) * 1_000_000_000n : BigInt(Math.floor(random() * 20_000_000_000));
    const t = at;
    const type = maybe(pick(['button', 'card', 'modal']));
    const model = maybe(pick(['gpt-4o', 'gpt-4o-mini']));
    const stage = pick(['classify', 'map', 'generate', '(run)']);
    out.push({
      span: {
        role: pick(['run', 'stage', 'model', 'other']),
        start_ns: t,
        duration_ns: BigInt(Math.floor(random() * 5e9)),
        status_code: pick([0, 1, 2]),
        stage,
        component_id: maybe(pick(['c-1', 'c-2', 'c-3'])),
        component_type: type,
        model,
        cost_usd: maybe(random() / 100),
      },
      scores: Array.from({ length: Math.floor(random() * 3) }, () => ({
        time_ns: t + BigInt(Math.floor(random() * 1e9)),
        name: pick(['classification.accuracy', 'visual.similarity']),
        value: maybe(random()),
        label: maybe(pick(['button', 'card'])),
        component_type: type,
        model,
      })),
      modelCall:
        random() < 0.3
          ? {
              time_ns: t,
              duration_ns: BigInt(Math.floor(random() * 1e9)),
              operation: maybe('chat'),
              provider: maybe('openai'),
              response_model: model,
              component_type: type,
              status_code: pick([1, 2]),
              input_tokens: Math.floor(random() * 1000),
              output_tokens: Math.floor(random() * 1000),
              cached_tokens: Math.floor(random() * 100),
              cost_usd: maybe(random() / 10),
              stage,
              component_id: maybe('c-1'),
            }
          : null,
      cacheLookups: Array.from({ length: Math.floor(random() * 3) }, () => ({ timeNs: t, cacheName: maybe('embeddings'), hit: random() < 0.5 })),
      ...(random() < 0.5 ? { service: maybe(pick(['web', 'worker'])) } : {}),
    });
  }
  return out;
}

function plain(ds: readonly RollupDelta[]): unknown[] {
  return ds.map((d) => ({ ...d, measures: d.measures.map((m) => (m instanceof BucketCounts ? m.encode().toString('hex') : m)) }));
}

describe('RollupAccumulator', () => {
  it.each([1, 2, 3, 4, 5])('gives the reference deltas, in the same order, for random batch %i', (seed) => {
    const inputs = randomInputs(prng(seed), 3000);
    const acc = new RollupAccumulator();
    const ref = new ReferenceAccumulator();
    for (const input of inputs) {
      addInput(acc, input, admitAll);
      addInput(ref, input, admitAll);
    }
    const got = acc.result();
    expect(got.length).toBeGreaterThan(1000);
    expect(plain(got)).toEqual(plain(ref.list));
  });
});
