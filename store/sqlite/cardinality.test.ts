import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './db';
import type { Db } from './db';
import { ATTR, GEN_AI, SPAN } from '../../schema/names';
import { OTHER_VALUE } from './cardinality';
import { StoreWriter } from './writer';
import type { SpanRecord } from '../../schema/records';

const HOUR_MS = 3_600_000;
const T0_MS = Date.UTC(2026, 1, 2, 10, 0, 0);
let seq = 1;

/** A stage span and a GenAI call under it, both naming `model`. */
function spansFor(model: string, atMs: number, componentId = 'c1'): SpanRecord[] {
  const n = seq++;
  const traceId = n.toString(16).padStart(32, '0');
  const startNs = BigInt(atMs) * 1_000_000n;
  const base = { traceId, kind: 0, statusCode: 1, links: [], events: [], resource: { [ATTR.serviceName]: 'card' } };
  return [
    {
      ...base,
      spanId: (n * 2).toString(16).padStart(16, '0'),
      name: 'generate',
      startNs,
      endNs: startNs + 5_000_000n,
      attributes: { [ATTR.stage]: 'generate', [ATTR.model]: model, [ATTR.componentType]: 'button', [ATTR.componentId]: componentId },
    },
    {
      ...base,
      spanId: (n * 2 + 1).toString(16).padStart(16, '0'),
      parentSpanId: (n * 2).toString(16).padStart(16, '0'),
      name: `chat ${model}`,
      startNs: startNs + 1_000_000n,
      endNs: startNs + 4_000_000n,
      attributes: {
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.providerName]: 'openai',
        [GEN_AI.requestModel]: model,
        [GEN_AI.inputTokens]: 10,
        [GEN_AI.outputTokens]: 5,
        [ATTR.costUsd]: 0.5,
      },
    },
  ];
}

function n(db: Db, sql: string, ...params: unknown[]): number {
  return Number((db.prepare(sql).get(...params) as { n: number | null }).n ?? 0);
}

describe('rollup cardinality bound', () => {
  it('folds distinct model names past the hourly limit into (other), losing no count', () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db, { cardinality: { maxValuesPerHour: 100 } });
    const distinct = 20_000;
    const warnings: string[] = [];
    for (let b = 0; b < distinct; b += 1000) {
      const spans: SpanRecord[] = [];
      for (let i = b; i < b + 1000; i++) spans.push(...spansFor(`model-${i}`, T0_MS + (i % 3000)));
      warnings.push(...writer.writeSpans(spans).warnings);
    }
    // Raw rows keep every true name.
    expect(n(db, 'SELECT count(DISTINCT model) AS n FROM span_view')).toBe(distinct);
    // Rollups: at most the limit plus (other) per key, and every span is counted.
    expect(n(db, "SELECT count(*) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate'")).toBe(101);
    expect(n(db, "SELECT sum(count) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate'")).toBe(distinct);
    expect(n(db, "SELECT count AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate' AND model = ?", OTHER_VALUE)).toBe(
      distinct - 100,
    );
    expect(n(db, 'SELECT count(*) AS n FROM rollup_model_calls WHERE grain_s = 3600')).toBe(101);
    expect(n(db, 'SELECT sum(calls) AS n FROM rollup_model_calls WHERE grain_s = 3600')).toBe(distinct);
    expect(n(db, 'SELECT sum(cost_usd) AS n FROM rollup_model_calls WHERE grain_s = 3600')).toBeCloseTo(distinct * 0.5, 6);
    // Minute rollups fold the same way (the decision is per hour).
    expect(n(db, 'SELECT count(DISTINCT model) AS n FROM rollup_spans WHERE grain_s = 60')).toBe(101);
    // Reported: counted in the stats and told to the sender.
    expect(writer.stats.foldedValues).toBe(2 * (distinct - 100));
    expect(warnings.some((w) => /^model: too many distinct values in the hour from 2026-02-02T10:00:00.000Z/.test(w))).toBe(
      true,
    );
  });

  it('keeps admitted values after the bucket is full, and starts afresh the next hour', () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db, { cardinality: { maxValuesPerHour: 2 } });
    writer.writeSpans([...spansFor('a', T0_MS), ...spansFor('b', T0_MS + 1)]);
    const r = writer.writeSpans([...spansFor('c', T0_MS + 2), ...spansFor('a', T0_MS + 3)]);
    expect(r.accepted).toBe(4);
    const models = db
      .prepare("SELECT model, count FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate' ORDER BY model")
      .all();
    expect(models).toEqual([
      { model: OTHER_VALUE, count: 1 },
      { model: 'a', count: 2 },
      { model: 'b', count: 1 },
    ]);
    writer.writeSpans(spansFor('c', T0_MS + HOUR_MS));
    expect(n(db, "SELECT count AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate' AND model = 'c'")).toBe(1);
  });

  it('holds across writer restarts and across connections sharing the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-card-'));
    const file = path.join(dir, 'c.db');
    try {
      const one = openDatabase(file);
      const two = openDatabase(file);
      const w1 = new StoreWriter(one, { cardinality: { maxValuesPerHour: 3 } });
      const w2 = new StoreWriter(two, { cardinality: { maxValuesPerHour: 3 } });
      w1.writeSpans(spansFor('a', T0_MS));
      w2.writeSpans(spansFor('b', T0_MS));
      w1.writeSpans(spansFor('c', T0_MS));
      // Both writers have now seen the bucket; neither may add a fourth value.
      w2.writeSpans(spansFor('d', T0_MS));
      w1.writeSpans(spansFor('e', T0_MS));
      // w2 never saw 'c' itself but finds it admitted by w1.
      w2.writeSpans(spansFor('c', T0_MS));
      const restarted = new StoreWriter(one, { cardinality: { maxValuesPerHour: 3 } });
      restarted.writeSpans(spansFor('f', T0_MS));
      restarted.writeSpans(spansFor('a', T0_MS));
      const rows = one
        .prepare("SELECT model, count FROM rollup_spans WHERE grain_s = 3600 AND stage = 'generate' ORDER BY model")
        .all();
      expect(rows).toEqual([
        { model: OTHER_VALUE, count: 3 },
        { model: 'a', count: 2 },
        { model: 'b', count: 1 },
        { model: 'c', count: 2 },
      ]);
      one.close();
      two.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds component ids per day in the component rollup', () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db, { cardinality: { maxComponentsPerDay: 10 } });
    const spans: SpanRecord[] = [];
    for (let i = 0; i < 50; i++) {
      const [stage] = spansFor('m', T0_MS + i);
      if (stage) spans.push({ ...stage, name: SPAN.run, attributes: { ...stage.attributes, [ATTR.componentId]: `id-${i}` } });
    }
    writer.writeSpans(spans);
    expect(n(db, 'SELECT count(*) AS n FROM rollup_components')).toBe(11);
    expect(n(db, 'SELECT sum(runs) AS n FROM rollup_components')).toBe(50);
  });
});
