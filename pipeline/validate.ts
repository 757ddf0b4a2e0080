/**
 * validate: renders the reference design and the generated component with the same renderer,
 * compares the images (pixel and structural similarity), compares the UI elements of both trees
 * (semantic similarity: roles, accessible names, places) and scores the code statically.
 * Results are cached by (spec id, design hash, code hash): a repeated input is not re-rendered.
 */
import { checkCodeQuality } from './code-quality';
import type { CodeQualityReport } from './code-quality';
import { parseComponentCode } from './code-parse';
import { LruCache } from './embedding';
import type { CacheStats } from './embedding';
import { contentHash } from './hash';
import type { DecodedImage } from './render';
import { encodePng, renderDesign } from './render';
import { semanticSimilarity } from './semantic-similarity';
import type { SemanticSimilarity } from './semantic-similarity';
import { pixelDiff, structuralSimilarity } from './similarity';
import type { ComponentSpec } from './types';

export interface ValidationResult {
  pixelSimilarity: number;
  structuralSimilarity: number;
  /** The same UI elements as the design, by role, accessible name and place (pipeline/semantic-similarity.ts). */
  semantic: SemanticSimilarity;
  codeQuality: CodeQualityReport;
  parses: boolean;
  /** PNG of the reference design and of the generated component (for reports and debugging). */
  referencePng: Buffer;
  generatedPng: Buffer;
  /** PNG of the pixel difference pixelSimilarity counted (pixelmatch's output). */
  diffPng: Buffer;
}

/** Caches of validation: reference renders by design, full results by design + code. */
export class ValidationCache {
  readonly references: LruCache<{ png: Buffer; image: DecodedImage }>;
  readonly results: LruCache<ValidationResult>;

  constructor(maxEntries = 2048) {
    this.references = new LruCache(Math.max(1, Math.min(maxEntries, 512)));
    this.results = new LruCache(maxEntries);
  }

  stats(): CacheStats {
    return this.results.stats();
  }
}

function referenceOf(
  spec: ComponentSpec,
  cache: ValidationCache | undefined,
): { png: Buffer; image: DecodedImage } {
  const key = contentHash('reference', spec.id, JSON.stringify(spec.design));
  const hit = cache?.references.get(key);
  if (hit !== undefined) return hit;
  const rendered = renderDesign(spec.design, spec.design);
  cache?.references.set(key, rendered);
  return rendered;
}

export interface ValidationOutcome {
  result: ValidationResult;
  /** Whether the result came from the cache (undefined when no cache was given). */
  cacheHit: boolean | undefined;
}

/** The cache key of one validation: the spec, its design and the code. */
export function validationKey(spec: ComponentSpec, code: string): string {
  return contentHash('validation', spec.id, JSON.stringify(spec.design), code);
}

/** What the validate stage calls: validateGenerated, or a caller's wrapper around it. */
export type Validator = (spec: ComponentSpec, code: string, cache?: ValidationCache) => ValidationOutcome;

/** Validates generated code against a spec. */
export function validateGenerated(
  spec: ComponentSpec,
  code: string,
  cache?: ValidationCache,
): ValidationOutcome {
  const key = validationKey(spec, code);
  const cached = cache?.results.get(key);
  if (cached !== undefined) return { result: cached, cacheHit: true };

  const reference = referenceOf(spec, cache);
  const parsed = parseComponentCode(code);
  const generated = renderDesign(parsed.root, spec.design);
  const pixels = pixelDiff(reference.image, generated.image);
  const result: ValidationResult = {
    pixelSimilarity: pixels.similarity,
    structuralSimilarity: structuralSimilarity(reference.image, generated.image),
    semantic: semanticSimilarity(spec.design, parsed.root),
    codeQuality: checkCodeQuality(parsed),
    parses: parsed.syntaxErrors.length === 0,
    referencePng: reference.png,
    generatedPng: generated.png,
    diffPng: encodePng(pixels.diff),
  };
  cache?.results.set(key, result);
  return { result, cacheHit: cache !== undefined ? false : undefined };
}
