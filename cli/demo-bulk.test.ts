import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../api';
import { createPriceBook } from '../exporter';
import { PANELS } from '../schema/api';
import { ATTR, SPAN } from '../schema/names';
import { openDatabase, rebuiltSpans, StoreWriter } from '../store';
import type { Db } from '../store';
import { bulkDemoRecords, generateBulkDemo, SeededRandom } from './demo-bulk';
import { runsPerDayFor } from './demo';

const END_MS = Date.parse('2026-11-30T18:00:00Z');
const DAYS = 7;
const SPANS = 20_000;
const SEED = 7;

/** Every panel with its defaults, over 24h/7d/30d, and with a component type and a model filter. */
function panelPaths(): string[] {
  const out = ['/api/v1/filters'];
  for (const p of Object.values(PANELS)) {
    out.push(`/api/v1${p}`);
    for (const range of ['24h', '7d', '30d']) out.push(`/api/v1${p}?range=${range}`);
    out.push(`/api/v1${p}?range=7d&componentType=button`, `/api/v1${p}?range=7d&model=gpt-4o-mini`);
  }
  out.push('/api/v1/performance/latency?range=7d&stage=generate', '/api/v1/cost/over-time?range=7d&groupBy=model');
  return out;
}

/** Numbers within a relative 1e-9 (sums added in another order), everything else equal. */
function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) expect({ where, actual }).toEqual({ where, actual: expected });
    return;
  }
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  expect({ where, value: actual }).toEqual({ where, value: expected });
}

/** The raw rows as the store reads them back, without row ids (they follow the batch boundaries). */
function rawRows(db: Db): unknown[] {
  const rebuilt = new Map(rebuiltSpans(db).map((r) => [r.id, { attributes: r.attributes, events: r.events }]));
  return [
    db
      .prepare('SELECT * FROM span_view ORDER BY start_ns, span_id')
      .all()
      .map((r) => ({ ...(r as object), ...rebuilt.get((r as { id: number }).id), id: 0 })),
    db.prepare('SELECT * FROM score_view ORDER BY time_ns, span_id, name').all().map((r) => ({ ...(r as object), id: 0, span_row: 0 })),
    db.prepare('SELECT * FROM model_call_view ORDER BY time_ns, span_id').all().map((r) => ({ ...(r as object), id: 0 })),
    db.prepare('SELECT * FROM benchmark_runs ORDER BY id').all(),
  ];
}

describe('bulk demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-bulk-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('repeats its rows for a seed and answers every panel as the normal write path does', async () => {
    const bulkFile = path.join(dir, 'bulk.db');
    const report = await generateBulkDemo({ db: bulkFile, targetSpans: SPANS, days: DAYS, seed: SEED, endMillis: END_MS });
    expect(report.spans).toBeGreaterThan(SPANS * 0.8);
    expect(report.costSpike.inputTokenFactor).toBeGreaterThan(1.5);

    // The same seed's records again, written the way the SDK exporter writes: small batches.
    const smallFile = path.join(dir, 'small.db');
    const small = openDatabase(smallFile);
    const writer = new StoreWriter(small, { prices: createPriceBook({ models: {} }) });
    const kinds = new Set<string>();
    let simulated = true;
    for await (const chunk of bulkDemoRecords({ seed: SEED, days: DAYS, runsPerDay: runsPerDayFor(SPANS, DAYS), endMillis: END_MS, chunkSpans: 50_000 })) {
      for (let i = 0; i < chunk.spans.length; i += 512) writer.writeSpans(chunk.spans.slice(i, i + 512));
      for (const s of chunk.spans) {
        if (s.resource[ATTR.simulated] !== true || s.attributes[ATTR.simulated] !== true) simulated = false;
        if (s.name === SPAN.benchmark) kinds.add(`${String(s.attributes[ATTR.model])}|${String(s.attributes[ATTR.simulatedDegradation])}`);
      }
      if (chunk.metricPoints.length > 0) writer.writeMetricPoints(chunk.metricPoints);
      if (chunk.logRecords.length > 0) writer.writeLogRecords(chunk.logRecords);
    }
    expect(simulated).toBe(true);
    // Both models (the switch) and the injected regression's degradation.
    expect([...kinds].sort()).toEqual(['gpt-4o-mini|0.05', 'gpt-4o-mini|0.55', 'gpt-4o|0.05']);

    const bulk = openDatabase(bulkFile, { readonly: true });
    try {
      expect(rawRows(bulk)).toEqual(rawRows(small));
      const clock = () => END_MS + 60_000;
      const a = createApp({ db: bulk, clock });
      const b = createApp({ db: small, clock });
      for (const p of panelPaths()) {
        const [ra, rb] = [await request(a).get(p), await request(b).get(p)];
        // Filters a panel does not take are a 400 on both; every panel's defaults answer.
        expect({ p, status: ra.status }).toEqual({ p, status: p.includes('?') ? rb.status : 200 });
        expectClose(ra.body, rb.body, p);
      }
    } finally {
      bulk.close();
      small.close();
    }
  }, 600_000);
});

describe('SeededRandom', () => {
  it('repeats for a seed and differs between seeds and streams', () => {
    const a = new SeededRandom(1, 1);
    const b = new SeededRandom(1, 1);
    const c = new SeededRandom(2, 1);
    const d = new SeededRandom(1, 2);
    const xs = Array.from({ length: 5 }, () => a.hex(4));
    expect(Array.from({ length: 5 }, () => b.hex(4))).toEqual(xs);
    expect(c.hex(4)).not.toBe(xs[0]);
    expect(d.hex(4)).not.toBe(xs[0]);
    expect(xs.every((x) => /^[0-9a-f]{32}$/.test(x))).toBe(true);
  });
});
