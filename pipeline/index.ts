/**
 * pipeline/: the reference component-generation validation pipeline (classify -> map ->
 * generate -> validate), instrumented through instrumentation/, with its labelled corpus,
 * component-library catalogue, model clients and validators. See pipeline/README.md.
 */
export {
  runBenchmark,
  createComponentPipeline,
  createPipelineResources,
  createModelClient,
  PIPELINE_NAME,
  PIPELINE_VERSION,
  CACHE,
} from './run';
export type {
  BenchmarkOptions,
  BenchmarkSummary,
  BenchmarkVariant,
  CacheCounts,
  ComponentOutcome,
  ComponentPipeline,
  CreateModelClientOptions,
  PipelineResources,
  PipelineResourcesOptions,
} from './run';
export { loadCorpus, loadCatalog, defaultCorpusPath, defaultCatalogPath } from './corpus';
export { COMPONENT_TYPES } from './types';
export type { ComponentType, ComponentSpec, DesignNode, Corpus, Catalog, CatalogEntry } from './types';
export { classifySpec } from './classify';
export type { Classification } from './classify';
export { embedText, cosineSimilarity, HashedNgramEmbedder, EmbeddingCache, LruCache } from './embedding';
export type { Embedder, EmbeddingResult, EmbeddingUsage, CacheStats } from './embedding';
export { buildCatalogIndex, mapToCatalog, specText, entryText } from './map';
export type { CatalogIndex, Mapping, MappingCandidate } from './map';
export { countTokens, encodingForModel } from './tokenizer';
export type { TokenEncoding } from './tokenizer';
export type {
  ModelClient,
  ModelUsage,
  CompletionOptions,
  CompletionResult,
  SleepClock,
} from './model-client';
export {
  SimulatedModelClient,
  SIMULATED_MODEL_PROFILES,
  SIMULATED_MISTAKE_KINDS,
  UnknownModelError,
} from './simulated-client';
export type { SimulatedModelClientOptions, SimulatedModelProfile } from './simulated-client';
export { OpenAICompatibleClient, openAIClientFromEnv } from './openai-client';
export type { OpenAICompatibleClientOptions } from './openai-client';
export {
  buildGenerationPrompt,
  parseGenerationPrompt,
  extractCode,
  componentIdentifier,
  NoCodeInResponseError,
} from './prompt';
export type { GenerationPayload } from './prompt';
export { writeComponentTsx, faithfulChoices } from './codegen';
export type { MistakeKind, Verbosity, WriterChoices } from './codegen';
export { parseComponentCode, parseColour } from './code-parse';
export type { ParsedComponent, ParsedElement, ParsedAttribute, CodeSyntaxError } from './code-parse';
export { checkCodeQuality } from './code-quality';
export type { CodeQualityReport, CheckResult } from './code-quality';
export { renderDesign, designToSvg, svgToPng, decodePng, fontOptions } from './render';
export type { DecodedImage, RenderedDesign } from './render';
export { pixelSimilarity, structuralSimilarity } from './similarity';
export { semanticSimilarity, uiElements } from './semantic-similarity';
export type { SemanticSimilarity, UiElement } from './semantic-similarity';
export { validateGenerated, validationKey, ValidationCache } from './validate';
export type { ValidationResult, ValidationOutcome, Validator } from './validate';
