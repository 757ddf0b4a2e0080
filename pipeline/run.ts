/**
 * The reference component-generation pipeline, instrumented only through instrumentation/:
 * classify -> map -> generate -> validate per component (one pipeline.run each), and
 * runBenchmark, one pass over the corpus as one pipeline.benchmark.
 */
import type { EvaluatedCall, PipelineTracer, Telemetry } from '../instrumentation';
import { ARTEFACT_NAME, ATTR, OPERATION, SCORE, STAGE } from '../schema/names';
import type { Classification } from './classify';
import { classifySpec } from './classify';
import { defaultCatalogPath, defaultCorpusPath, loadCatalog, loadCorpus } from './corpus';
import type { Embedder } from './embedding';
import { EmbeddingCache, HashedNgramEmbedder } from './embedding';
import type { CatalogIndex, Mapping } from './map';
import { buildCatalogIndex, mapToCatalog, specText } from './map';
import type { ModelClient, ModelUsage } from './model-client';
import { openAIClientFromEnv } from './openai-client';
import { buildGenerationPrompt, extractCode } from './prompt';
import { SimulatedModelClient } from './simulated-client';
import type { Catalog, ComponentSpec, Corpus } from './types';
import type { ValidationResult, Validator } from './validate';
import { ValidationCache, validateGenerated } from './validate';

export const PIPELINE_NAME = 'component-generation';
export const PIPELINE_VERSION = '1.0.0';
/** The bound on generated tokens (gen_ai.request.max_tokens): a component is far below it. */
export const GENERATION_MAX_OUTPUT_TOKENS = 4096;
/** Cache names reported with recordCacheLookup (genscope.cache.name). */
export const CACHE = { embeddings: 'embeddings', validation: 'validation' } as const;

/** Everything a pipeline pass reads, plus its caches. Reuse it across passes: caches then hit. */
export interface PipelineResources {
  corpus: Corpus;
  catalog: Catalog;
  catalogIndex: CatalogIndex;
  embedder: Embedder;
  embeddingCache: EmbeddingCache;
  validationCache: ValidationCache;
  /** Runs validation (default validateGenerated); the demo replays repeats with measured durations. */
  validator?: Validator;
}

export interface PipelineResourcesOptions {
  corpusPath?: string;
  catalogPath?: string;
  embedder?: Embedder;
  embeddingCacheEntries?: number;
  validationCacheEntries?: number;
}

/** Loads and validates the corpus and catalogue and embeds the catalogue once. */
export async function createPipelineResources(
  options: PipelineResourcesOptions = {},
): Promise<PipelineResources> {
  const corpus = loadCorpus(options.corpusPath ?? defaultCorpusPath());
  const catalog = loadCatalog(options.catalogPath ?? defaultCatalogPath());
  const embedder = options.embedder ?? new HashedNgramEmbedder();
  return {
    corpus,
    catalog,
    catalogIndex: await buildCatalogIndex(catalog, embedder),
    embedder,
    embeddingCache: new EmbeddingCache(options.embeddingCacheEntries ?? 1024),
    validationCache: new ValidationCache(options.validationCacheEntries ?? 2048),
  };
}

export interface CreateModelClientOptions {
  model: string;
  seed?: number | string;
  degradation?: number;
  latencyScale?: number;
  /** Pass telemetry.clock so simulated latency follows the telemetry clock. */
  clock?: { sleep(ms: number): Promise<void> };
  /** Environment to read GENSCOPE_OPENAI_* from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The client the CLI uses: OpenAI-compatible when GENSCOPE_OPENAI_BASE_URL is set (model from
 * GENSCOPE_OPENAI_MODEL, else `model`), otherwise the simulated client for `model`.
 */
export function createModelClient(options: CreateModelClientOptions): ModelClient {
  const real = openAIClientFromEnv(options.env ?? process.env, options.model);
  if (real !== undefined) return real;
  return new SimulatedModelClient({
    model: options.model,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.degradation !== undefined ? { degradation: options.degradation } : {}),
    ...(options.latencyScale !== undefined ? { latencyScale: options.latencyScale } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
}

/** Media types of the artefacts the stages record (instrumentation's recordArtefact). */
const TEXT = 'text/plain; charset=utf-8';
const TSX = 'text/tsx; charset=utf-8';
const PNG = 'image/png';
const JSON_TYPE = 'application/json';

/** What happened to one component. */
export interface ComponentOutcome {
  componentId: string;
  componentType: string;
  ok: boolean;
  /** The error message when a stage threw (the run span has error status). */
  error?: string;
  predictedType?: string;
  mappedEntryId?: string;
  /** Scores recorded for this component, by score name. */
  scores: Record<string, number>;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Validation detail (images as PNG, code checks) when validate ran. */
  validation?: ValidationResult;
  code?: string;
}

/** Per-component scratchpad the stages fill in (passed as an argument, so stages stay plain functions). */
interface Accumulator {
  outcome: ComponentOutcome;
  cache: Record<string, { hits: number; misses: number }>;
  /** The generate call, which validate's scores judge. */
  generation?: EvaluatedCall;
}

export interface ComponentPipeline {
  tracer: PipelineTracer;
  client: ModelClient;
  resources: PipelineResources;
  /** One component through all stages as one pipeline.run; never throws (a failure is in the outcome). */
  processComponent(
    spec: ComponentSpec,
    benchmarkRunId?: string,
  ): Promise<ComponentOutcome & { cache: Record<string, CacheCounts> }>;
}

function round(n: number, digits = 3): string {
  return n.toFixed(digits);
}

/** Builds the instrumented pipeline over the given telemetry, client and resources. */
export function createComponentPipeline(
  telemetry: Telemetry,
  client: ModelClient,
  resources: PipelineResources,
): ComponentPipeline {
  const { embedder, embeddingCache, validationCache, catalogIndex, catalog } = resources;
  // Everything is labelled simulated when the model client is; a real client with the local
  // stand-in embedder does not report the embedder's (made-up) calls as costed model calls.
  const p = telemetry.pipeline({
    name: PIPELINE_NAME,
    version: PIPELINE_VERSION,
    simulated: client.simulated,
  });
  const reportEmbeddingCalls = !embedder.simulated || client.simulated;

  const addUsage = (
    acc: Accumulator,
    provider: string,
    requestModel: string,
    usage: Pick<ModelUsage, 'inputTokens' | 'cachedInputTokens' | 'responseModel'> & { outputTokens?: number },
  ): void => {
    acc.outcome.inputTokens += usage.inputTokens;
    acc.outcome.outputTokens += usage.outputTokens ?? 0;
    // The same price book the instrumentation costs the span with.
    const cost = telemetry.prices.costUsd({
      provider,
      model: usage.responseModel ?? requestModel,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens ?? 0,
      cachedInputTokens: usage.cachedInputTokens ?? 0,
      atMillis: Number(telemetry.clock.nowNs() / 1_000_000n),
    });
    if (cost !== null) acc.outcome.costUsd += cost;
  };
  const score = (
    acc: Accumulator,
    name: string,
    value: number,
    options: { label?: string; explanation?: string; evaluates?: EvaluatedCall },
  ): void => {
    p.recordScore(name, value, options);
    acc.outcome.scores[name] = value;
  };
  const cacheLookup = (acc: Accumulator, name: string, hit: boolean): void => {
    p.recordCacheLookup(name, hit);
    const c = (acc.cache[name] ??= { hits: 0, misses: 0 });
    if (hit) c.hits++;
    else c.misses++;
  };

  const classify = p.stage(STAGE.classify, (spec: ComponentSpec, acc: Accumulator): Classification => {
    const c = classifySpec(spec);
    acc.outcome.predictedType = c.predicted;
    score(acc, SCORE.classificationAccuracy, c.predicted === spec.label ? 1 : 0, {
      label: c.predicted,
      explanation: `labelled ${spec.label}, predicted ${c.predicted} (evidence share ${round(c.confidence, 2)})`,
    });
    return c;
  });

  const map = p.stage(
    STAGE.map,
    async (spec: ComponentSpec, classification: Classification, acc: Accumulator): Promise<Mapping> => {
      const text = specText(spec);
      const key = EmbeddingCache.key(embedder, text);
      let vector = embeddingCache.get(key);
      cacheLookup(acc, CACHE.embeddings, vector !== undefined);
      if (vector === undefined) {
        const embed = () => embedder.embed(text);
        const result = reportEmbeddingCalls
          ? await p.modelCall(
              { provider: embedder.provider, operation: OPERATION.embeddings, requestModel: embedder.model },
              embed,
            )
          : await embed();
        if (reportEmbeddingCalls) addUsage(acc, embedder.provider, embedder.model, result.usage);
        vector = result.vector;
        embeddingCache.set(key, vector);
      }
      const mapping = mapToCatalog(vector, classification.predicted, catalogIndex);
      acc.outcome.mappedEntryId = mapping.entry.id;
      score(acc, SCORE.mappingConfidence, mapping.confidence, {
        label: mapping.entry.id,
        explanation: `cosine similarity to ${catalog.library} entries of type ${classification.predicted}: ${mapping.candidates.map((c) => `${c.entryId} ${round(c.similarity)}`).join(', ')}`,
      });
      return mapping;
    },
  );

  const generate = p.stage(
    STAGE.generate,
    async (spec: ComponentSpec, mapping: Mapping, acc: Accumulator): Promise<string> => {
      const prompt = buildGenerationPrompt(spec, mapping.entry, catalog.library);
      // On the generate span: a failed call or a reply without code still shows what was asked.
      p.recordArtefact(ARTEFACT_NAME.prompt, prompt, { mediaType: TEXT });
      const reply = await p.modelCall(
        {
          provider: client.provider,
          operation: OPERATION.chat,
          requestModel: client.model,
          maxTokens: GENERATION_MAX_OUTPUT_TOKENS,
          ...(client.server !== undefined ? { server: client.server } : {}),
          ...(client.temperature !== undefined ? { temperature: client.temperature } : {}),
        },
        async (call) => {
          const r = await client.complete(prompt, { maxOutputTokens: GENERATION_MAX_OUTPUT_TOKENS });
          acc.generation = {
            spanContext: call.spanContext,
            ...(r.usage.responseId !== undefined ? { responseId: r.usage.responseId } : {}),
          };
          return r;
        },
      );
      addUsage(acc, client.provider, client.model, reply.usage);
      p.recordArtefact(ARTEFACT_NAME.response, reply.text, { mediaType: TEXT });
      const code = extractCode(reply.text);
      p.recordArtefact(ARTEFACT_NAME.code, code, { mediaType: TSX });
      acc.outcome.code = code;
      return code;
    },
  );

  const validate = p.stage(
    STAGE.validate,
    (spec: ComponentSpec, code: string, acc: Accumulator): ValidationResult => {
      const { result, cacheHit } = (resources.validator ?? validateGenerated)(spec, code, validationCache);
      if (cacheHit !== undefined) cacheLookup(acc, CACHE.validation, cacheHit);
      acc.outcome.validation = result;
      p.recordArtefact(ARTEFACT_NAME.renderReference, result.referencePng, { mediaType: PNG });
      p.recordArtefact(ARTEFACT_NAME.renderGenerated, result.generatedPng, { mediaType: PNG });
      p.recordArtefact(ARTEFACT_NAME.renderDiff, result.diffPng, { mediaType: PNG });
      p.recordArtefact(ARTEFACT_NAME.codeQuality, JSON.stringify({ score: result.codeQuality.score, checks: result.codeQuality.checks }), { mediaType: JSON_TYPE });
      // Each score judges the generate call's output: the events name that call.
      const evaluates = acc.generation ? { evaluates: acc.generation } : {};
      score(acc, SCORE.pixelSimilarity, result.pixelSimilarity, {
        explanation: `pixelmatch: ${round((1 - result.pixelSimilarity) * 100, 2)}% of pixels differ from the reference render`,
        ...evaluates,
      });
      score(acc, SCORE.structuralSimilarity, result.structuralSimilarity, {
        explanation: 'mean SSIM of the generated render against the reference render',
        ...evaluates,
      });
      const sem = result.semantic;
      score(acc, SCORE.semanticSimilarity, sem.score, {
        explanation:
          `${sem.matched} of ${sem.referenceElements} design elements matched by role and name (${sem.generatedElements} generated)` +
          (sem.layoutOverlap !== null ? `, layout overlap ${round(sem.layoutOverlap, 3)}` : '') +
          (sem.missing.length > 0 ? `; missing ${sem.missing.slice(0, 3).join(', ')}${sem.missing.length > 3 ? ', …' : ''}` : ''),
        ...evaluates,
      });
      score(acc, SCORE.codeQuality, result.codeQuality.score, {
        label: result.parses ? 'parses' : 'syntax-error',
        explanation: result.codeQuality.explanation,
        ...evaluates,
      });
      return result;
    },
  );

  return {
    tracer: p,
    client,
    resources,
    async processComponent(spec, benchmarkRunId) {
      const acc: Accumulator = {
        outcome: {
          componentId: spec.id,
          componentType: spec.label,
          ok: false,
          scores: {},
          costUsd: 0,
          inputTokens: 0,
          outputTokens: 0,
        },
        cache: {},
      };
      try {
        await p.run(
          {
            componentId: spec.id,
            componentType: spec.label,
            model: client.model,
            ...(benchmarkRunId !== undefined ? { benchmarkRunId } : {}),
          },
          async () => {
            const classification = classify(spec, acc);
            const mapping = await map(spec, classification, acc);
            const code = await generate(spec, mapping, acc);
            validate(spec, code, acc);
          },
        );
        acc.outcome.ok = true;
      } catch (err) {
        // The run and stage spans already carry the error; the pass goes on.
        acc.outcome.error = err instanceof Error ? err.message : String(err);
      }
      return { ...acc.outcome, cache: acc.cache };
    },
  };
}

export interface BenchmarkVariant {
  /** 0..1: the simulated client's degradation knob. */
  degradation?: number;
  /** The simulated client's seed. */
  seed?: number | string;
}

export interface BenchmarkOptions {
  telemetry: Telemetry;
  /** The model to generate with (simulated client profile name, or the given client's model). */
  model: string;
  /** Default: the simulated client for `model`. */
  client?: ModelClient;
  corpusPath?: string;
  catalogPath?: string;
  /** Loaded corpus, catalogue and caches to reuse across passes (overrides the paths). */
  resources?: PipelineResources;
  /** Only these components, in this order. Default: the whole corpus. */
  componentIds?: string[];
  /** Default: a random id (from the instrumentation). */
  benchmarkId?: string;
  /** Simulated latency multiplier; 0 = no waiting. Default 1. Ignored when `client` is given. */
  latencyScale?: number;
  /** Simulated-client knobs. Ignored when `client` is given. */
  variant?: BenchmarkVariant;
  /** Extra attributes on the pipeline.benchmark span. */
  attributes?: Record<string, string | number | boolean>;
  /**
   * Components in flight at once (default 1). Model calls are I/O-bound, so a few in parallel
   * finish a pass sooner; each component keeps its own run span and trace, and the summary lists
   * the outcomes in corpus order whatever order they finish in.
   */
  concurrency?: number;
  /** Called as each component finishes (progress reporting): `done` of `total` have finished. */
  onComponent?: (outcome: ComponentOutcome, index: number, total: number, done: number) => void;
}

export interface CacheCounts {
  hits: number;
  misses: number;
}

export interface BenchmarkSummary {
  benchmarkRunId: string;
  model: string;
  provider: string;
  simulated: boolean;
  components: number;
  succeeded: number;
  failed: number;
  /** Mean of each score over the components that recorded it. */
  meanScores: Record<string, number>;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Duration of the pass on the telemetry clock (simulated time under a SimulatedClock). */
  durationMs: number;
  cache: Record<string, CacheCounts>;
  outcomes: ComponentOutcome[];
}

function selectSpecs(corpus: Corpus, ids: string[] | undefined): ComponentSpec[] {
  if (ids === undefined) return corpus.components;
  const byId = new Map(corpus.components.map((c) => [c.id, c]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) throw new Error(`unknown component id(s): ${unknown.join(', ')}`);
  return ids.map((id) => byId.get(id) as ComponentSpec);
}

/** One pass of the pipeline over the corpus, recorded as a pipeline.benchmark with a run per component. */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkSummary> {
  const { telemetry } = options;
  const resources =
    options.resources ??
    (await createPipelineResources({
      ...(options.corpusPath !== undefined ? { corpusPath: options.corpusPath } : {}),
      ...(options.catalogPath !== undefined ? { catalogPath: options.catalogPath } : {}),
    }));
  const specs = selectSpecs(resources.corpus, options.componentIds);
  const variant = options.variant ?? {};
  const client =
    options.client ??
    new SimulatedModelClient({
      model: options.model,
      clock: telemetry.clock,
      ...(variant.seed !== undefined ? { seed: variant.seed } : {}),
      ...(variant.degradation !== undefined ? { degradation: variant.degradation } : {}),
      ...(options.latencyScale !== undefined ? { latencyScale: options.latencyScale } : {}),
    });
  if (client.model !== options.model)
    throw new Error(`options.model "${options.model}" differs from the client's model "${client.model}"`);
  const pipeline = createComponentPipeline(telemetry, client, resources);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency must be a whole number >= 1, got ${concurrency}`);

  const attributes: Record<string, string | number | boolean> = { ...(options.attributes ?? {}) };
  if (client instanceof SimulatedModelClient) attributes[ATTR.simulatedDegradation] = client.degradation;

  const startNs = telemetry.clock.nowNs();
  let benchmarkRunId = '';
  const outcomes: ComponentOutcome[] = [];
  const cache: Record<string, CacheCounts> = {};
  await pipeline.tracer.benchmark(
    {
      ...(options.benchmarkId !== undefined ? { id: options.benchmarkId } : {}),
      model: client.model,
      components: specs.length,
      attributes,
    },
    async (id) => {
      benchmarkRunId = id;
      // A pool of workers taking the next component in corpus order; every worker starts in
      // this benchmark's context, so each run links to it and parents its own stages.
      let next = 0;
      let done = 0;
      const worker = async (): Promise<void> => {
        while (next < specs.length) {
          const index = next++;
          const spec = specs[index] as ComponentSpec;
          const { cache: componentCache, ...outcome } = await pipeline.processComponent(spec, id);
          for (const [name, counts] of Object.entries(componentCache)) {
            const c = (cache[name] ??= { hits: 0, misses: 0 });
            c.hits += counts.hits;
            c.misses += counts.misses;
          }
          outcomes[index] = outcome;
          done++;
          options.onComponent?.(outcome, index, specs.length, done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
    },
  );
  const durationMs = Number((telemetry.clock.nowNs() - startNs) / 1000n) / 1000;

  const sums: Record<string, { sum: number; n: number }> = {};
  for (const o of outcomes) {
    for (const [name, value] of Object.entries(o.scores)) {
      const s = (sums[name] ??= { sum: 0, n: 0 });
      s.sum += value;
      s.n++;
    }
  }
  const meanScores: Record<string, number> = {};
  for (const [name, s] of Object.entries(sums)) meanScores[name] = s.sum / s.n;
  const succeeded = outcomes.filter((o) => o.ok).length;
  return {
    benchmarkRunId,
    model: client.model,
    provider: client.provider,
    simulated: client.simulated,
    components: outcomes.length,
    succeeded,
    failed: outcomes.length - succeeded,
    meanScores,
    costUsd: outcomes.reduce((s, o) => s + o.costUsd, 0),
    inputTokens: outcomes.reduce((s, o) => s + o.inputTokens, 0),
    outputTokens: outcomes.reduce((s, o) => s + o.outputTokens, 0),
    durationMs,
    cache,
    outcomes,
  };
}
