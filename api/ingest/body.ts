/**
 * Reading an OTLP/HTTP request body ourselves: the raw bytes within a size limit. Decompression,
 * within the same limit (so a small gzip bomb cannot expand into gigabytes, as the OTLP spec
 * requires: "including after decompression"), happens with decoding (decode-task.ts).
 */
import type { IncomingMessage } from 'node:http';
import { IngestError, badData } from './errors';

/** First reservation for a body of unknown length (it doubles from there as bytes arrive). */
const UNKNOWN_LENGTH_START = 64 * 1024;

function tooLarge(maxBytes: number, what: string): IngestError {
  return new IngestError(413, `${what} exceeds the limit of ${maxBytes} bytes`);
}

/**
 * The request body as one Buffer. Rejects with 413 as soon as Content-Length or the bytes
 * received pass `maxBytes`; the rest of an oversize body is read and discarded so the 413 still
 * reaches the client.
 *
 * Chunks are copied into one buffer as they arrive instead of one Buffer.concat at the end, which
 * for a 16 MiB body blocked the event loop for 250-400 ms on a loaded machine. The buffer is sized
 * by Content-Length; without one (the official OTLP exporters stream their bodies chunked), it
 * starts at 64 KiB and doubles as needed, up to `maxBytes`: reserving `maxBytes` per request made
 * every body count as 16 MiB of external memory for V8, which then collected garbage every few
 * requests. The result never shares memory with other Buffers (no pool), so it can be moved to a
 * worker thread.
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes, 'request body'));
  }
  const known = Number.isFinite(declared) && declared >= 0;
  return new Promise<Buffer>((resolve, reject) => {
    let target: Buffer | null = null;
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
      target = null;
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > maxBytes || (known && size + chunk.length > declared)) {
        fail(tooLarge(maxBytes, 'request body'));
        return;
      }
      const needed = size + chunk.length;
      if (target === null || needed > target.length) {
        const grown = Buffer.allocUnsafeSlow(known ? declared : Math.min(maxBytes, Math.max(UNKNOWN_LENGTH_START, needed, 2 * (target?.length ?? 0))));
        if (target !== null) target.copy(grown, 0, 0, size);
        target = grown;
      }
      chunk.copy(target, size);
      size += chunk.length;
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(target ? target.subarray(0, size) : Buffer.allocUnsafeSlow(0));
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
