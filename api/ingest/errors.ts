/**
 * The one error type of ingest: an HTTP status and a developer-facing message. The router turns
 * it into a google.rpc.Status body in the request's encoding, as OTLP/HTTP asks.
 */
export class IngestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** 400: the body cannot be decoded or is not an OTLP request at all (the client must not retry). */
export function badData(message: string): IngestError {
  return new IngestError(400, message);
}
