/**
 * The typed validation step: a route declares its query (and path) schema; the request is parsed
 * once before the handler runs, a malformed one is a 400 naming the parameter, and the handler
 * receives the typed result.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { zodToHttpError } from './errors';

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: 'query' | 'path' | 'body'): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw zodToHttpError(r.error, where);
  return r.data;
}

/**
 * A GET handler with a validated query. A returned object is sent as JSON; returning undefined
 * means the handler answered itself (streams).
 */
export function withQuery<S extends z.ZodType>(
  schema: S,
  handler: (q: z.output<S>, req: Request, res: Response) => unknown,
): RequestHandler {
  return async (req, res) => {
    const q = parseWith(schema, req.query, 'query');
    const out = await handler(q, req, res);
    if (out !== undefined) res.json(out);
  };
}
