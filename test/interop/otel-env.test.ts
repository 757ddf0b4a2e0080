/**
 * The standard OTEL_* variables, each tried the way a user sets them: startTelemetry({ env }) in
 * its own process (see telemetry-child.ts) exporting through the official OTLP export path to a
 * loopback receiver that records every request (path, headers, decoded body).
 *
 * The child's own process environment carries a decoy endpoint and header; nothing of it may
 * reach the wire, since startTelemetry({ env }) reads only the env it is given.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeMetricsRequest, decodeTraceRequest } from '../../api/ingest';
import { openDatabase } from '../../store';
import type { ChildOutput } from './telemetry-child';

const REPO = path.resolve(__dirname, '..', '..');

interface Received {
  path: string;
  atMs: number;
  headers: http.IncomingHttpHeaders;
  contentType: string;
  /** Decompressed body. */
  body: Buffer;
}

let server: http.Server;
let base: string;
let received: Received[];

beforeEach(async () => {
  received = [];
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
      const contentType = req.headers['content-type'] ?? '';
      received.push({ path: req.url ?? '', atMs: Date.now(), headers: req.headers, contentType, body });
      res.writeHead(200, { 'content-type': contentType.startsWith('application/json') ? 'application/json' : 'application/x-protobuf' });
      res.end(contentType.startsWith('application/json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function child(env: Record<string, string>, components = 3, waitMillis = 0): Promise<{ out: ChildOutput; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'telemetry-child.ts'), JSON.stringify(env), String(components), String(waitMillis)],
      {
        cwd: REPO,
        timeout: 60_000,
        // The decoys: read by the official exporter classes, never by startTelemetry({ env }).
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-decoy=from-process-env',
          OTEL_SERVICE_NAME: 'decoy-service',
        },
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        resolve({ out: JSON.parse(last) as ChildOutput, stdout, stderr });
      },
    );
  });
}

const traces = () => received.filter((r) => r.path.endsWith('traces'));
const metrics = () => received.filter((r) => r.path.endsWith('metrics'));

function spansOf(r: Received) {
  return decodeTraceRequest(r.body, r.contentType).spans;
}

describe('OTEL_* configuration against a loopback OTLP receiver', () => {
  it('base endpoint: both signals, /v1/* appended, protobuf by default, headers, gzip, resource from OTEL_RESOURCE_ATTRIBUTES', async () => {
    const { out } = await child({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken,x-team=ui',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment.name=ci',
    });
    expect(out.otlp).toEqual({
      traces: { url: `${base}/v1/traces`, protocol: 'http/protobuf' },
      metrics: { url: `${base}/v1/metrics`, protocol: 'http/protobuf' },
    });
    expect(new Set(received.map((r) => r.path))).toEqual(new Set(['/v1/traces', '/v1/metrics']));
    for (const r of received) {
      expect(r.contentType).toBe('application/x-protobuf');
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(r.headers.authorization).toBe('Bearer t0ken');
      expect(r.headers['x-team']).toBe('ui');
      expect(r.headers['x-decoy']).toBeUndefined();
    }
    const spans = traces().flatMap(spansOf);
    // 3 runs x (run, stage, model call)
    expect(spans).toHaveLength(9);
    for (const s of spans) {
      expect(s.resource['service.name']).toBe('from-attributes');
      expect(s.resource['deployment.environment.name']).toBe('ci');
    }
    const points = metrics().flatMap((r) => decodeMetricsRequest(r.body, r.contentType).points);
    expect(points.some((p) => p.name === 'gen_ai.client.operation.duration')).toBe(true);
  });

  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', async () => {
    await child({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`,
      OTEL_SERVICE_NAME: 'named-service',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes',
    });
    const spans = traces().flatMap(spansOf);
    expect(spans.length).toBeGreaterThan(0);
    expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(new Set(['named-service']));
  });

  it('a traces-only endpoint is used as it is and starts no metric exporter', async () => {
    const { out } = await child({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/custom/spans-in` });
    expect(out.otlp).toEqual({ traces: { url: `${base}/custom/spans-in`, protocol: 'http/protobuf' }, metrics: null });
    expect(received.map((r) => r.path)).toEqual(expect.arrayContaining(['/custom/spans-in']));
    expect(new Set(received.map((r) => r.path))).toEqual(new Set(['/custom/spans-in']));
  });

  it('a metrics-only endpoint forwards metrics and no spans, with its own protocol', async () => {
    const { out } = await child({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${base}/m`,
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-signal=metrics',
    });
    expect(out.otlp).toEqual({ traces: null, metrics: { url: `${base}/m`, protocol: 'http/json' } });
    expect(received.length).toBeGreaterThan(0);
    for (const r of received) {
      expect(r.path).toBe('/m');
      expect(r.contentType).toBe('application/json');
      expect(r.headers['x-signal']).toBe('metrics');
    }
    expect(decodeMetricsRequest(received[0]?.body ?? Buffer.alloc(0), 'application/json').points.length).toBeGreaterThan(0);
  });

  it('per-signal protocols: traces as JSON, metrics as protobuf', async () => {
    await child({ OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    expect(traces().length).toBeGreaterThan(0);
    expect(metrics().length).toBeGreaterThan(0);
    for (const r of traces()) expect(r.contentType).toBe('application/json');
    for (const r of metrics()) expect(r.contentType).toBe('application/x-protobuf');
    expect(traces().flatMap(spansOf)).toHaveLength(9);
  });

  it('OTEL_TRACES_EXPORTER=none and OTEL_METRICS_EXPORTER=otlp', async () => {
    const { out } = await child({ OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'otlp' });
    expect(out.otlp?.traces).toBeNull();
    expect(traces()).toHaveLength(0);
    expect(metrics().length).toBeGreaterThan(0);
  });

  it('OTEL_TRACES_EXPORTER=console,otlp prints spans and sends them', async () => {
    const { stdout } = await child({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`, OTEL_TRACES_EXPORTER: 'console,otlp' }, 1);
    expect(stdout).toMatch(/name: 'genscope\.run'/);
    expect(traces().flatMap(spansOf)).toHaveLength(3);
  });

  it('OTEL_SDK_DISABLED=true: nothing is sent and no database is opened', async () => {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-otel-')), 'x.db');
    const { out } = await child({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: base, GENSCOPE_DB: db });
    expect(out).toMatchObject({ disabled: true, otlp: null, dbPath: null });
    expect(received).toHaveLength(0);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('OTEL_TRACES_SAMPLER=always_off records no span, in SQLite or over OTLP', async () => {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-otel-')), 'x.db');
    await child({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_EXPORTER_OTLP_ENDPOINT: base, GENSCOPE_DB: db });
    expect(traces()).toHaveLength(0);
    const conn = openDatabase(db);
    expect(conn.prepare('SELECT count(*) FROM span_view').pluck().get()).toBe(0);
    conn.close();
  });

  it('OTEL_BSP_MAX_EXPORT_BATCH_SIZE bounds the spans per request', async () => {
    await child({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4' }, 4);
    const sizes = traces().map((r) => spansOf(r).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('OTEL_BSP_SCHEDULE_DELAY and OTEL_METRIC_EXPORT_INTERVAL export before shutdown', async () => {
    const { out } = await child(
      { OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '100' },
      1,
      3000,
    );
    // With the defaults (5 s, 60 s) both would arrive only with the shutdown flush.
    expect(traces().some((r) => r.atMs < out.shutdownAtMs)).toBe(true);
    expect(metrics().some((r) => r.atMs < out.shutdownAtMs)).toBe(true);
  });

  it('an unsupported protocol fails at start with the variable named', async () => {
    await expect(child({ OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).rejects.toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc" is not supported/,
    );
  });
});
