/**
 * The artefact endpoints on a real SQLite file, with the artefact events as any OTLP sender would
 * send them (the writer's path for ingest): the list, the raw bytes with their media type, the
 * 404s naming what is missing, a malformed event reported and not stored, the store's bound.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { openDatabase, StoreWriter } from '../store';
import type { Db } from '../store';
import { ARTEFACT, ATTR, EVENT, SPAN } from '../schema/names';
import { RunArtefactsResponse } from '../schema/api';
import type { SpanEventRecord, SpanRecord } from '../schema/records';
import { createApp } from './app';

const T0 = 1_780_000_000_000_000_000n;
const TRACE = 'ab'.repeat(16);
const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function artefactEvent(name: string, content: string, mediaType: string, encoding = 'utf-8'): SpanEventRecord {
  return {
    name: EVENT.artefact,
    timeNs: T0 + 1000n,
    attributes: { [ARTEFACT.name]: name, [ARTEFACT.mediaType]: mediaType, [ARTEFACT.encoding]: encoding, [ARTEFACT.content]: content },
  };
}

function span(spanId: string, name: string, events: SpanEventRecord[], parentSpanId?: string): SpanRecord {
  return {
    traceId: TRACE,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 0,
    startNs: T0 + (parentSpanId ? 1000n : 0n),
    endNs: T0 + 5_000_000n,
    statusCode: 1,
    attributes: parentSpanId ? { [ATTR.stage]: 'generate', [ATTR.componentId]: 'c1' } : { [ATTR.componentId]: 'c1' },
    events,
    links: [],
    resource: { [ATTR.serviceName]: 'sender' },
  };
}

let dir: string;
let db: Db;
let runId: number;
let warnings: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-artefacts-api-'));
  db = openDatabase(path.join(dir, 'a.db'));
  const writer = new StoreWriter(db, { maxArtefactBytes: 64 });
  const result = writer.writeSpans([
    span('1'.repeat(16), SPAN.run, []),
    span('2'.repeat(16), 'generate', [
      artefactEvent('code', 'export const Button = () => <button>&lt;ok&gt;</button>;', 'text/tsx; charset=utf-8'),
      artefactEvent('render.diff', PNG_BYTES.toString('base64'), 'image/png', 'base64'),
      artefactEvent('broken', 'not base64 at all!', 'image/png', 'base64'),
      artefactEvent('huge', 'z'.repeat(65), 'text/plain'),
    ], '1'.repeat(16)),
  ]);
  warnings = result.warnings;
  runId = (db.prepare("SELECT id FROM spans WHERE role = 'run'").get() as { id: number }).id;
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/runs/:id/artefacts', () => {
  it('lists what was stored and reports what was not', async () => {
    const app = createApp({ db, clock: () => Number(T0 / 1_000_000n) });
    const res = await request(app).get(`/api/v1/runs/${runId}/artefacts`);
    expect(res.status).toBe(200);
    const body = RunArtefactsResponse.parse(res.body);
    expect(body.artefacts.map((a) => [a.name, a.kind, a.mediaType, a.bytes, a.spanId, a.stage])).toEqual([
      ['code', 'text', 'text/tsx; charset=utf-8', Buffer.byteLength('export const Button = () => <button>&lt;ok&gt;</button>;'), '2'.repeat(16), 'generate'],
      ['render.diff', 'image', 'image/png', PNG_BYTES.length, '2'.repeat(16), 'generate'],
    ]);
    expect(warnings).toEqual([
      'artefact "broken": content is not base64',
      `artefact "huge": 65 bytes, past the store's bound of 64; not stored`,
    ]);
  });

  it('serves the raw bytes with the recorded media type, never as a page', async () => {
    const app = createApp({ db });
    const img = await request(app).get(`/api/v1/runs/${runId}/artefacts/render.diff`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(img.body as Buffer, PNG_BYTES)).toBe(0);
    const code = await request(app).get(`/api/v1/runs/${runId}/artefacts/code`);
    expect(code.headers['content-type']).toBe('text/tsx; charset=utf-8');
    expect(code.headers['x-content-type-options']).toBe('nosniff');
    expect(code.headers['content-security-policy']).toContain('sandbox');
    expect(code.text).toBe('export const Button = () => <button>&lt;ok&gt;</button>;');
  });

  it('answers 404 naming the missing run or artefact, 400 for a bad id', async () => {
    const app = createApp({ db });
    const noRun = await request(app).get('/api/v1/runs/987654/artefacts');
    expect(noRun.status).toBe(404);
    expect(noRun.body.error.message).toBe('no run with id 987654');
    const noRunName = await request(app).get('/api/v1/runs/987654/artefacts/code');
    expect(noRunName.status).toBe(404);
    expect(noRunName.body.error.message).toBe('no run with id 987654');
    const noName = await request(app).get(`/api/v1/runs/${runId}/artefacts/prompt`);
    expect(noName.status).toBe(404);
    expect(noName.body.error.message).toBe(`run ${runId} has no artefact named "prompt" (recorded: code, render.diff)`);
    const bad = await request(app).get('/api/v1/runs/abc/artefacts');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('id');
  });

  it('answers an empty list for a run without artefacts', async () => {
    const other = openDatabase(path.join(dir, 'b.db'));
    new StoreWriter(other).writeSpans([{ ...span('3'.repeat(16), SPAN.run, []), traceId: 'cd'.repeat(16) }]);
    const id = (other.prepare("SELECT id FROM spans WHERE role = 'run'").get() as { id: number }).id;
    const app = createApp({ db: other });
    const res = await request(app).get(`/api/v1/runs/${id}/artefacts`);
    expect(res.body).toEqual({ artefacts: [] });
    const one = await request(app).get(`/api/v1/runs/${id}/artefacts/code`);
    expect(one.body.error.message).toBe(`run ${id} has no artefact named "code" (no artefacts recorded)`);
    other.close();
  });
});
