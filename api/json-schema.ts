/** A zod schema as a JSON Schema (draft 2020-12) for the OpenAPI document, without `$schema`. */
import { z } from 'zod';

export function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const js = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete js.$schema;
  return js;
}
