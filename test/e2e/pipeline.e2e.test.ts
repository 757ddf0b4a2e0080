/**
 * End to end, as a user runs it: the built CLI (`genscope pipeline run`) in a child process, a
 * real SQLite file, and the official OTLP exporters configured only through the standard
 * OTEL_* environment variables, sending to a real HTTP server on loopback.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeTraceRequest } from '../../api/ingest';
import { createPriceBook } from '../../exporter';
import { openDatabase } from '../../store';
import { METRIC, SCORE } from '../../schema/names';
import type { SpanRecord } from '../../schema/records';
import { runCli } from './run-cli';

const run = runCli;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-e2e-'));
}

describe('genscope pipeline run (built CLI)', () => {
  it('writes spans, scores, model calls, metric points and the benchmark run, with costs from the price data', async () => {
    const db = path.join(tempDir(), 'run.db');
    const result = await run(['pipeline', 'run', '--db', db, '--latency-scale', '0']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SIMULATED/);

    const conn = openDatabase(db);
    const count = (sql: string, ...params: unknown[]) => (conn.prepare(sql).get(...params) as { n: number }).n;
    const components = count("SELECT count(*) AS n FROM span_view WHERE role = 'run'");
    expect(components).toBeGreaterThanOrEqual(48);
    for (const stage of ['classify', 'map', 'generate']) {
      expect(count("SELECT count(*) AS n FROM span_view WHERE role = 'stage' AND stage = ?", stage)).toBe(components);
    }
    // A run whose generation failed (the simulated model refuses some components) stops there.
    const failed = count("SELECT count(*) AS n FROM span_view WHERE role = 'run' AND status_code = 2");
    expect(count("SELECT count(*) AS n FROM span_view WHERE role = 'stage' AND stage = 'generate' AND status_code = 2")).toBe(failed);
    expect(count("SELECT count(*) AS n FROM span_view WHERE role = 'stage' AND stage = 'validate'")).toBe(components - failed);
    expect(count('SELECT count(DISTINCT component_type) AS n FROM span_view WHERE role = ?', 'run')).toBeGreaterThanOrEqual(8);
    for (const name of Object.values(SCORE)) {
      expect(count('SELECT count(*) AS n FROM score_view WHERE name = ?', name)).toBeGreaterThan(0);
    }
    // Classification is a real measurement: it is checked against the label, not assumed.
    const accuracy = conn.prepare("SELECT avg(value) AS a FROM score_view WHERE name = 'classification.accuracy'").get() as {
      a: number;
    };
    expect(accuracy.a).toBeGreaterThan(0.5);
    expect(accuracy.a).toBeLessThan(1);

    const bench = conn.prepare('SELECT id, components, duration_ns, simulated FROM benchmark_runs').all() as {
      id: string;
      components: number;
      duration_ns: number;
      simulated: number;
    }[];
    expect(bench).toHaveLength(1);
    expect(bench[0]?.components).toBe(components);
    expect(bench[0]?.duration_ns).toBeGreaterThan(0);
    expect(bench[0]?.simulated).toBe(1);
    expect(count('SELECT count(*) AS n FROM span_view WHERE role = ? AND benchmark_run_id = ?', 'run', bench[0]?.id)).toBe(
      components,
    );

    // Every model call's cost equals the price dataset's cost of its tokens.
    const prices = createPriceBook();
    const calls = conn
      .prepare(
        'SELECT provider, response_model, input_tokens, output_tokens, cached_tokens, cost_usd, time_ns / 1000000 AS ms FROM model_call_view',
      )
      .all() as {
      provider: string;
      response_model: string;
      input_tokens: number;
      output_tokens: number;
      cached_tokens: number;
      cost_usd: number;
      ms: number;
    }[];
    expect(calls.filter((c) => c.response_model === 'gpt-4o-mini').length).toBeGreaterThan(0);
    for (const c of calls) {
      const expected = prices.costUsd({
        provider: c.provider,
        model: c.response_model,
        inputTokens: c.input_tokens,
        outputTokens: c.output_tokens,
        cachedInputTokens: c.cached_tokens,
        atMillis: c.ms,
      });
      expect(expected).not.toBeNull();
      expect(c.cost_usd).toBeCloseTo(expected ?? NaN, 12);
      expect(c.input_tokens).toBeGreaterThan(0);
    }
    const runCost = conn.prepare("SELECT sum(cost_usd) AS s FROM span_view WHERE role = 'run'").get() as { s: number };
    const callCost = conn.prepare('SELECT sum(cost_usd) AS s FROM model_call_view').get() as { s: number };
    expect(runCost.s).toBeCloseTo(callCost.s, 10);

    const metricNames = (conn.prepare('SELECT DISTINCT name FROM metric_points').all() as { name: string }[]).map((r) => r.name);
    expect(metricNames).toEqual(
      expect.arrayContaining([
        METRIC.stageDuration,
        METRIC.runDuration,
        METRIC.genAiOperationDuration,
        METRIC.genAiTokenUsage,
        METRIC.qualityScore,
        METRIC.costUsd,
        METRIC.cacheRequests,
      ]),
    );
    conn.close();
  });

  it('sends the same spans over OTLP, configured only by OTEL_* variables, while SQLite has them too', async () => {
    const arrived: SpanRecord[] = [];
    const contentTypes = new Set<string>();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
        const type = String(req.headers['content-type']);
        contentTypes.add(type);
        if (req.url === '/v1/traces') arrived.push(...decodeTraceRequest(body, type).spans);
        res.writeHead(200, { 'content-type': type });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const db = path.join(tempDir(), 'otlp.db');
      const result = await run(['pipeline', 'run', '--db', db, '--latency-scale', '0'], {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'e2e-pipeline',
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/sent over OTLP: traces to \S+ \(http\/protobuf\)/);
      expect(contentTypes).toEqual(new Set(['application/x-protobuf']));

      const conn = openDatabase(db);
      const stored = conn.prepare('SELECT span_id, name FROM span_view').all() as { span_id: string; name: string }[];
      conn.close();
      expect(stored.length).toBeGreaterThan(200);
      expect(arrived.length).toBe(stored.length);
      expect(new Set(arrived.map((s) => s.spanId))).toEqual(new Set(stored.map((s) => s.span_id)));
      expect(arrived.every((s) => s.resource['service.name'] === 'e2e-pipeline')).toBe(true);
      const chat = arrived.find((s) => s.attributes['gen_ai.operation.name'] === 'chat');
      expect(chat?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('explains an unwritable database path, a malformed corpus and an unknown model', async () => {
    const dir = tempDir();
    const ro = path.join(dir, 'readonly');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o500);
    // root ignores directory permissions; a path under a regular file is unwritable for anyone.
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, 'x');
    const unwritable = await run(['pipeline', 'run', '--db', path.join(blocker, 'x.db'), '--latency-scale', '0']);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/cannot write the database at .*--db PATH or GENSCOPE_DB/);

    const corpus = path.join(dir, 'corpus.json');
    fs.writeFileSync(corpus, JSON.stringify({ version: 1, components: [{ id: 'x', label: 'button' }] }));
    const malformed = await run(['pipeline', 'run', '--db', path.join(dir, 'a.db'), '--corpus', corpus]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/corpus\.json/);
    expect(malformed.stderr).toMatch(/components\[0\]/);

    const unknown = await run(['pipeline', 'run', '--db', path.join(dir, 'b.db'), '--model', 'gpt-99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown simulated model "gpt-99".*gpt-4o-mini/);

    const badFlag = await run(['pipeline', 'run', '--latency-scale', 'fast']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--latency-scale must be a number/);
  });
});
