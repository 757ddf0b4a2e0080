/**
 * Ingest over real HTTP with the names of three generations: genscope's own names before the
 * genscope.* prefix (old senders), today's, and the upcoming GenAI semantic-conventions names.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import { ATTR, LEGACY, METRIC, OTEL_GENAI_IN_METRIC, SPAN } from '../../schema/names';
import { createIngestRouter } from './router';

const TRACE = '5b8efff798038103d269b633813fc60c';
const t0 = 1_764_000_000_000_000_000n;

type Attr = { key: string; value: { stringValue: string } | { intValue: string } };
const s = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });

function span(spanId: string, name: string, attributes: Attr[], parentSpanId?: string): Record<string, unknown> {
  return {
    traceId: TRACE,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 1,
    startTimeUnixNano: String(t0),
    endTimeUnixNano: String(t0 + 1_000_000n),
    attributes,
  };
}

async function withIngest(fn: (url: string, db: Db) => Promise<void>): Promise<void> {
  const db = openDatabase(':memory:');
  const app = express();
  app.use(createIngestRouter({ writer: new StoreWriter(db), onError: () => undefined }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, db);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    db.close();
  }
}

async function postJson(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

const traces = (spans: Record<string, unknown>[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] });

interface Row {
  name: string;
  role: string;
  stage: string | null;
  component_id: string | null;
  component_type: string | null;
  model: string | null;
  benchmark_run_id: string | null;
}
const rowsOf = (db: Db): Row[] =>
  db
    .prepare('SELECT name, role, stage, component_id, component_type, model, benchmark_run_id FROM span_view ORDER BY span_id')
    .all() as Row[];

describe('OTLP ingest and genscope names', () => {
  it('fills the same columns from pipeline.* (old senders) as from genscope.* names', async () => {
    const sent = (runName: string, names: typeof ATTR | typeof LEGACY, ids: [string, string]) => [
      span(ids[0], runName, [
        s(names.componentId, 'btn-1'),
        s(names.componentType, 'button'),
        s(names.model, 'gpt-4o-mini'),
        s(names.benchmarkRunId, 'bm-1'),
      ]),
      span(ids[1], 'classify', [s(names.stage, 'classify'), s(names.componentType, 'button'), s(names.benchmarkRunId, 'bm-1')], ids[0]),
    ];
    let old: Row[] = [];
    await withIngest(async (url, db) => {
      expect(await postJson(`${url}/v1/traces`, traces(sent(LEGACY.runSpan, LEGACY, ['00000000000000a1', '00000000000000a2'])))).toBe(200);
      old = rowsOf(db);
    });
    await withIngest(async (url, db) => {
      expect(await postJson(`${url}/v1/traces`, traces(sent(SPAN.run, ATTR, ['00000000000000a1', '00000000000000a2'])))).toBe(200);
      const current = rowsOf(db);
      expect(current.map(({ name: _n, ...r }) => r)).toEqual(old.map(({ name: _n, ...r }) => r));
      expect(current[0]).toMatchObject({ role: 'run', component_id: 'btn-1', component_type: 'button', model: 'gpt-4o-mini', benchmark_run_id: 'bm-1' });
      expect(current[1]).toMatchObject({ role: 'stage', stage: 'classify', component_type: 'button' });
    });
  });

  it("stores the upcoming GenAI client-inference metrics beside today's", async () => {
    await withIngest(async (url, db) => {
      const hist = (name: string, unit: string) => ({
        name,
        unit,
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              startTimeUnixNano: String(t0),
              timeUnixNano: String(t0 + 1_000_000_000n),
              count: '2',
              sum: 1.5,
              explicitBounds: [0.01, 0.02],
              bucketCounts: ['0', '0', '2'],
              attributes: [s('gen_ai.operation.name', 'chat')],
            },
          ],
        },
      });
      const counter = (name: string) => ({
        name,
        unit: '{token}',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [{ startTimeUnixNano: String(t0), timeUnixNano: String(t0 + 1_000_000_000n), asInt: '25' }],
        },
      });
      const body = {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  hist(OTEL_GENAI_IN_METRIC.inferenceDuration, 's'),
                  hist(OTEL_GENAI_IN_METRIC.operationInputTokens, '{token}'),
                  counter(OTEL_GENAI_IN_METRIC.usageCacheWriteTokens),
                  counter(OTEL_GENAI_IN_METRIC.usageReasoningTokens),
                  hist(METRIC.genAiOperationDuration, 's'),
                ],
              },
            ],
          },
        ],
      };
      expect(await postJson(`${url}/v1/metrics`, body)).toBe(200);
      const stored = db.prepare('SELECT name, type, unit FROM metric_points ORDER BY name').all();
      expect(stored).toEqual([
        { name: OTEL_GENAI_IN_METRIC.inferenceDuration, type: 'histogram', unit: 's' },
        { name: OTEL_GENAI_IN_METRIC.operationInputTokens, type: 'histogram', unit: '{token}' },
        { name: OTEL_GENAI_IN_METRIC.usageCacheWriteTokens, type: 'sum', unit: '{token}' },
        { name: OTEL_GENAI_IN_METRIC.usageReasoningTokens, type: 'sum', unit: '{token}' },
        { name: METRIC.genAiOperationDuration, type: 'histogram', unit: 's' },
      ]);
    });
  });
});
