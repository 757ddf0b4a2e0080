import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { checkJsonBounds, checkProtoBounds, DEFAULT_DECODE_BOUNDS } from './bounds';
import { DecodePool } from './decode-pool';
import { runDecodeTask } from './decode-task';
import type { DecodeTask } from './decode-task';
import { IngestError } from './errors';
import { OTLP_PROTO } from './proto';

const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';

function oneSpanJson(): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pool-test' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'classify',
                  startTimeUnixNano: '1700000000123456789',
                  endTimeUnixNano: '1700000000987654321',
                  attributes: [{ key: 'n', value: { intValue: '7' } }],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
}

/** `0a 00` repeated: an ExportTraceServiceRequest of nothing but empty ResourceSpans. */
function emptyMessages(bytes: number): Buffer {
  return Buffer.alloc(bytes, Buffer.from([0x0a, 0x00]));
}

async function rejection(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('decode bounds', () => {
  it('counts protobuf messages without decoding and stops at the bound', () => {
    const bounds = { ...DEFAULT_DECODE_BOUNDS, maxElements: 1000 };
    expect(checkProtoBounds(emptyMessages(2 * 999), OTLP_PROTO.ExportTraceServiceRequest, bounds)).toBe(999);
    expect(() => checkProtoBounds(emptyMessages(2 * 1001), OTLP_PROTO.ExportTraceServiceRequest, bounds)).toThrow(
      /more than 1000 elements/,
    );
  });

  it('counts, on real exporter payloads, the messages and list items protobufjs builds', () => {
    // The oracle: walk what protobufjs decoded, one per message built and one per list item.
    const built = (type: protobuf.Type, m: Record<string, unknown>): number => {
      let n = 0;
      for (const f of type.fieldsArray) {
        if (!Object.hasOwn(m, f.name)) continue;
        const v = m[f.name];
        const items = f.repeated ? (v as unknown[]) : [v];
        if (f.resolvedType instanceof protobuf.Type) {
          const child = f.resolvedType;
          for (const item of items) n += 1 + built(child, item as Record<string, unknown>);
        } else if (f.repeated) n += items.length;
      }
      return n;
    };
    const type = OTLP_PROTO.ExportTraceServiceRequest;
    for (const name of ['bench', 'varied']) {
      const body = fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'otlp', `${name}.bin`));
      const count = checkProtoBounds(body, type, DEFAULT_DECODE_BOUNDS);
      expect(count).toBeGreaterThan(100);
      expect(count).toBe(built(type, type.decode(body) as unknown as Record<string, unknown>));
    }
  });

  it('counts JSON values outside strings only', () => {
    const bounds = { ...DEFAULT_DECODE_BOUNDS, maxElements: 10 };
    expect(checkJsonBounds(Buffer.from('{"a":"{,,,,,,,,,,,,[[[[\\"","b":[1,2]}'), bounds)).toBe(4);
    expect(() => checkJsonBounds(Buffer.from(`[${'{},'.repeat(10)}{}]`), bounds)).toThrow(IngestError);
    expect(() => checkJsonBounds(Buffer.from('['.repeat(200)), { maxElements: 1000, maxDepth: 128 })).toThrow(
      /deeper than 128/,
    );
  });
});

describe('DecodePool', () => {
  // inlineMaxBytes 0: every task, small ones too, goes to the worker.
  const pool = new DecodePool({ threads: 1, taskTimeoutMillis: 20_000, inlineMaxBytes: 0 });
  afterAll(() => pool.close());

  it('decodes in a worker exactly as in process', async () => {
    const task: DecodeTask = { signal: 'traces', body: oneSpanJson(), contentType: JSON_TYPE, coding: 'identity', maxBodyBytes: 1 << 20 };
    const inProcess = runDecodeTask({ ...task, body: oneSpanJson() });
    const inWorker = await pool.decode(task);
    expect(inWorker).toEqual(inProcess);
    expect(inWorker.signal === 'traces' && inWorker.decoded.spans[0]?.startNs).toBe(1700000000123456789n);
  });

  it('answers a gzip bomb of empty protobuf messages with 413 and keeps working', async () => {
    const bomb = zlib.gzipSync(emptyMessages(16 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const bombCopy = Uint8Array.from(bomb);
    const err = await rejection(
      pool.decode({ signal: 'traces', body: bomb, contentType: PROTO_TYPE, coding: 'gzip', maxBodyBytes: 16 * 1024 * 1024 }),
    );
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/elements/);
    const tooBig = await rejection(
      // decode() moves the body's memory to the worker: the second attempt sends its own copy.
      pool.decode({ signal: 'traces', body: Buffer.from(bombCopy), contentType: PROTO_TYPE, coding: 'gzip', maxBodyBytes: 1024 * 1024 }),
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.message).toMatch(/decompressed request body exceeds/);
    const ok = await pool.decode({ signal: 'traces', body: oneSpanJson(), contentType: JSON_TYPE, coding: 'identity', maxBodyBytes: 1 << 20 });
    expect(ok.signal === 'traces' && ok.decoded.spans).toHaveLength(1);
  });

  it('answers a JSON flood of empty objects with 413', async () => {
    const flood = Buffer.from(`{"resourceSpans":[${'{},'.repeat(5_500_000)}{}]}`);
    const err = await rejection(
      pool.decode({ signal: 'traces', body: flood, contentType: JSON_TYPE, coding: 'identity', maxBodyBytes: 32 * 1024 * 1024 }),
    );
    expect(err.status).toBe(413);
  });

  it('ends a task that overruns its time and replaces the worker', async () => {
    const slow = new DecodePool({ threads: 1, taskTimeoutMillis: 1, inlineMaxBytes: 0 });
    try {
      const body = Buffer.from(`{"resourceSpans":[${'{},'.repeat(300_000)}{}]}`);
      const err = await rejection(
        slow.decode({ signal: 'traces', body, contentType: JSON_TYPE, coding: 'identity', maxBodyBytes: 32 * 1024 * 1024 }),
      );
      expect(err.status).toBe(413);
      expect(err.message).toMatch(/longer than 1 ms/);
      expect(slow.stats.timedOut).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('decodes small bodies on the calling thread, the same as a worker, and sends the rest to a worker', async () => {
    const inlinePool = new DecodePool({ threads: 1, inlineMaxBytes: 64 * 1024 });
    try {
      const task = (body: Buffer, coding: 'identity' | 'gzip' = 'identity'): DecodeTask => ({
        signal: 'traces',
        body,
        contentType: JSON_TYPE,
        coding,
        maxBodyBytes: 1 << 20,
      });
      const inWorker = await pool.decode(task(oneSpanJson()));
      expect(await inlinePool.decode(task(oneSpanJson()))).toEqual(inWorker);
      expect(await inlinePool.decode(task(zlib.gzipSync(oneSpanJson()), 'gzip'))).toEqual(inWorker);
      expect(inlinePool.stats).toMatchObject({ tasks: 2, inline: 2 });
      // A small gzip body that inflates past the inline bound is a worker's, with the request's limit.
      const bomb = zlib.gzipSync(emptyMessages(2 * 1024 * 1024));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const err = await rejection(inlinePool.decode({ ...task(bomb, 'gzip'), contentType: PROTO_TYPE }));
      expect(err.status).toBe(413);
      expect(err.message).toMatch(/decompressed request body exceeds/);
      expect(inlinePool.stats).toMatchObject({ tasks: 3, inline: 2 });
      // Bad bytes decoded inline are the same 400 as from a worker.
      const bad = await rejection(inlinePool.decode({ ...task(Buffer.from([0x0a, 0x05, 0x01])), contentType: PROTO_TYPE }));
      expect(bad.status).toBe(400);
    } finally {
      await inlinePool.close();
    }
  });
});
