/**
 * Records the OTLP/JSON requests each GenAI library really exports, as fixtures for the unit tests
 * of store/conventions (test/fixtures/genai/<library>.json). Re-run after upgrading one:
 *
 *   node -r ts-node/register/transpile-only test/interop/capture-genai-fixtures.ts [library...]
 *
 * A plain HTTP server on 127.0.0.1 stands in for genscope and keeps each request body exactly as
 * received; the senders are genai-client.ts child processes (the same ones the interop test runs).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { GENAI_LIBRARIES } from './genai-client';
import type { GenAiClientOutput, GenAiLibrary } from './genai-client';

const REPO = path.resolve(__dirname, '..', '..');
const OUT_DIR = path.join(REPO, 'test', 'fixtures', 'genai');

/** The packages whose output each fixture holds, with the installed versions. */
const PACKAGES: Record<GenAiLibrary, string[]> = {
  otel: ['openai', '@opentelemetry/instrumentation-openai'],
  openinference: ['openai', '@arizeai/openinference-instrumentation-openai'],
  openllmetry: ['openai', '@traceloop/instrumentation-openai'],
  vercel: ['ai', '@ai-sdk/openai'],
  langfuse: ['openai', '@langfuse/tracing', '@langfuse/otel'],
};

function versionOf(pkg: string): string {
  const file = path.join(REPO, 'node_modules', ...pkg.split('/'), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

async function capture(library: GenAiLibrary): Promise<void> {
  const bodies: Record<'traces' | 'metrics' | 'logs', unknown[]> = { traces: [], metrics: [], logs: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signal = (req.url ?? '').replace('/v1/', '') as keyof typeof bodies;
      if (signal in bodies) bodies[signal].push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'genai-client.ts'), library, url, '', 'json'],
      { cwd: REPO, timeout: 120_000 },
    );
    const out = JSON.parse(stdout) as GenAiClientOutput;
    const packages = Object.fromEntries(PACKAGES[library].map((p) => [p, versionOf(p)]));
    const fixture = { library, packages, served: out.served, ...bodies };
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, `${library}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
    process.stdout.write(
      `${library}: ${bodies.traces.length} trace, ${bodies.metrics.length} metric, ${bodies.logs.length} log requests\n`,
    );
  } finally {
    server.close();
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const libraries = asked.length > 0 ? GENAI_LIBRARIES.filter((l) => asked.includes(l)) : [...GENAI_LIBRARIES];
  for (const l of libraries) await capture(l);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
