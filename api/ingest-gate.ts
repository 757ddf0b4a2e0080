/**
 * Ingest backpressure: a bound on the OTLP requests the server holds at once. Ingest writes each
 * request synchronously into SQLite, so when the writer falls behind, what piles up is requests
 * in flight, each holding its body in memory. The gate counts them (and their declared bytes)
 * from arrival until the response is closed; over the bound, the ingest router answers 503 with
 * Retry-After (through its `onBackpressure` hook) before reading the body, and the sender's
 * OTLP exporter retries. Memory then stays near maxInFlightBytes (times the decoding overhead)
 * however many senders push at once.
 *
 * Mounting (api/ingest createIngestRouter), the gate right before the ingest router:
 *   const gate = new IngestGate({ maxInFlightRequests: 32 });
 *   const ingest = createIngestRouter({ writer, onBackpressure: gate.overloaded, retryAfterSeconds: 1 });
 *   const ingestRouter = express.Router().use(gate.middleware, ingest);
 *   createApp({ db, ingestRouter, ... })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface IngestGateOptions {
  /** OTLP requests held at once (reading, decoding or waiting for the writer). Default 32. */
  maxInFlightRequests?: number;
  /** Declared body bytes held at once. Default 64 MiB. One request alone is always let in. */
  maxInFlightBytes?: number;
  /** Bytes assumed for a request without Content-Length (chunked). Default 1 MiB. */
  unknownLengthBytes?: number;
}

export interface IngestGateStats {
  /** OTLP requests admitted and not yet answered. */
  inFlight: number;
  /** Their declared body bytes. */
  inFlightBytes: number;
  peakInFlight: number;
  peakInFlightBytes: number;
  /** OTLP requests seen since start. */
  requests: number;
  /** Requests answered 503 (busy) by the ingest router because the gate was over its bound. */
  refused: number;
}

const DEFAULT_MAX_IN_FLIGHT = 32;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_UNKNOWN_LENGTH = 1024 * 1024;

/**
 * The path as a router might see it: percent-decoded, lower case, repeated and trailing slashes
 * collapsed. The gate counts every request that could reach an OTLP route, however it is spelled
 * (the ingest router itself is strict and case-sensitive, so odd spellings get a 404 after).
 */
export function normalisedPath(url: string): string {
  const raw = url.split('?', 1)[0] ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Malformed escapes: judge the raw path.
  }
  return decoded.toLowerCase().replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** Every POST under /v1/ (traces, metrics, logs and any spelling of them). */
function isOtlpPost(req: IncomingMessage): boolean {
  if (req.method?.toUpperCase() !== 'POST') return false;
  return normalisedPath(req.url ?? '').startsWith('/v1/');
}

export class IngestGate {
  readonly stats: IngestGateStats = {
    inFlight: 0,
    inFlightBytes: 0,
    peakInFlight: 0,
    peakInFlightBytes: 0,
    requests: 0,
    refused: 0,
  };
  private readonly maxRequests: number;
  private readonly maxBytes: number;
  private readonly unknownLength: number;
  /** The decision for the request the middleware saw last, until the router asks for it. */
  private pendingRefusal = false;

  constructor(options: IngestGateOptions = {}) {
    this.maxRequests = Math.max(1, Math.floor(options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT));
    this.maxBytes = Math.max(1, Math.floor(options.maxInFlightBytes ?? DEFAULT_MAX_BYTES));
    this.unknownLength = Math.max(0, Math.floor(options.unknownLengthBytes ?? DEFAULT_UNKNOWN_LENGTH));
  }

  /** The configured bounds (reported on the health endpoint). */
  get bounds(): { maxInFlightRequests: number; maxInFlightBytes: number } {
    return { maxInFlightRequests: this.maxRequests, maxInFlightBytes: this.maxBytes };
  }

  /**
   * Connect/Express middleware, mounted right before the ingest router. Decides whether an OTLP
   * POST fits (a lone request always does, so a body larger than maxInFlightBytes is not refused
   * forever); an admitted request is counted until its response is closed (sent, failed, or the
   * client went away). A refused one is not counted: the router answers it 503 without reading
   * its body.
   */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (!isOtlpPost(req)) {
      next();
      return;
    }
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isFinite(declared) && declared >= 0 ? declared : this.unknownLength;
    const s = this.stats;
    s.requests++;
    const fits = s.inFlight === 0 || (s.inFlight < this.maxRequests && s.inFlightBytes + bytes <= this.maxBytes);
    this.pendingRefusal = !fits;
    if (fits) {
      s.inFlight++;
      s.inFlightBytes += bytes;
      if (s.inFlight > s.peakInFlight) s.peakInFlight = s.inFlight;
      if (s.inFlightBytes > s.peakInFlightBytes) s.peakInFlightBytes = s.inFlightBytes;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        s.inFlight--;
        s.inFlightBytes -= bytes;
      };
      res.once('close', release);
      res.once('finish', release);
    }
    next();
  };

  /**
   * For createIngestRouter's onBackpressure: true when the request the middleware just saw does
   * not fit. Express runs the middleware and the router's handler for one request in the same
   * turn of the event loop (the handler asks before its first await), so the answer belongs to
   * that request; it is consumed by the asking.
   */
  readonly overloaded = (): boolean => {
    const refuse = this.pendingRefusal;
    this.pendingRefusal = false;
    if (refuse) this.stats.refused++;
    return refuse;
  };
}
