/**
 * Model prices: the maintained @pydantic/genai-prices dataset, with user overrides on top.
 * Used by instrumentation (cost of a model call as it happens) and by the store writer (cost of
 * ingested GenAI spans that carry tokens but no cost).
 */
import fs from 'node:fs';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { z } from 'zod';
import type { PriceBook, PriceQuery, PriceSource } from '../schema/records';
export type { PriceBook, PriceQuery, PriceSource } from '../schema/records';

/** Per-million-token prices in USD for one model. */
export const ModelPriceOverride = z.object({
  inputPerMTokUsd: z.number().nonnegative(),
  outputPerMTokUsd: z.number().nonnegative(),
  cachedInputPerMTokUsd: z.number().nonnegative().optional(),
  /** Cache-write rate; the input rate when not given. */
  cacheWritePerMTokUsd: z.number().nonnegative().optional(),
});
export type ModelPriceOverride = z.infer<typeof ModelPriceOverride>;

/** The price overrides file: `{ "models": { "<model name>": { "inputPerMTokUsd": 1, ... } } }`. */
export const PriceOverrides = z.object({ models: z.record(z.string().min(1), ModelPriceOverride) });
export type PriceOverrides = z.infer<typeof PriceOverrides>;

const DATASET = '@pydantic/genai-prices';

function datasetVersion(): string {
  try {
    const file = require.resolve(`${DATASET}/package.json`);
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    // The package's exports map may hide package.json; fall back to the lockfile-installed path.
    try {
      const main = require.resolve(DATASET);
      const file = main.replace(/dist[\\/].*$/, 'package.json');
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }
}

function latestPriceDate(): string | null {
  let latest: string | null = null;
  for (const id of ['openai', 'anthropic', 'google', 'mistral', 'deepseek', 'groq', 'aws', 'azure']) {
    const provider = findProvider({ providerId: id });
    for (const model of provider?.models ?? []) {
      if (!Array.isArray(model.prices)) continue;
      for (const p of model.prices) {
        const c = p.constraint;
        if (c && 'start_date' in c && (latest === null || c.start_date > latest)) latest = c.start_date;
      }
    }
  }
  return latest;
}

/** Reads and validates a price overrides JSON file; the error names the file and the field. */
export function loadPriceOverrides(file: string): PriceOverrides {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read price overrides ${file}: ${(err as Error).message}`);
  }
  const parsed = PriceOverrides.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `invalid price overrides ${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` +
        ' (expected { "models": { "<model>": { "inputPerMTokUsd": n, "outputPerMTokUsd": n } } })',
    );
  }
  return parsed.data;
}

const CACHE_LIMIT = 20_000;

export function createPriceBook(overrides: PriceOverrides = { models: {} }): PriceBook {
  const source: PriceSource = {
    dataset: DATASET,
    version: datasetVersion(),
    latestPriceDate: latestPriceDate(),
    overrides: Object.keys(overrides.models).length,
  };
  // Cache-write tokens are part of inputTokens, after the cache reads.
  function cacheWrite(q: PriceQuery): number {
    const read = Math.min(q.cachedInputTokens ?? 0, q.inputTokens);
    return Math.max(0, Math.min(q.cacheWriteTokens ?? 0, q.inputTokens - read));
  }
  // The dataset lookup matches model names by rules (~20 µs a call); calls repeat, so memoize.
  const memo = new Map<string, number | null>();

  function fromDataset(q: PriceQuery): number | null {
    const at = new Date(q.atMillis ?? Date.now());
    const usage = {
      input_tokens: q.inputTokens,
      output_tokens: q.outputTokens,
      ...(q.cachedInputTokens ? { cache_read_tokens: Math.min(q.cachedInputTokens, q.inputTokens) } : {}),
      ...(q.cacheWriteTokens ? { cache_write_tokens: cacheWrite(q) } : {}),
    };
    try {
      const withProvider = q.provider ? calcPrice(usage, q.model, { providerId: q.provider, timestamp: at }) : null;
      const result = withProvider ?? calcPrice(usage, q.model, { timestamp: at });
      return result ? result.total_price : null;
    } catch {
      return null;
    }
  }

  return {
    source,
    knows(model, provider) {
      return this.costUsd({ model, provider, inputTokens: 1, outputTokens: 1 }) !== null;
    },
    costUsd(q) {
      const o = overrides.models[q.model];
      if (o) {
        const cached = Math.min(q.cachedInputTokens ?? 0, q.inputTokens);
        const written = cacheWrite(q);
        const cachedRate = o.cachedInputPerMTokUsd ?? o.inputPerMTokUsd;
        const writeRate = o.cacheWritePerMTokUsd ?? o.inputPerMTokUsd;
        const uncached = q.inputTokens - cached - written;
        return (uncached * o.inputPerMTokUsd + cached * cachedRate + written * writeRate + q.outputTokens * o.outputPerMTokUsd) / 1e6;
      }
      const day = Math.floor((q.atMillis ?? Date.now()) / 86_400_000);
      const key = `${q.provider ?? ''}|${q.model}|${day}|${q.inputTokens}|${q.outputTokens}|${q.cachedInputTokens ?? 0}|${q.cacheWriteTokens ?? 0}`;
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const cost = fromDataset(q);
      if (memo.size >= CACHE_LIMIT) memo.clear();
      memo.set(key, cost);
      return cost;
    },
  };
}
