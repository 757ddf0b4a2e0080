/**
 * The OTLP metrics panel on what the official SDK really sends: a counter and a histogram exported
 * every 250 ms over about 2.5 s and once more at shutdown, cumulative and delta, through the
 * http/protobuf exporter in its own process, over real HTTP into the real writer; the panel's
 * increase per model must equal what was added, once, and the histogram count what was recorded.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { createIngestRouter } from '../../api/ingest';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import { OtlpMetricSeriesQuery } from '../../schema/api';
import { otlpMetricNames, otlpMetricSeries } from '../../store/sqlite/queries/otlp-metrics';
import type { MetricsClientOutput } from './otlp-metrics-client';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

let db: Db;
let server: http.Server;
let baseUrl: string;

beforeEach(async () => {
  db = openDatabase(':memory:');
  const app = express();
  app.use(createIngestRouter({ writer: new StoreWriter(db) }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.close();
});

const sum = (xs: readonly (number | null)[]): number => xs.reduce<number>((a, v) => a + (v ?? 0), 0);

describe.each(['cumulative', 'delta'] as const)('%s temporality', (temporality) => {
  test('increase per group and histogram counts equal what the SDK recorded', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'otlp-metrics-client.ts'), temporality, baseUrl],
      { cwd: REPO, timeout: 60_000 },
    );
    const out = JSON.parse(stdout) as MetricsClientOutput;
    const ctx = { db, nowMs: out.endMs + 1000, monthlyBudgetUsd: null, exactPercentileMaxRows: 0, minuteRollupRetentionDays: 7 };
    const stored = db.prepare("SELECT count(*) AS n FROM metric_points WHERE name = 'interop.requests'").get() as { n: number };
    // Several exports of each series: a naive sum of cumulative points would count them again and again.
    expect(stored.n).toBeGreaterThan(4);

    const names = otlpMetricNames(ctx, { range: '1h' });
    const requests = names.metrics.find((m) => m.name === 'interop.requests');
    expect(requests).toMatchObject({ type: 'sum', unit: '{request}', temporality, attributeKeys: ['gen_ai.request.model'] });

    const q = (params: Record<string, string>) => OtlpMetricSeriesQuery.parse({ range: '1h', bucket: '1', ...params });
    const counter = otlpMetricSeries(ctx, q({ name: 'interop.requests', groupBy: 'gen_ai.request.model' }));
    expect(counter.valueKind).toBe('increase');
    expect(counter.groups.sort()).toEqual(['gpt-a', 'gpt-b']);
    for (const [model, total] of Object.entries(out.totals)) expect(sum(counter.series[model]?.values ?? [])).toBe(total);

    const hist = otlpMetricSeries(ctx, q({ name: 'interop.duration' }));
    expect(hist.type).toBe('histogram');
    const all = hist.series[''];
    expect(sum(all?.values ?? [])).toBe(out.durations.length);
    expect(sum(all?.sum ?? [])).toBeCloseTo(out.durations.reduce((a, v) => a + v, 0), 9);
    // Over one bucket covering the whole run, the p50 falls in the bucket of the exact median.
    const whole = otlpMetricSeries(ctx, q({ name: 'interop.duration', bucket: '3600' }));
    const p50 = (whole.series['']?.p50 ?? []).find((v) => v !== null) ?? null;
    const sorted = [...out.durations].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    const bounds = [0, 0.1, 0.2, 0.5, 1, 2, 5];
    const bucketOf = (v: number) => bounds.findIndex((b, i) => v > b && v <= (bounds[i + 1] ?? Infinity));
    expect(p50).not.toBeNull();
    expect(bucketOf(p50 as number)).toBe(bucketOf(median));
  }, 90_000);
});

test('an unknown metric is a 404 naming where to look', () => {
  const ctx = { db, nowMs: Date.now(), monthlyBudgetUsd: null, exactPercentileMaxRows: 0, minuteRollupRetentionDays: 7 };
  expect(() => otlpMetricSeries(ctx, OtlpMetricSeriesQuery.parse({ name: 'nope' }))).toThrow(/no metric named "nope".*\/api\/v1\/metrics/);
});
