/**
 * The store's one error for a query it cannot answer as asked (an empty window, a cursor it did not
 * issue, a run it does not hold). It carries the HTTP-shaped fields the API answers with, so api/
 * turns it into a 400 or 404 without the store knowing about HTTP.
 */
import type { ErrorCode } from '../schema/api';

export class QueryError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}
