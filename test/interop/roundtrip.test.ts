/**
 * Round trip through the compact layout (migration 042): spans sent over OTLP/HTTP, as JSON and
 * as protobuf, come back from GET /api/v1/runs/:id and /api/v1/export/spans with every attribute
 * and event as sent, value types included (integers, doubles, booleans, strings, arrays, maps),
 * ids as lowercase hex. The bodies are built here from the OTLP wire shapes; the official
 * exporters' own bodies go through the same decoders in otlp-ingest.test.ts.
 */
import request from 'supertest';
import { createApp } from '../../api';
import { createIngestRouter, OTLP_PROTO } from '../../api/ingest';
import { openDatabase, StoreWriter } from '../../store';
import type { Db } from '../../store';
import type { AttributeMap, AttributeValue } from '../../schema/records';

const NOW_MS = Date.UTC(2026, 11, 1, 12);
const T0 = BigInt(NOW_MS - 60_000) * 1_000_000n;

type AnyValue = Record<string, unknown>;

function anyValue(v: AttributeValue): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v === null) return {};
  return { kvlistValue: { values: keyValues(v) } };
}

function keyValues(m: AttributeMap): { key: string; value: AnyValue }[] {
  return Object.entries(m).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** A genscope.artefact event (keys without the `genscope.artefact.` prefix but for extras). */
function artefact(timeNs: bigint, a: Record<string, string | number | boolean>): { name: string; timeNs: bigint; attributes: AttributeMap } {
  const known = new Set(['name', 'media_type', 'encoding', 'content', 'original_bytes', 'truncated']);
  return { name: 'genscope.artefact', timeNs, attributes: Object.fromEntries(Object.entries(a).map(([k, v]) => [known.has(k) ? `genscope.artefact.${k}` : k, v])) };
}

/** What the store gives back of an event: an artefact's content is served on its own endpoint. */
function stored(attributes: AttributeMap): AttributeMap {
  const { 'genscope.artefact.content': _content, ...rest } = attributes;
  return rest;
}

interface Sent {
  spanId: string;
  parentSpanId?: string;
  name: string;
  startNs: bigint;
  attributes: AttributeMap;
  events: { name: string; timeNs: bigint; attributes: AttributeMap }[];
}

/** One pipeline run: the root, a stage with a cache event and scores, a model call, values of every type. */
function runSpans(traceId: string, n: number): Sent[] {
  const id = (k: number) => `${n.toString(16).padStart(8, '0')}${k.toString(16).padStart(8, '0')}`;
  const common = { 'pipeline.name': 'roundtrip', 'pipeline.version': '2.1', 'pipeline.component.id': `c-${n}`, 'pipeline.component.type': 'card', 'pipeline.model': 'gpt-4o' };
  return [
    {
      spanId: id(1),
      name: 'pipeline.run',
      startNs: T0,
      attributes: { ...common, 'genscope.cost.usd': 0.0125, 'pipeline.benchmark.id': `bench-${traceId.slice(0, 4)}`, count: 3, ratio: 0.75, ok: true },
      events: [],
    },
    {
      spanId: id(2),
      parentSpanId: id(1),
      name: 'validate',
      startNs: T0 + 1_000n,
      attributes: {
        ...common,
        'pipeline.stage': 'validate',
        'genscope.cache.hit': false,
        'genscope.cache.name': 'validation',
        tags: ['a', 'b'],
        mixed: [1, 2.5, true, 'x'],
        nested: { depth: 1, label: 'n' },
        empty: '',
        numeric_text: '42',
        negative: -7,
        big: 9007199254740991,
      },
      events: [
        { name: 'genscope.cache.lookup', timeNs: T0 + 2_000n, attributes: { 'genscope.cache.name': 'validation', 'genscope.cache.hit': false } },
        {
          name: 'gen_ai.evaluation.result',
          timeNs: T0 + 3_000n,
          attributes: {
            'gen_ai.evaluation.name': 'code.quality',
            'gen_ai.evaluation.score.value': 1,
            'gen_ai.evaluation.score.label': 'parses',
            'gen_ai.evaluation.explanation': 'all checks passed',
            // The judged call: stored as columns (migration 170) and rebuilt exactly.
            'gen_ai.response.id': 'chatcmpl-roundtrip-1',
            'genscope.evaluation.span_id': '00000000000000aa',
          },
        },
        { name: 'note', timeNs: T0 + 3_500n, attributes: { detail: 'between the scores', n: 2 } },
        {
          name: 'gen_ai.evaluation.result',
          timeNs: T0 + 4_000n,
          attributes: {
            'gen_ai.evaluation.name': 'visual.pixel_similarity',
            'gen_ai.evaluation.score.value': 0.8125,
            judge: 'pixelmatch',
            extra: [0.5, 1],
            // Not a lowercase 16-hex id: kept as sent.
            'genscope.evaluation.span_id': '00000000000000AA',
          },
        },
        // A score value sent as text stays text.
        { name: 'gen_ai.evaluation.result', timeNs: T0 + 5_000n, attributes: { 'gen_ai.evaluation.name': 'mapping.confidence', 'gen_ai.evaluation.score.value': '0.9' } },
        // Artefacts (the content is moved to the artefact rows, the rest comes back as sent):
        // descriptions an artefact row holds exactly are rebuilt from it (migration 176) ...
        artefact(T0 + 5_100n, { name: 'prompt', media_type: 'text/plain; charset=utf-8', encoding: 'utf-8', content: 'Generate a card', original_bytes: 15 }),
        artefact(T0 + 5_200n, { name: 'render.diff', media_type: 'image/png', encoding: 'base64', content: Buffer.from('89504e47', 'hex').toString('base64'), original_bytes: 4 }),
        artefact(T0 + 5_300n, { name: 'code', media_type: 'text/tsx', encoding: 'utf-8', content: 'export const C', original_bytes: 900, truncated: true }),
        artefact(T0 + 5_400n, { name: 'bare', content: 'no media type, no encoding' }),
        artefact(T0 + 5_450n, { name: 'not-cut', content: 'x', truncated: false, original_bytes: 1 }),
        // ... the others stay as they came (without the content).
        artefact(T0 + 5_500n, { name: 'extra', media_type: 'text/plain', content: 'with an attribute of its own', origin: 'judge' }),
        artefact(T0 + 5_600n, { name: 'prompt', media_type: 'text/plain', content: 'the same name twice: the first is stored' }),
        artefact(T0 + 5_700n, { name: 'text-size', content: 'abc', original_bytes: '3' }),
        artefact(T0 + 5_800n, { name: 'broken', media_type: 'image/png', encoding: 'base64', content: 'not base64!' }),
        { name: 'note', timeNs: T0 + 5_900n, attributes: { detail: 'after the artefacts' } },
      ],
    },
    {
      spanId: id(3),
      parentSpanId: id(2),
      name: 'chat gpt-4o',
      startNs: T0 + 6_000n,
      attributes: {
        ...common,
        'pipeline.stage': 'validate',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 340,
        'genscope.cost.usd': 0.0125,
      },
      events: [],
    },
  ];
}

function otlpRequest(traceId: string, spans: Sent[], hexIds: boolean): Record<string, unknown> {
  const idOf = (hex: string) => (hexIds ? hex : Buffer.from(hex, 'hex'));
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues({ 'service.name': 'roundtrip' }) },
        scopeSpans: [
          {
            scope: { name: 'roundtrip-scope' },
            spans: spans.map((s) => ({
              traceId: idOf(traceId),
              spanId: idOf(s.spanId),
              ...(s.parentSpanId ? { parentSpanId: idOf(s.parentSpanId) } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: s.startNs.toString(),
              endTimeUnixNano: (s.startNs + 50_000n).toString(),
              attributes: keyValues(s.attributes),
              events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeNs.toString(), attributes: keyValues(e.attributes) })),
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  };
}

describe('attributes and events round trip through the compact layout', () => {
  let db: Db;
  let app: ReturnType<typeof createApp>;

  beforeAll(() => {
    db = openDatabase(':memory:');
    const writer = new StoreWriter(db);
    app = createApp({ db, clock: () => NOW_MS, ingestRouter: createIngestRouter({ writer }) });
  });
  afterAll(() => db.close());

  const cases: [string, string, number][] = [
    ['OTLP JSON', 'ab'.repeat(16), 1],
    ['OTLP protobuf', 'cd'.repeat(16), 2],
  ];

  it.each(cases)('%s: run detail and the spans export give back every attribute and event, types included', async (wire, traceId, n) => {
    const sent = runSpans(traceId, n);
    const post =
      wire === 'OTLP JSON'
        ? request(app).post('/v1/traces').set('content-type', 'application/json').send(JSON.stringify(otlpRequest(traceId, sent, true)))
        : request(app)
            .post('/v1/traces')
            .set('content-type', 'application/x-protobuf')
            .send(Buffer.from(OTLP_PROTO.ExportTraceServiceRequest.encode(OTLP_PROTO.ExportTraceServiceRequest.fromObject(otlpRequest(traceId, sent, false))).finish()));
    expect((await post).status).toBe(200);

    const runs = await request(app).get('/api/v1/runs?range=1h');
    const run = (runs.body as { runs: { id: number; traceId: string }[] }).runs.find((r) => r.traceId === traceId);
    expect(run).toBeDefined();
    const detail = await request(app).get(`/api/v1/runs/${run?.id ?? 0}`);
    expect(detail.status).toBe(200);
    const got = (detail.body as { spans: { spanId: string; parentSpanId: string | null; attributes: AttributeMap; events: { name: string; timeMs: number; attributes: AttributeMap }[] }[] }).spans;
    expect(got).toHaveLength(sent.length);
    for (const s of sent) {
      const g = got.find((x) => x.spanId === s.spanId);
      expect(g?.parentSpanId ?? null).toBe(s.parentSpanId ?? null);
      // Key by key, so a changed type (1 vs '1', true vs 1) fails on the key that changed.
      for (const [k, v] of Object.entries(s.attributes)) expect({ span: s.name, key: k, value: g?.attributes[k] }).toEqual({ span: s.name, key: k, value: v });
      expect(Object.keys(g?.attributes ?? {}).sort()).toEqual(Object.keys(s.attributes).sort());
      expect(g?.events.map((e) => e.name)).toEqual(s.events.map((e) => e.name));
      s.events.forEach((e, i) => {
        const ge = g?.events[i];
        expect({ event: i, attributes: ge?.attributes }).toEqual({ event: i, attributes: stored(e.attributes) });
        expect(ge?.timeMs).toBeCloseTo(Number(e.timeNs) / 1e6, 3);
      });
    }

    // Five descriptions are rebuilt from their artefact rows, not stored in the span's events.
    const artefactRows = db
      .prepare("SELECT (SELECT value FROM strings WHERE id = a.name_ref) AS name, a.flags & 2 AS rebuilt FROM artefacts a JOIN spans s ON s.id = a.span_row WHERE s.trace_id = ? ORDER BY a.seq")
      .all(Buffer.from(traceId, 'hex')) as { name: string; rebuilt: number }[];
    expect(artefactRows.map((a) => `${a.name}${a.rebuilt ? ' (rebuilt)' : ''}`)).toEqual([
      'prompt (rebuilt)', 'render.diff (rebuilt)', 'code (rebuilt)', 'bare (rebuilt)', 'not-cut (rebuilt)', 'extra', 'text-size',
    ]);
    const exported = await request(app).get('/api/v1/export/spans.ndjson?range=1h');
    expect(exported.status).toBe(200);
    const rows = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { trace_id: string; span_id: string; parent_span_id: string | null; attributes: AttributeMap; events: { name: string; timeNs: string; attributes: AttributeMap }[] | null })
      .filter((r) => r.trace_id === traceId);
    expect(rows).toHaveLength(sent.length);
    for (const s of sent) {
      const r = rows.find((x) => x.span_id === s.spanId);
      expect(r?.parent_span_id ?? null).toBe(s.parentSpanId ?? null);
      expect(r?.attributes).toEqual(s.attributes);
      expect(r?.events ?? []).toEqual(s.events.map((e) => ({ name: e.name, timeNs: e.timeNs.toString(), attributes: stored(e.attributes) })));
    }
  });
});
