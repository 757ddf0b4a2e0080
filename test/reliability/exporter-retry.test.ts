/**
 * Idempotent ingest with the official OTLP/HTTP exporters forced to retry (issue 14, item 1): a
 * loopback proxy in front of the real server forwards every export, lets the server commit it,
 * and then answers the exporter as a failing network would (503 + Retry-After, or a connection
 * cut before any answer, or the server SIGKILLed after its commit and restarted on the same file),
 * so the exporter sends the same spans again. Each span is stored once and the rollups count it once.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { count, integrity, kill, openRaw, removeDir, rollupsAgree, runSender, spansPerTrace, startServerChild, tempDir } from './helpers';

/**
 * 503: answered 503 + Retry-After; cut: the connection is cut before any answer; kill: the server
 * is SIGKILLed after its commit (before the exporter hears anything), a new one starts on the same
 * file, and the connection is cut.
 */
type Fault = '503' | 'cut' | 'kill';

/** Forwards to target; the first delivery of each body is committed upstream, then its answer is replaced by the fault. */
async function faultyProxy(
  initialTarget: string,
  fault: Fault,
  restart: () => Promise<string> = () => Promise.resolve(initialTarget),
  faults = Infinity,
): Promise<{ url: string; deliveries: Map<string, number>; faulted: () => number; close: () => Promise<void> }> {
  const deliveries = new Map<string, number>();
  let faulted = 0;
  let target = initialTarget;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const key = crypto.createHash('sha1').update(body).digest('hex');
      const seen = (deliveries.get(key) ?? 0) + 1;
      deliveries.set(key, seen);
      const headers = { ...req.headers, host: new URL(target).host };
      const up = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          if (seen === 1 && answer.statusCode === 200 && faulted < faults) {
            // Committed upstream; the exporter never learns it.
            faulted++;
            if (fault === 'kill') {
              void restart().then((next) => {
                target = next;
                req.socket.destroy();
              });
              return;
            }
            if (fault === 'cut') {
              req.socket.destroy();
              return;
            }
            res.writeHead(503, { 'Retry-After': '0', 'Content-Type': 'text/plain' });
            res.end('unavailable');
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(parts));
        });
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    faulted: () => faulted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('official OTLP exporters retrying exports the server already committed', () => {
  it.each([
    ['http/protobuf', '503'],
    ['http/json', '503'],
    ['http/protobuf', 'cut'],
  ] as const)('stores each span once (%s, answer replaced by %s)', async (protocol, fault) => {
    const dir = tempDir('genscope-retry-');
    const file = path.join(dir, 'retry.db');
    const { child, url } = await startServerChild(file);
    const proxy = await faultyProxy(url, fault);
    try {
      const spansPerBatch = 12;
      const batches = 20;
      const report = await runSender(proxy.url, { batches, spansPerBatch, concurrency: 2, protocol });
      const retried = [...proxy.deliveries.values()].filter((n) => n > 1).length;
      // Every export was committed once and then answered with the fault.
      expect(proxy.faulted()).toBe(batches);
      // The exporter retries a 503 and a cut connection itself: every export sent twice, acknowledged once.
      expect(report.failed).toEqual([]);
      expect(report.acknowledged.length).toBe(batches);
      expect(retried).toBe(batches);
      await kill(child);
      const db = openRaw(file);
      expect(integrity(db)).toBe('ok');
      const perTrace = spansPerTrace(db);
      // Committed once, delivered once or more: stored once either way.
      expect(perTrace.size).toBe(batches);
      expect([...perTrace.values()].filter((n) => n !== spansPerBatch)).toEqual([]);
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(batches * spansPerBatch);
      const r = rollupsAgree(db);
      expect(r.runs).toBe(batches);
      expect(r.runRollup).toBe(batches);
      expect(count(db, "SELECT coalesce(sum(count), 0) AS n FROM rollup_spans WHERE grain_s = 3600 AND stage = 'classify'")).toBe(batches * (spansPerBatch - 1));
      db.close();
    } finally {
      await proxy.close();
      await kill(child);
      removeDir(dir);
    }
  });
});

describe('an export replayed after a SIGKILL between commit and response', () => {
  it('is stored once by the restarted server (official protobuf exporter retrying)', async () => {
    const dir = tempDir('genscope-retry-kill-');
    const file = path.join(dir, 'kill.db');
    let current = await startServerChild(file);
    const kills = 3;
    const proxy = await faultyProxy(
      current.url,
      'kill',
      async () => {
        await kill(current.child);
        current = await startServerChild(file);
        return current.url;
      },
      kills,
    );
    try {
      const spansPerBatch = 12;
      const batches = 10;
      const report = await runSender(proxy.url, { batches, spansPerBatch, concurrency: 1, protocol: 'http/protobuf' });
      expect(proxy.faulted()).toBe(kills);
      expect(report.failed).toEqual([]);
      expect(report.acknowledged.length).toBe(batches);
      expect([...proxy.deliveries.values()].filter((n) => n > 1).length).toBe(kills);
      await kill(current.child);
      const db = openRaw(file);
      expect(integrity(db)).toBe('ok');
      const perTrace = spansPerTrace(db);
      expect(perTrace.size).toBe(batches);
      expect([...perTrace.values()].filter((n) => n !== spansPerBatch)).toEqual([]);
      const r = rollupsAgree(db);
      expect(r.runs).toBe(batches);
      expect(r.runRollup).toBe(batches);
      db.close();
    } finally {
      await proxy.close();
      await kill(current.child);
      removeDir(dir);
    }
  });
});
