/**
 * The bundled labelled corpus and the component-library catalogue: zod schemas and loaders. A
 * malformed file fails on load with one message naming the file, the item and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Catalog, CatalogEntry, ComponentSpec, Corpus, DesignNode } from './types';
import { COMPONENT_TYPES } from './types';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a #rrggbb colour');
const pixels = z.number().finite().min(0).max(4096);

export const designNodeSchema: z.ZodType<DesignNode> = z.lazy(() =>
  z
    .object({
      name: z.string().min(1),
      kind: z.enum(['frame', 'text']),
      x: z.number().finite(),
      y: z.number().finite(),
      width: pixels,
      height: pixels,
      fill: hexColor.optional(),
      stroke: hexColor.optional(),
      strokeWidth: z.number().finite().min(0).max(64).optional(),
      radius: z.number().finite().min(0).optional(),
      text: z.string().optional(),
      color: hexColor.optional(),
      fontSize: z.number().finite().min(1).max(200).optional(),
      fontWeight: z.enum(['normal', 'bold']).optional(),
      align: z.enum(['start', 'center']).optional(),
      children: z.array(designNodeSchema).optional(),
    })
    .strict()
    .refine((n) => n.kind !== 'text' || typeof n.text === 'string', {
      message: 'a text node needs a "text" field',
      path: ['text'],
    }),
);

export const componentSpecSchema: z.ZodType<ComponentSpec> = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase id (letters, digits, dashes)'),
    label: z.enum(COMPONENT_TYPES),
    name: z.string().min(1),
    description: z.string().min(1),
    tokens: z.array(z.string().min(1)),
    design: designNodeSchema,
  })
  .strict();

const corpusSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    components: z.array(componentSpecSchema).min(1),
  })
  .strict();

export const catalogEntrySchema: z.ZodType<CatalogEntry> = z
  .object({
    id: z.string().min(1),
    type: z.enum(COMPONENT_TYPES),
    name: z.string().min(1),
    description: z.string().min(1),
    keywords: z.array(z.string().min(1)),
    element: z.string().regex(/^[a-z][a-z0-9]*$/, 'expected a lowercase HTML element name'),
    attributes: z.record(z.string(), z.string()),
  })
  .strict();

const catalogSchema = z
  .object({
    library: z.string().min(1),
    version: z.string().min(1),
    description: z.string().optional(),
    entries: z.array(catalogEntrySchema).min(1),
  })
  .strict();

/** Candidate folders for bundled data: beside the sources, or from dist/ back to the sources (tsc does not copy JSON). */
function bundledPath(...parts: string[]): string {
  const candidates = [path.join(__dirname, ...parts), path.join(__dirname, '..', '..', 'pipeline', ...parts)];
  for (const candidate of candidates) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`genscope pipeline: bundled file not found (looked in ${candidates.join(', ')})`);
}

/** The bundled corpus file. */
export function defaultCorpusPath(): string {
  return bundledPath('corpus', 'components.json');
}

/** The bundled catalogue file. */
export function defaultCatalogPath(): string {
  return bundledPath('catalog', 'reference-ui.json');
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`genscope pipeline: cannot read ${what} file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`genscope pipeline: ${what} file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * One line per issue: "<listKey>[i] (id "x"): field "a.b.0.c": message". Items are named by their
 * index and, when the item has one, its id, so the broken entry can be found in a large file.
 */
function describeIssues(data: unknown, listKey: string, issues: z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 5).map((issue) => {
    const p = issue.path;
    if (p[0] === listKey && typeof p[1] === 'number') {
      const index = p[1];
      const list = (data as Record<string, unknown>)[listKey];
      const item = Array.isArray(list) ? (list[index] as unknown) : undefined;
      const id =
        item !== null && typeof item === 'object' ? (item as Record<string, unknown>)['id'] : undefined;
      const itemName = `${listKey}[${index}]${typeof id === 'string' ? ` (id "${id}")` : ''}`;
      const field = p.slice(2).map(String).join('.');
      return `${itemName}: field "${field.length > 0 ? field : '(item)'}": ${issue.message}`;
    }
    return `field "${p.map(String).join('.') || '(root)'}": ${issue.message}`;
  });
  if (issues.length > 5) lines.push(`... and ${issues.length - 5} more issue(s)`);
  return lines.join('; ');
}

function duplicateIds(items: { id: string }[], listKey: string): string | undefined {
  const seen = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    const first = seen.get(item.id);
    if (first !== undefined)
      return `${listKey}[${i}] (id "${item.id}"): field "id": duplicates ${listKey}[${first}]`;
    seen.set(item.id, i);
  }
  return undefined;
}

/** Loads and validates a corpus file; throws an Error naming the file, item and field on any problem. */
export function loadCorpus(file: string = defaultCorpusPath()): Corpus {
  const data = readJson(file, 'corpus');
  const parsed = corpusSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(
      `genscope pipeline: invalid corpus file ${file}: ${describeIssues(data, 'components', parsed.error.issues)}`,
    );
  }
  const dup = duplicateIds(parsed.data.components, 'components');
  if (dup !== undefined) throw new Error(`genscope pipeline: invalid corpus file ${file}: ${dup}`);
  return parsed.data;
}

/** Loads and validates a catalogue file, with the same error style as loadCorpus. */
export function loadCatalog(file: string = defaultCatalogPath()): Catalog {
  const data = readJson(file, 'catalog');
  const parsed = catalogSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(
      `genscope pipeline: invalid catalog file ${file}: ${describeIssues(data, 'entries', parsed.error.issues)}`,
    );
  }
  const dup = duplicateIds(parsed.data.entries, 'entries');
  if (dup !== undefined) throw new Error(`genscope pipeline: invalid catalog file ${file}: ${dup}`);
  return parsed.data;
}
