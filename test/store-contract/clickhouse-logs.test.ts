/**
 * OTLP log records on both stores: the same spans and the same log records (evaluation events in
 * a span's context and by response id only, plain log lines, a retried batch, a refused record)
 * written through each store's writeLogRecords (SQLite: log_records; ClickHouse: otel_logs in
 * the exporter's row shape, then extracted) give the same run detail (log records and scores),
 * the same score panel and the same score samples.
 */
import { fixtureBatches } from '../../api/test-fixtures';
import { PANEL_DEFS } from '../../api/panels';
import { RunsQuery } from '../../schema/api';
import type { LogRecordRecord, SpanRecord } from '../../schema/records';
import { applyGenAiConventions } from '../../store';
import type { SqliteStore } from '../../store';
import type { ClickHouseStore } from '../../store/clickhouse/store';
import { openEmptyStores } from './empty-stores';
import { openClickHouse } from '../../store/clickhouse/client';
import { embeddedConfig } from '../../store/clickhouse/test-engine';

jest.setTimeout(180_000);

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const RUNS = 20;
const ctx = { nowMs: NOW, monthlyBudgetUsd: null };
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

function spans(): SpanRecord[] {
  const out: SpanRecord[] = [];
  const batches = fixtureBatches({ runs: RUNS, startMs: NOW - RUNS * 60_000 - 3_600_000, intervalMs: 60_000, benchmarkEvery: 0 });
  for (let b = batches.next(); !b.done; b = batches.next()) out.push(...b.value);
  // A lone model call as its trace's root (a run of one call) with a response id.
  out.push({
    traceId: 'aa'.repeat(16),
    spanId: 'bb'.repeat(8),
    name: 'chat gpt-4o-mini',
    kind: 2,
    startNs: ns(NOW - 30 * 60_000),
    endNs: ns(NOW - 30 * 60_000 + 1500),
    statusCode: 0,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.id': 'resp-1' },
    events: [],
    links: [],
    resource: { 'service.name': 'script' },
  });
  return out;
}

function evaluation(timeMs: number, name: string, value: number, ctx: { traceId?: string; spanId?: string; responseId?: string }): LogRecordRecord {
  return {
    timeNs: ns(timeMs),
    ...(ctx.traceId ? { traceId: ctx.traceId } : {}),
    ...(ctx.spanId ? { spanId: ctx.spanId } : {}),
    severityNumber: 9,
    eventName: 'gen_ai.evaluation.result',
    body: null,
    attributes: {
      'gen_ai.evaluation.name': name,
      'gen_ai.evaluation.score.value': value,
      'gen_ai.evaluation.score.label': value >= 0.5 ? 'pass' : 'fail',
      'gen_ai.evaluation.explanation': `judged ${value}`,
      ...(ctx.responseId ? { 'gen_ai.response.id': ctx.responseId } : {}),
    },
    resource: { 'service.name': 'judge' },
    scopeName: 'evals',
  };
}

function logs(all: readonly SpanRecord[]): LogRecordRecord[] {
  const out: LogRecordRecord[] = [];
  const roots = all.filter((s) => !s.parentSpanId).slice(0, 8);
  roots.forEach((root, i) => {
    const child = all.find((s) => s.traceId === root.traceId && s.parentSpanId) ?? root;
    const t = Number(root.endNs / 1_000_000n);
    out.push(evaluation(t + 10, 'judge.relevance', i / 10, { traceId: root.traceId, spanId: child.spanId }));
    out.push({
      timeNs: ns(t + 20),
      traceId: root.traceId,
      spanId: child.spanId,
      severityNumber: 9,
      severityText: 'INFO',
      body: `generated component ${i}`,
      attributes: { 'code.lines': 40 + i, 'code.lang': 'tsx', ok: true },
      resource: { 'service.name': 'pipeline' },
    });
    out.push({
      timeNs: ns(t + 30),
      traceId: root.traceId,
      severityNumber: 13,
      severityText: 'WARN',
      eventName: 'genscope.note',
      body: { step: 'lint', warnings: i },
      attributes: {},
      resource: { 'service.name': 'pipeline' },
    });
  });
  // By response id only (no span context), and one that names nothing stored.
  out.push(evaluation(NOW - 29 * 60_000, 'judge.relevance', 0.9, { responseId: 'resp-1' }));
  out.push(evaluation(NOW - 29 * 60_000 + 5, 'judge.relevance', 0.1, { responseId: 'no-such-response' }));
  return out;
}

describe('OTLP log records: the ClickHouse store (otel_logs) answers as the SQLite store', () => {
  let sqlite: SqliteStore;
  let ch: ClickHouseStore;
  const written: { sqlite: unknown[]; ch: unknown[] } = { sqlite: [], ch: [] };

  beforeAll(async () => {
    ({ sqlite, ch } = await openEmptyStores(NOW));
    // As OTLP ingest hands them to either store (the GenAI conventions applied; the ClickHouse
    // extractor applies them again, which changes nothing).
    const s = spans();
    applyGenAiConventions(s);
    await sqlite.writeSpans(s);
    await ch.writeSpans(s);
    const records = logs(s);
    const bad: LogRecordRecord = { ...records[0]!, traceId: 'not-hex' };
    // The batch, its retry (the exporter sends the same records again), and a refused record.
    for (const batch of [records, records, [bad]]) {
      written.sqlite.push(await sqlite.writeLogRecords(batch));
      written.ch.push(await ch.writeLogRecords(batch));
    }
  });
  afterAll(async () => {
    await ch?.close();
    await sqlite?.close();
  });

  it('accepts and refuses the same records', () => {
    const counts = (rs: unknown[]) => rs.map((r) => [(r as { accepted: number }).accepted, (r as { rejected: number }).rejected]);
    expect(counts(written.ch)).toEqual(counts(written.sqlite));
    expect((written.ch[2] as { rejected: number }).rejected).toBe(1);
  });

  it('lists each run’s log records and evaluation scores as SQLite does (a retried batch once)', async () => {
    const q = RunsQuery.parse({ range: '24h', limit: '100' });
    const sRuns = (await sqlite.runs(q, ctx)).runs;
    const cRuns = (await ch.runs(q, ctx)).runs;
    expect(cRuns.length).toBe(sRuns.length);
    // The fixture's runs and the lone chat call, a run of one call on both stores.
    expect(cRuns.length).toBe(RUNS + 1);
    let withLogs = 0;
    let withScores = 0;
    for (const [i, sRun] of sRuns.entries()) {
      const cRun = cRuns[i];
      if (!cRun) throw new Error('missing run');
      const sd = await sqlite.run(sRun.id, ctx);
      const cd = await ch.run(cRun.id, ctx);
      // Times to the microsecond (ClickHouse rounds the fraction of a millisecond to three places).
      const us = <T extends { timeMs: number }>(xs: T[]) => xs.map((x) => ({ ...x, timeMs: Math.round(x.timeMs * 1000) / 1000 }));
      expect(us(cd.logs)).toEqual(us(sd.logs));
      expect(us(cd.scores)).toEqual(us(sd.scores));
      if (sd.logs.length > 0) withLogs++;
      if (sd.scores.some((x) => x.name === 'judge.relevance')) withScores++;
    }
    // Eight runs with two records each (once, though sent twice), each judged once; and the lone
    // chat call's run, judged by its response id.
    expect(withLogs).toBe(8);
    expect(withScores).toBe(9);
  });

  it('charts the evaluation scores and samples them as SQLite does', async () => {
    const def = PANEL_DEFS.find((p) => p.id === 'quality-scores');
    if (!def) throw new Error('no quality-scores panel');
    const query = def.query.parse({ range: '24h', score: 'judge.relevance', bucket: '3600' }) as never;
    const strip = (x: object) => {
      const c = JSON.parse(JSON.stringify(x)) as { meta?: Record<string, unknown> };
      if (c.meta) {
        delete c.meta.source;
        delete c.meta.exact;
      }
      return c;
    };
    expect(strip(await ch.panel('quality-scores', query, ctx))).toEqual(strip(await sqlite.panel('quality-scores', query, ctx)));
    const range = { fromMs: NOW - 86_400_000, toMs: NOW };
    const order = (x: { samples: { name: string; timeMs: number }[] }) =>
      x.samples.filter((s) => s.name === 'judge.relevance').sort((a, b) => a.timeMs - b.timeMs);
    const cs = order(await ch.scoreSamples(range, 10_000));
    expect(cs).toEqual(order(await sqlite.scoreSamples(range, 10_000)));
    // Eight in span context, one by response id (the lone model call); none for the unknown one.
    expect(cs).toHaveLength(9);
  });

  it('reads records the Collector wrote with an older exporter (event name in the attributes)', async () => {
    const client = openClickHouse(embeddedConfig());
    try {
      const db = (ch as unknown as { options: { config: { database: string } } }).options.config.database;
      const root = (await ch.runs(RunsQuery.parse({ range: '24h', limit: '1' }), ctx)).runs[0];
      if (!root) throw new Error('no run');
      const detail = await ch.run(root.id, ctx);
      const traceId = await traceOf(client, db, detail.spans[0]?.spanId ?? '');
      await client.command(
        `INSERT INTO ${db}.otel_logs (Timestamp, TraceId, SpanId, SeverityNumber, Body, LogAttributes, EventName)
         VALUES (fromUnixTimestamp64Nano({t:Int64}), {trace:String}, {span:String}, 9, '', {attrs:Map(String, String)}, '')`,
        {
          // Within the extractor's late allowance of the store's clock (a Collector's fresh record).
          t: ns(root.startMs + 55 * 60_000).toString(),
          trace: traceId,
          span: detail.spans[0]?.spanId ?? '',
          attrs: { 'event.name': 'gen_ai.evaluation.result', 'gen_ai.evaluation.name': 'judge.old', 'gen_ai.evaluation.score.value': '0.25' },
        },
      );
      await ch.extract();
      const after = await ch.run(root.id, ctx);
      expect(after.scores.filter((s) => s.name === 'judge.old').map((s) => s.value)).toEqual([0.25]);
      expect(after.logs.some((l) => l.eventName === 'gen_ai.evaluation.result' && l.attributes['gen_ai.evaluation.name'] === 'judge.old')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

async function traceOf(client: ReturnType<typeof openClickHouse>, db: string, spanId: string): Promise<string> {
  const [r] = await client.query<{ trace_id: string }>(`SELECT trace_id FROM ${db}.genscope_spans WHERE span_id = {s:String} LIMIT 1`, { s: spanId });
  return r?.trace_id ?? '';
}
