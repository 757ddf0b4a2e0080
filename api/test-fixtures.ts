/**
 * Test and bench data for the API: realistic, deterministic pipeline telemetry (labelled as
 * simulated) written through the real store writer, so spans, scores, model calls, benchmark
 * runs and every rollup are filled exactly as in production. Each run is a `pipeline.run` root
 * with classify / map / generate / validate stage spans, an embeddings call under map, a chat
 * call under generate, cache lookups and gen_ai.evaluation.result score events.
 */
import type { Db } from '../store';
import { ATTR, EVENT, GEN_AI, OPERATION, SCORE, SPAN, STAGE } from '../schema/names';
import type { AttributeMap, SpanEventRecord, SpanRecord } from '../schema/records';
import { StoreWriter } from '../store';

export const FIXTURE_COMPONENT_TYPES = ['button', 'card', 'input', 'modal', 'navbar', 'table'] as const;
export const FIXTURE_MODELS = ['gpt-4o-mini', 'claude-3-5-haiku'] as const;
export const FIXTURE_EMBEDDING_MODEL = 'text-embedding-3-small';

export interface FixtureOptions {
  /** Number of pipeline runs (7 spans each). */
  runs: number;
  /** Epoch ms of the first run. */
  startMs: number;
  /** Epoch ms between run starts (default 60 000). */
  intervalMs?: number;
  seed?: number;
  /** Every n-th block of `benchmarkSize` runs belongs to a benchmark run (default: every 10th block). */
  benchmarkEvery?: number;
  benchmarkSize?: number;
  /** Distinct component ids (default 200). */
  components?: number;
  /** Spans per write batch (default 7000). */
  batchSpans?: number;
}

export interface FixtureSummary {
  runs: number;
  spans: number;
  scores: number;
  modelCalls: number;
  benchmarkRuns: string[];
  errors: number;
  costUsd: number;
  runsByType: Record<string, number>;
  firstMs: number;
  lastMs: number;
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  s = s.slice(0, chars);
  return /^0+$/.test(s) ? `1${s.slice(1)}` : s;
}

const ms = (x: number): bigint => BigInt(Math.round(x * 1000)) * 1000n; // ms (fractional) -> ns

function evaluation(timeNs: bigint, name: string, value: number, label?: string): SpanEventRecord {
  const attributes: AttributeMap = { [GEN_AI.evaluationName]: name, [GEN_AI.evaluationScoreValue]: value };
  if (label !== undefined) attributes[GEN_AI.evaluationScoreLabel] = label;
  return { name: GEN_AI.evaluationEvent, timeNs, attributes };
}

function cacheLookup(timeNs: bigint, cache: string, hit: boolean): SpanEventRecord {
  return { name: EVENT.cacheLookup, timeNs, attributes: { [ATTR.cacheName]: cache, [ATTR.cacheHit]: hit } };
}

const RESOURCE: AttributeMap = { [ATTR.serviceName]: 'genscope-fixture', [ATTR.simulated]: true };

interface RunResult {
  spans: SpanRecord[];
  costUsd: number;
  error: boolean;
  componentType: string;
}

/** The spans of one run starting at startMs (all simulated). */
export function buildRun(rand: () => number, startMs: number, opts: { components: number; benchmarkRunId?: string }): RunResult {
  // A component keeps its type across runs (the corpus labels it once).
  const componentIndex = Math.floor(rand() * opts.components);
  const componentType = FIXTURE_COMPONENT_TYPES[componentIndex % FIXTURE_COMPONENT_TYPES.length] ?? 'button';
  const model = FIXTURE_MODELS[Math.floor(rand() * FIXTURE_MODELS.length)] ?? 'gpt-4o-mini';
  const traceId = hex(rand, 32);
  const rootId = hex(rand, 16);
  const runAttrs: AttributeMap = {
    [ATTR.pipelineName]: 'fixture',
    [ATTR.pipelineVersion]: '1.0.0',
    [ATTR.simulated]: true,
    [ATTR.componentId]: `cmp-${componentIndex}`,
    [ATTR.componentType]: componentType,
    [ATTR.model]: model,
  };
  if (opts.benchmarkRunId) runAttrs[ATTR.benchmarkRunId] = opts.benchmarkRunId;
  const spans: SpanRecord[] = [];
  const base = { kind: 0, links: [], resource: RESOURCE, scopeName: 'genscope-fixture' };
  let t = startMs;
  let cost = 0;
  const failed = rand() < 0.05;
  const slow = componentType === 'table' ? 2 : 1;

  const stage = (name: string, durMs: number, events: SpanEventRecord[], extra: AttributeMap = {}, error = false): string => {
    const id = hex(rand, 16);
    spans.push({
      ...base,
      traceId,
      spanId: id,
      parentSpanId: rootId,
      name,
      startNs: ms(t),
      endNs: ms(t + durMs),
      statusCode: error ? 2 : 0,
      ...(error ? { statusMessage: `${name} failed` } : {}),
      attributes: { ...runAttrs, [ATTR.stage]: name, ...extra },
      events,
    });
    return id;
  };
  const modelCall = (parent: string, stageName: string, op: string, m: string, startAt: number, durMs: number, inTok: number, outTok: number, usd: number) => {
    cost += usd;
    spans.push({
      ...base,
      kind: 2,
      traceId,
      spanId: hex(rand, 16),
      parentSpanId: parent,
      name: `${op} ${m}`,
      startNs: ms(startAt),
      endNs: ms(startAt + durMs),
      statusCode: 0,
      attributes: {
        ...runAttrs,
        [ATTR.stage]: stageName,
        [GEN_AI.operationName]: op,
        [GEN_AI.providerName]: m.startsWith('claude') ? 'anthropic' : 'openai',
        [GEN_AI.requestModel]: m,
        [GEN_AI.responseModel]: m,
        [GEN_AI.inputTokens]: inTok,
        [GEN_AI.outputTokens]: outTok,
        [ATTR.costUsd]: usd,
      },
      events: [],
    });
  };
  const lognormal = (medianMs: number, sigma: number) => {
    const u = Math.max(1e-9, rand());
    const v = rand();
    return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };

  // classify
  const classifyHit = rand() < 0.4;
  const correct = rand() < 0.85;
  const predicted = correct ? componentType : (FIXTURE_COMPONENT_TYPES[Math.floor(rand() * FIXTURE_COMPONENT_TYPES.length)] ?? 'card');
  const dClassify = classifyHit ? lognormal(2, 0.3) : lognormal(40, 0.5);
  stage(STAGE.classify, dClassify, [
    cacheLookup(ms(t + 0.5), 'classification', classifyHit),
    evaluation(ms(t + dClassify - 0.1), SCORE.classificationAccuracy, predicted === componentType ? 1 : 0, predicted),
  ], { [ATTR.cacheName]: 'classification', [ATTR.cacheHit]: classifyHit });
  t += dClassify;
  // map (embeddings call)
  const embedHit = rand() < 0.6;
  const dMap = lognormal(25, 0.4) * slow;
  const embedUsd = 0.00001;
  const mapId = stage(
    STAGE.map,
    dMap,
    [cacheLookup(ms(t + 0.2), 'embeddings', embedHit), evaluation(ms(t + dMap - 0.1), SCORE.mappingConfidence, Math.min(1, Math.max(0, 0.55 + rand() * 0.45)))],
    embedHit ? {} : { [ATTR.costUsd]: embedUsd },
  );
  if (!embedHit) modelCall(mapId, STAGE.map, OPERATION.embeddings, FIXTURE_EMBEDDING_MODEL, t + 1, dMap * 0.6, 300 + Math.floor(rand() * 200), 0, embedUsd);
  t += dMap;
  // generate (chat call)
  const dGen = lognormal(900, 0.5) * slow;
  const inTok = 1200 + Math.floor(rand() * 800);
  const outTok = 400 + Math.floor(rand() * 600);
  const usd = model === 'gpt-4o-mini' ? (inTok * 0.15 + outTok * 0.6) / 1e6 : (inTok * 0.8 + outTok * 4) / 1e6;
  const genId = stage(STAGE.generate, dGen, [], { [ATTR.costUsd]: usd });
  modelCall(genId, STAGE.generate, OPERATION.chat, model, t + 2, dGen - 4, inTok, outTok, usd);
  t += dGen;
  // validate
  const dVal = lognormal(120, 0.4);
  const q = componentType === 'modal' ? 0.7 : 0.85;
  stage(
    STAGE.validate,
    dVal,
    [
      evaluation(ms(t + dVal - 0.3), SCORE.pixelSimilarity, Math.min(1, Math.max(0, q + (rand() - 0.5) * 0.2))),
      evaluation(ms(t + dVal - 0.2), SCORE.structuralSimilarity, Math.min(1, Math.max(0, q + 0.05 + (rand() - 0.5) * 0.2))),
      evaluation(ms(t + dVal - 0.1), SCORE.codeQuality, Math.min(1, Math.max(0, 0.8 + (rand() - 0.5) * 0.3))),
    ],
    {},
    failed,
  );
  t += dVal;
  spans.unshift({
    ...base,
    traceId,
    spanId: rootId,
    name: SPAN.run,
    startNs: ms(startMs),
    endNs: ms(t + 0.5),
    statusCode: failed ? 2 : 1,
    ...(failed ? { statusMessage: 'validation failed' } : {}),
    attributes: { ...runAttrs, [ATTR.costUsd]: cost },
    events: [],
  });
  return { spans, costUsd: cost, error: failed, componentType };
}

/** Writes `runs` runs (and their benchmark spans) through the real StoreWriter in time order. */
export function writeFixture(db: Db, options: FixtureOptions): FixtureSummary {
  const writer = new StoreWriter(db);
  const batches = fixtureBatches(options);
  for (;;) {
    const next = batches.next();
    if (next.done) return next.value;
    const r = writer.writeSpans(next.value);
    if (r.rejected > 0) throw new Error(`fixture spans rejected: ${r.warnings.join('; ')}`);
  }
}

/**
 * The fixture's spans in time-ordered batches, for any store's writer (the ClickHouse contract
 * tests write the same history as otel_traces rows); returns the summary when done.
 */
export function* fixtureBatches(options: FixtureOptions): Generator<SpanRecord[], FixtureSummary> {
  const rand = prng(options.seed ?? 42);
  const interval = options.intervalMs ?? 60_000;
  const benchmarkSize = options.benchmarkSize ?? 20;
  const benchmarkEvery = options.benchmarkEvery ?? 10;
  const components = options.components ?? 200;
  const batchSpans = options.batchSpans ?? 7000;
  const summary: FixtureSummary = {
    runs: 0,
    spans: 0,
    scores: 0,
    modelCalls: 0,
    benchmarkRuns: [],
    errors: 0,
    costUsd: 0,
    runsByType: {},
    firstMs: options.startMs,
    lastMs: options.startMs,
  };
  let batch: SpanRecord[] = [];
  for (let i = 0; i < options.runs; i++) {
    const startMs = options.startMs + i * interval;
    const block = Math.floor(i / benchmarkSize);
    const inBenchmark = benchmarkEvery > 0 && block % benchmarkEvery === 0;
    const benchmarkRunId = inBenchmark ? `bench-${block}` : undefined;
    if (inBenchmark && i % benchmarkSize === 0) {
      const n = Math.min(benchmarkSize, options.runs - i);
      const endMs = startMs + (n - 1) * interval + 1500;
      batch.push({
        traceId: hex(rand, 32),
        spanId: hex(rand, 16),
        name: SPAN.benchmark,
        kind: 0,
        startNs: ms(startMs),
        endNs: ms(endMs),
        statusCode: 1,
        attributes: {
          [ATTR.benchmarkRunId]: benchmarkRunId ?? '',
          [ATTR.model]: FIXTURE_MODELS[0],
          [ATTR.benchmarkComponents]: n,
          [ATTR.pipelineName]: 'fixture',
          [ATTR.pipelineVersion]: '1.0.0',
          [ATTR.simulated]: true,
        },
        events: [],
        links: [],
        resource: RESOURCE,
        scopeName: 'genscope-fixture',
      });
      summary.spans++;
      summary.benchmarkRuns.push(benchmarkRunId ?? '');
    }
    const run = buildRun(rand, startMs, { components, ...(benchmarkRunId ? { benchmarkRunId } : {}) });
    for (const s of run.spans) {
      batch.push(s);
      summary.scores += s.events.filter((e) => e.name === GEN_AI.evaluationEvent).length;
      if (s.attributes[GEN_AI.operationName] !== undefined) summary.modelCalls++;
    }
    summary.spans += run.spans.length;
    summary.runs++;
    summary.costUsd += run.costUsd;
    if (run.error) summary.errors++;
    summary.runsByType[run.componentType] = (summary.runsByType[run.componentType] ?? 0) + 1;
    summary.lastMs = startMs;
    if (batch.length >= batchSpans) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
  return summary;
}
