/**
 * `genscope export`: spans, runs, scores or model calls as CSV, JSON or NDJSON, to a file or
 * stdout. It streams through the REST API's own export endpoint (the app runs in this process
 * on a loopback port), so the filters, validation and columns are exactly the API's.
 */
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { startServer } from '../api';
import { openDatabase } from '../store';
import { dbPath, parse, UsageError, write } from './args';
import type { Io } from './args';

const DATASETS = ['spans', 'runs', 'scores', 'model-calls'] as const;
const FORMATS = ['csv', 'json', 'ndjson'] as const;

const HELP = `Usage: genscope export <${DATASETS.join('|')}> [--format csv|json|ndjson] [--out FILE] [filters]

Streams stored rows (bounded memory at any size) with the same filters as the API:
  --range P            a preset window ending now: 1h, 24h, 7d, 30d, 90d, ... (default 24h)
  --from T --to T      an explicit window: ISO 8601 or epoch ms
  --component-type T   --model M   --stage S   (repeatable, or comma-separated)
  --benchmark-run ID   --limit N
  --format F           csv (default), json (an array) or ndjson
  --out FILE           write to FILE instead of standard output
`;

export async function runExport(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      range: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'component-type': { type: 'string', multiple: true },
      model: { type: 'string', multiple: true },
      stage: { type: 'string', multiple: true },
      'benchmark-run': { type: 'string' },
      limit: { type: 'string' },
    },
    'export',
  );
  if (values.help) {
    write(io.stdout, HELP);
    return 0;
  }
  const dataset = positionals[0];
  if (!dataset || !(DATASETS as readonly string[]).includes(dataset))
    throw new UsageError(`name what to export: one of ${DATASETS.join(', ')} (e.g. genscope export spans --format csv)`);
  const format = values.format ?? 'csv';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);

  const params = new URLSearchParams();
  for (const [flag, param] of [
    ['range', 'range'],
    ['from', 'from'],
    ['to', 'to'],
    ['benchmark-run', 'benchmarkRun'],
    ['limit', 'limit'],
  ] as const) {
    const v = values[flag];
    if (v !== undefined) params.set(param, v);
  }
  for (const [flag, param] of [
    ['component-type', 'componentType'],
    ['model', 'model'],
    ['stage', 'stage'],
  ] as const) {
    for (const v of values[flag] ?? []) params.append(param, v);
  }

  const file = dbPath(values.db, io.env);
  if (!fs.existsSync(file)) throw new UsageError(`no database at ${file}; give --db PATH or set GENSCOPE_DB`);
  const db = openDatabase(file);
  const server = await startServer({ db, host: '127.0.0.1', port: 0 });
  try {
    const url = `${server.url}/api/v1/export/${dataset}.${format}?${params.toString()}`;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, resolve).on('error', reject);
    });
    if (response.statusCode !== 200) {
      let body = '';
      for await (const chunk of response) body += String(chunk);
      let message = body;
      try {
        message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
      } catch {
        // not JSON: show as is
      }
      throw new UsageError(message);
    }
    const out = values.out ? fs.createWriteStream(values.out) : io.stdout;
    await pipeline(response, out, { end: Boolean(values.out) });
    if (values.out) write(io.stderr, `exported ${dataset} (${format}) to ${values.out}`);
    return 0;
  } finally {
    await server.close();
    db.close();
  }
}
