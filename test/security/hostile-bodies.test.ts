/**
 * Decode amplification against the production server assembly (a child process from dist/):
 * 16 KB gzip bodies that expand to 16 MiB of `0a 00` (eight million empty protobuf messages) and
 * 16.5 MB JSON bodies of `{},`, four of each at once. Every one is refused (413, or 503 from the
 * gate), nothing is stored, health keeps answering, a normal batch is accepted afterwards and the
 * server's peak RSS stays under the documented 512 MiB. Health latency is printed, not asserted.
 */
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { count, kill, openRaw, otlpJsonBatch, peakRssBytes, post, removeDir, startServerChild, tempDir } from '../reliability/helpers';
import type { Child } from '../reliability/helpers';

const MIB = 1024 * 1024;

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

function postGzip(url: string, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile bodies against a running server', () => {
  let dir: string;
  let server: { child: Child; url: string };

  beforeAll(async () => {
    dir = tempDir('genscope-hostile-');
    server = await startServerChild(path.join(dir, 'hostile.db'));
  });

  afterAll(async () => {
    await kill(server.child);
    removeDir(dir);
  });

  it('refuses gzip bombs and JSON floods while health keeps answering, within 512 MiB', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(16 * MIB, Buffer.from([0x0a, 0x00])), { level: 9 });
    const flood = Buffer.from(`{"resourceSpans":[${'{},'.repeat(5_500_000)}{}]}`);
    expect(bomb.length).toBeLessThan(32 * 1024);

    const latencies: number[] = [];
    const healthStatuses: number[] = [];
    let attacking = true;
    const probe = (async () => {
      while (attacking) {
        const t0 = performance.now();
        healthStatuses.push(await getStatus(`${server.url}/api/v1/health`));
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const attacks = [
      ...Array.from({ length: 4 }, () => postGzip(`${server.url}/v1/traces`, bomb, 'application/x-protobuf')),
      ...Array.from({ length: 4 }, () => postGzip(`${server.url}/v1/metrics`, bomb, 'application/x-protobuf')),
      ...Array.from({ length: 4 }, () => post(`${server.url}/v1/traces`, flood, 'application/json').then((a) => a.status)),
    ];
    const statuses = await Promise.all(attacks);
    attacking = false;
    await probe;

    for (const s of statuses) expect([413, 503]).toContain(s);
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThan(0);
    expect(healthStatuses.length).toBeGreaterThan(0);
    expect(healthStatuses.every((s) => s === 200)).toBe(true);

    const ok = otlpJsonBatch(1, 5, Date.now() - 60_000, 'after-attack');
    expect((await post(`${server.url}/v1/traces`, ok.body, 'application/json')).status).toBe(200);

    const peak = peakRssBytes(server.child.proc.pid ?? 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    console.log(
      `hostile bodies: ${statuses.length} attacks -> ${statuses.join(',')}; health during the attack: ` +
        `${latencies.length} probes, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms; ` +
        `server peak RSS ${peak === null ? 'unknown' : `${(peak / MIB).toFixed(0)} MiB`}`,
    );
    if (peak !== null) expect(peak).toBeLessThanOrEqual(512 * MIB);

    const db = openRaw(path.join(dir, 'hostile.db'));
    try {
      expect(count(db, 'SELECT count(*) AS n FROM span_view')).toBe(5);
    } finally {
      db.close();
    }
  });
});
