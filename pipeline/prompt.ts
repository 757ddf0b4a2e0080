/**
 * generate's prompt and response handling. The prompt carries the design and the mapped
 * catalogue entry as one JSON block, so a real model and the simulated client read the same
 * text; the reply's code is the first fenced code block.
 */
import { z } from 'zod';
import { catalogEntrySchema, designNodeSchema } from './corpus';
import type { CatalogEntry, ComponentSpec, DesignNode } from './types';

export interface GenerationPayload {
  componentId: string;
  componentName: string;
  library: string;
  design: DesignNode;
  target: CatalogEntry;
}

const payloadSchema: z.ZodType<GenerationPayload> = z.object({
  componentId: z.string(),
  componentName: z.string(),
  library: z.string(),
  design: designNodeSchema,
  target: catalogEntrySchema,
});

/** A valid PascalCase identifier from a spec name ("Primary button" -> "PrimaryButton"). */
export function componentIdentifier(name: string): string {
  const id = name
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Z]/.test(id) ? id : `Component${id}`;
}

const PAYLOAD_OPEN = '```json genscope-design';

/** The generation prompt for a spec and the catalogue entry it was mapped to. */
export function buildGenerationPrompt(spec: ComponentSpec, target: CatalogEntry, library: string): string {
  const payload: GenerationPayload = {
    componentId: spec.id,
    componentName: componentIdentifier(spec.name),
    library,
    design: spec.design,
    target,
  };
  const attrs = Object.entries(target.attributes)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  return [
    'You are a senior front-end engineer. Write one React function component in TSX that reproduces the design below.',
    `Build it as the ${library} component ${target.name} (${target.type}): render its root as <${target.element}${attrs.length > 0 ? ` ${attrs}` : ''}>.`,
    'Rules:',
    `- Export exactly one function component named ${payload.componentName}; no imports are needed.`,
    '- The outer element is the canvas (position: relative) with the root frame size and fill.',
    '- Position every layer absolutely with an inline style object: left, top, width, height in px,',
    '  background for fills, border "<w>px solid <colour>" for strokes, borderRadius, color, fontSize, fontWeight, textAlign.',
    '- Give every interactive element an accessible name (visible text or aria-label) and the ARIA state it needs.',
    '- Never use inline event handler strings or dangerouslySetInnerHTML.',
    'Reply with the code in a single ```tsx fenced block.',
    '',
    'Design and target (JSON):',
    PAYLOAD_OPEN,
    JSON.stringify(payload),
    '```',
  ].join('\n');
}

/** Reads the design block back out of a prompt (what the simulated client does instead of "understanding" it). */
export function parseGenerationPrompt(prompt: string): GenerationPayload {
  const start = prompt.indexOf(PAYLOAD_OPEN);
  if (start < 0) throw new Error('prompt has no genscope-design JSON block');
  const bodyStart = start + PAYLOAD_OPEN.length;
  const end = prompt.indexOf('\n```', bodyStart);
  if (end < 0) throw new Error('prompt design block is not closed');
  let json: unknown;
  try {
    json = JSON.parse(prompt.slice(bodyStart, end));
  } catch (err) {
    throw new Error(`prompt design block is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `prompt design block is malformed: ${parsed.error.issues[0]?.message ?? 'unknown issue'}`,
    );
  return parsed.data;
}

/** Thrown when a model reply holds no code; the generate stage fails with it. */
export class NoCodeInResponseError extends Error {
  constructor(responsePreview: string) {
    super(
      `model response contained no code block (response starts: ${JSON.stringify(responsePreview.slice(0, 80))})`,
    );
    this.name = 'NoCodeInResponseError';
  }
}

/** The first fenced code block of a reply (```tsx, ```jsx, ```ts, ``` ...). */
export function extractCode(response: string): string {
  const match = /```[a-zA-Z]*[^\n]*\n([\s\S]*?)```/.exec(response);
  const code = match?.[1];
  if (code === undefined || code.trim().length === 0) throw new NoCodeInResponseError(response);
  return code;
}
