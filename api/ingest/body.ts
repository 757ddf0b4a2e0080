/**
 * Reading an OTLP/HTTP request body ourselves: the raw bytes within a size limit, then gzip
 * decompression within the same limit (so a small gzip bomb cannot expand into gigabytes, as the
 * OTLP spec requires: "including after decompression").
 */
import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { IngestError, badData } from './errors';

const gunzip = promisify(zlib.gunzip);

function tooLarge(maxBytes: number, what: string): IngestError {
  return new IngestError(413, `${what} exceeds the limit of ${maxBytes} bytes`);
}

/**
 * The request body as one Buffer. Rejects with 413 as soon as Content-Length or the bytes
 * received pass `maxBytes`; the rest of an oversize body is read and discarded so the 413 still
 * reaches the client.
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes, 'request body'));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      chunks.length = 0;
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge(maxBytes, 'request body'));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => fail(badData(`request body could not be read: ${err.message}`));
    const onClose = (): void => fail(badData('client closed the connection before the body was complete'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export type ContentCoding = 'identity' | 'gzip';

/** The Content-Encoding of a request, or null when it is one we do not decode. */
export function contentCodingOf(header: string | undefined): ContentCoding | null {
  const v = (header ?? '').trim().toLowerCase();
  if (v === '' || v === 'identity') return 'identity';
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  return null;
}

/** Decompresses a gzip body, stopping (413) as soon as the output would pass `maxBytes`. */
export async function decodeContent(raw: Buffer, coding: ContentCoding, maxBytes: number): Promise<Buffer> {
  if (coding === 'identity') return raw;
  try {
    return await gunzip(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes, 'decompressed request body');
    throw badData(`malformed gzip body: ${err instanceof Error ? err.message : String(err)}`);
  }
}
