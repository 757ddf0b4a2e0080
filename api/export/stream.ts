/**
 * Writing an export to the response: CSV (a csv-stringify stream piped to the response), a
 * streamed JSON array, or NDJSON. Respects backpressure (stream piping for CSV; waiting for
 * 'drain' for JSON) and stops as soon as the client goes away, so memory stays bounded whatever
 * the row count.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import type { ExportRow, ExportValue } from '../../store';

export type StreamFormat = 'csv' | 'json' | 'ndjson';

export const CONTENT_TYPES: Record<StreamFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Resolves when the response can take more data; false when the client has gone. */
function drained(res: Response): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Writes a piece; waits for drain when the buffer is full. False when the client has gone. */
async function write(res: Response, s: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (s.length === 0) return true;
  if (res.write(s)) return true;
  return drained(res);
}

function jsonRow(r: ExportRow, keys: readonly string[], isJson: readonly boolean[]): string {
  // JSON-text columns are embedded as they are (the writer stored them with JSON.stringify),
  // saving a parse and re-serialisation per row.
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v: ExportValue | undefined = r[i];
    const text = v === undefined || v === null ? 'null' : isJson[i] && typeof v === 'string' ? v : JSON.stringify(v);
    out += `${i > 0 ? ',' : ''}${keys[i] ?? ''}:${text}`;
  }
  return `${out}}`;
}

/** Text a spreadsheet would run as a formula (OWASP's CSV-injection list), tab and CR included. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV text cell made inert: a leading ' is added to text starting with = + - @ tab or CR, so
 * Excel, LibreOffice and Sheets show it as text. Numbers are typed cells and stay as they are;
 * the JSON and NDJSON exports are never altered.
 */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * CSV through one csv-stringify stream per export: rows are pulled from the chunk generator only
 * as fast as the socket drains (stream backpressure), and the stringifier is set up once (calling
 * its sync API per chunk or per row made the export GC-bound).
 */
async function streamCsv(res: Response, chunks: Iterable<ExportRow[]> | AsyncIterable<ExportRow[]>, columns: readonly string[]): Promise<number> {
  let n = 0;
  async function* rows(): AsyncGenerator<ExportRow> {
    for await (const chunk of chunks) {
      for (const r of chunk) {
        n++;
        yield r;
      }
    }
  }
  const csv = stringify({
    header: true,
    columns: [...columns],
    cast: { boolean: (b) => (b ? 'true' : 'false'), string: neutraliseCell },
  });
  try {
    await pipeline(Readable.from(rows(), { objectMode: true, highWaterMark: 512 }), csv, res);
  } catch (err) {
    // The client went away: nothing to answer. Anything else is a real failure.
    if (!res.destroyed && (err as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
  return n;
}

export interface StreamOptions {
  format: StreamFormat;
  columns: readonly string[];
  jsonColumns?: readonly string[];
  filename: string;
  headers?: Record<string, string>;
}

/** Streams row chunks (arrays in `columns` order) in the chosen format. Returns the number of rows written. */
export async function streamRows(res: Response, source: Iterable<ExportRow[]> | AsyncIterable<ExportRow[]>, o: StreamOptions): Promise<number> {
  // The first chunk is read before anything is sent, so a store that cannot answer (a damaged
  // file, a failing disk) is still a clean error status rather than a cut 200.
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
    | Iterator<ExportRow[]>
    | AsyncIterator<ExportRow[]>;
  const first = await it.next();
  async function* chained(): AsyncGenerator<ExportRow[]> {
    let done = first.done === true;
    try {
      if (done) return;
      yield first.value;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      done = true;
    } finally {
      // A client that went away ends the source too (an open statement would hold the connection).
      if (!done) await it.return?.();
    }
  }
  const chunks = chained();
  res.status(200);
  res.setHeader('Content-Type', CONTENT_TYPES[o.format]);
  res.setHeader('Content-Disposition', `attachment; filename="${o.filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(o.headers ?? {})) res.setHeader(k, v);
  if (o.format === 'csv') return streamCsv(res, chunks, o.columns);
  const jsonColumns = o.jsonColumns ?? [];
  const keys = o.columns.map((c) => JSON.stringify(c));
  const isJson = o.columns.map((c) => jsonColumns.includes(c));
  let n = 0;
  let ok = true;
  if (o.format === 'json') ok = await write(res, '[');
  for await (const rows of chunks) {
    if (!ok) break;
    let s: string;
    if (o.format === 'json') {
      s = rows.map((r, i) => (n + i > 0 ? ',\n' : '\n') + jsonRow(r, keys, isJson)).join('');
    } else {
      s = rows.map((r) => `${jsonRow(r, keys, isJson)}\n`).join('');
    }
    n += rows.length;
    ok = await write(res, s);
  }
  if (ok && o.format === 'json') ok = await write(res, n > 0 ? '\n]\n' : ']\n');
  if (!res.destroyed) res.end();
  return n;
}
