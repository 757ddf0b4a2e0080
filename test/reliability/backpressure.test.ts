/**
 * Backpressure: when the writer falls behind, ingest answers 503 with Retry-After instead of
 * holding ever more request bodies in memory; the official OTLP exporter retries; nothing that
 * was acknowledged is lost; the server's memory stays under the documented bound.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { openDatabase } from '../../store';
import { createIngestRouter } from '../../api/ingest';
import { createApp } from '../../api';
import { SELF_METRIC } from '../../schema/names';
import { INGEST_RSS_BOUND_BYTES } from '../../bench/ingest-bench';
import {
  count,
  getJson,
  kill,
  openRaw,
  otlpJsonBatch,
  peakRssBytes,
  post,
  removeDir,
  startSender,
  spansPerTrace,
  startServerChild,
  tempDir,
} from './helpers';
import { StoreWriter } from '../../store';
import { IngestGate } from '../../api';
import type { SelfHealth } from '../../api';

const MIB = 1024 * 1024;
/** The documented memory bound of the server (see bench/ingest-bench.ts). */
const SERVER_RSS_BOUND_BYTES = INGEST_RSS_BOUND_BYTES;

describe('ingest backpressure', () => {
  it('answers 503 with Retry-After past its bound, before reading the body, and admits again once below', async () => {
    const db = openDatabase(':memory:');
    const writer = new StoreWriter(db);
    const gate = new IngestGate({ maxInFlightRequests: 2 });
    const ingest = createIngestRouter({ writer, onBackpressure: gate.overloaded, retryAfterSeconds: 1 });
    const app = createApp({ db, ingestRouter: express.Router().use(gate.middleware, ingest) });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const t0 = Date.now();
    try {
      // Two slow senders: headers and the first bytes of their bodies, then nothing for now.
      const held = [1, 2].map((b) => {
        const { body } = otlpJsonBatch(b, 10, t0);
        let finish: () => void = () => undefined;
        const answer = new Promise<number>((resolve, reject) => {
          const req = http.request(`${url}/v1/traces`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.write(body.subarray(0, 20));
          finish = () => req.end(body.subarray(20));
        });
        return { answer, finish: () => finish() };
      });
      for (let i = 0; i < 100 && gate.stats.inFlight < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(gate.stats.inFlight).toBe(2);

      // A third sender is refused at once, in its own encoding, with a retry hint.
      const third = otlpJsonBatch(3, 10, t0);
      const refused = await post(`${url}/v1/traces`, third.body, 'application/json');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ message: expect.stringMatching(/retry/) });
      expect(gate.stats).toMatchObject({ inFlight: 2, refused: 1, peakInFlight: 2 });

      // The held requests complete; the gate admits again.
      for (const h of held) h.finish();
      expect(await Promise.all(held.map((h) => h.answer))).toEqual([200, 200]);
      expect((await post(`${url}/v1/traces`, third.body, 'application/json')).status).toBe(200);
      expect(gate.stats.inFlight).toBe(0);
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(30);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps every acknowledged export when the store stalls; the official exporter retries through 503s', async () => {
    const dir = tempDir('genscope-bp-');
    const file = path.join(dir, 'bp.db');
    try {
      // Ingest writes retry a busy database for 500 ms, then answer 503 + Retry-After.
      const { child, url } = await startServerChild(file, {
        maxInFlightRequests: 4,
        selfMetricsIntervalMillis: 200,
        busyRetryMillis: 500,
      });
      // Another writer takes the database lock for two seconds: the server's writer falls behind.
      const locker = openRaw(file);
      const sender = startSender(url, { durationMillis: 4000, spansPerBatch: 100, concurrency: 8 });
      await sender.child.waitFor(/^sending$/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      locker.exec('BEGIN IMMEDIATE');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      locker.exec('COMMIT');
      const report = await sender.report;
      // A few self-metrics intervals, so the store's failure count is written (the metric deltas
      // of exports that failed during the stall are written with the next export).
      await new Promise((resolve) => setTimeout(resolve, 800));
      const health = await getJson<SelfHealth>(`${url}/api/v1/health/self`);
      const peak = peakRssBytes(child.proc.pid ?? -1);
      await kill(child);

      // Every export succeeded in the end: the stall was absorbed by 503 + retry.
      expect(report.failed).toEqual([]);
      expect(report.acknowledged.length).toBeGreaterThan(0);
      // Some requests were answered 503 (store busy or over the bound) and sent again.
      expect(health.ingest?.requests ?? 0).toBeGreaterThan(report.acknowledged.length);
      // The stall is visible: on the health endpoint and as a metric in genscope itself.
      expect(health.store?.busyRetries ?? 0).toBeGreaterThan(0);
      expect(health.writeQueue?.gaveUp ?? 0).toBeGreaterThan(0);
      expect(health.store?.failures ?? 0).toBeGreaterThan(0);
      expect(health.status).toBe('degraded');
      expect(health.ingest?.peakInFlight ?? 99).toBeLessThanOrEqual(4);
      const db = openRaw(file);
      const perTrace = spansPerTrace(db);
      expect(report.acknowledged.filter((t) => perTrace.get(t) !== 100)).toEqual([]);
      expect(count(db, 'SELECT coalesce(sum(value), 0) AS n FROM metric_points WHERE name = ?', SELF_METRIC.storeFailures)).toBe(
        health.store?.failures,
      );
      db.close();
      locker.close();
      if (peak !== null) expect(peak).toBeLessThan(SERVER_RSS_BOUND_BYTES);
    } finally {
      removeDir(dir);
    }
  });

  it('bounds the request bodies held in memory however many large requests arrive at once', async () => {
    const dir = tempDir('genscope-bp-mem-');
    const file = path.join(dir, 'mem.db');
    try {
      const maxInFlightBytes = 16 * MIB;
      const { child, url } = await startServerChild(file, { maxInFlightRequests: 64, maxInFlightBytes });
      // 24 senders at once, 4 MiB each (a span with an oversized attribute): 96 MiB offered.
      const big = 'x'.repeat(4 * MIB);
      const t0 = Date.now();
      const bodies = Array.from({ length: 24 }, (_, i) => {
        const request = JSON.parse(otlpJsonBatch(10_000 + i, 1, t0).body.toString('utf8')) as {
          resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[];
        };
        request.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes.push({ key: 'big', value: { stringValue: big } });
        return { traceId: otlpJsonBatch(10_000 + i, 1, t0).traceId, body: Buffer.from(JSON.stringify(request)) };
      });
      const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });
      const answers = await Promise.all(
        bodies.map((b) =>
          post(`${url}/v1/traces`, b.body, 'application/json', agent).then(
            (a) => ({ traceId: b.traceId, status: a.status, retryAfter: a.headers['retry-after'], body: a.body.toString('utf8') }),
            // A refused request may be cut off while its body is still being sent.
            (err: Error) => ({ traceId: b.traceId, status: -1, retryAfter: undefined, body: err.message }),
          ),
        ),
      );
      const health = await getJson<SelfHealth>(`${url}/api/v1/health/self`);
      const peak = peakRssBytes(child.proc.pid ?? -1);
      await kill(child);

      const statuses = new Set(answers.map((a) => a.status));
      expect([...statuses].filter((s) => s !== 200 && s !== 503 && s !== -1)).toEqual([]);
      expect(answers.some((a) => a.status === 503 && a.retryAfter === '1')).toBe(true);
      expect(health.ingest?.peakInFlightBytes ?? Infinity).toBeLessThanOrEqual(maxInFlightBytes);
      // Admitted oversized values are truncated and the truncation reported (partial success).
      const ok = answers.filter((a) => a.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      for (const a of ok) expect(a.body).toMatch(/truncat/i);
      const db = openRaw(file);
      const stored = spansPerTrace(db);
      expect(ok.filter((a) => stored.get(a.traceId) !== 1)).toEqual([]);
      const longest = Number(db.prepare('SELECT max(length(attributes)) FROM spans').pluck().get());
      expect(longest).toBeLessThan(64 * 1024);
      db.close();
      if (peak !== null) expect(peak).toBeLessThan(SERVER_RSS_BOUND_BYTES);
    } finally {
      removeDir(dir);
    }
  });
});
