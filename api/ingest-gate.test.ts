import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IngestGate } from './ingest-gate';

/** A real HTTP server: the gate, then a handler that holds each body until released. */
async function serve(gate: IngestGate) {
  const releases: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    gate.middleware(req, res, () => {
      if (gate.overloaded()) {
        res.statusCode = 503;
        res.setHeader('Retry-After', '1');
        res.end();
        req.resume();
        return;
      }
      req.resume();
      req.on('end', () => releases.push(() => res.end('ok')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, releases };
}

function send(url: string, path: string, bytes: number, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers: { 'Content-Length': String(bytes) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(Buffer.alloc(bytes));
  });
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('IngestGate', () => {
  it('admits up to the request bound, refuses the rest, and admits again as answers go out', async () => {
    const gate = new IngestGate({ maxInFlightRequests: 2 });
    const { server, url, releases } = await serve(gate);
    try {
      const a = send(url, '/v1/traces', 10);
      const b = send(url, '/v1/metrics', 10);
      await until(() => releases.length === 2);
      expect(await send(url, '/v1/traces', 10)).toBe(503);
      expect(gate.stats).toMatchObject({ inFlight: 2, refused: 1, requests: 3, peakInFlight: 2 });
      releases.splice(0).forEach((r) => r());
      expect(await Promise.all([a, b])).toEqual([200, 200]);
      await until(() => gate.stats.inFlight === 0);
      const c = send(url, '/v1/traces', 10);
      await until(() => releases.length === 1);
      releases.splice(0).forEach((r) => r());
      expect(await c).toBe(200);
      expect(gate.stats.inFlight).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('bounds declared bytes in flight, but always lets a lone request in', async () => {
    const gate = new IngestGate({ maxInFlightRequests: 10, maxInFlightBytes: 1000 });
    const { server, url, releases } = await serve(gate);
    try {
      const big = send(url, '/v1/traces', 5000);
      await until(() => releases.length === 1);
      expect(gate.stats.inFlightBytes).toBe(5000);
      expect(await send(url, '/v1/traces', 10)).toBe(503);
      releases.splice(0).forEach((r) => r());
      expect(await big).toBe(200);
      await until(() => gate.stats.inFlightBytes === 0);
      expect(gate.stats.peakInFlightBytes).toBe(5000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ignores everything but OTLP POSTs', async () => {
    const gate = new IngestGate({ maxInFlightRequests: 1 });
    const { server, url, releases } = await serve(gate);
    try {
      const held = send(url, '/api/v1/runs', 10);
      await until(() => releases.length === 1);
      expect(gate.stats).toMatchObject({ requests: 0, inFlight: 0 });
      releases.splice(0).forEach((r) => r());
      expect(await held).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
