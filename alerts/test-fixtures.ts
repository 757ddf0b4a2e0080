/**
 * Test data for alerts/ and the gate: SpanRecords shaped like the instrumented pipeline's
 * (benchmark span, pipeline.run roots with a stage child, GenAI model-call spans with cost,
 * evaluation events), written through the real StoreWriter so the rollups are the real ones.
 * Used by tests only. All data made here is simulated and marked so (genscope.simulated).
 */
import type { Db } from '../store';
import { ATTR, EVENT, GEN_AI, SPAN } from '../schema/names';
import { StoreWriter } from '../store';
import type { SpanRecord } from '../schema/records';

const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

let idCounter = 1;
function hexId(length: number): string {
  const n = idCounter++;
  return n.toString(16).padStart(length, '0').slice(-length).replace(/^0/, 'a');
}

const RESOURCE = { 'service.name': 'alerts-test' };

export interface FixtureCall {
  costUsd: number;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
}

export interface FixtureRun {
  startMs: number;
  durationMs: number;
  componentId: string;
  componentType: string;
  model: string;
  benchmarkRunId?: string;
  error?: boolean;
  /** Score name -> value, recorded as gen_ai.evaluation.result events on the run span. */
  scores?: Record<string, number>;
  calls?: FixtureCall[];
  /** A cache lookup on the stage span. */
  cacheHit?: boolean;
}

/** The spans of one component run: root pipeline.run, a 'generate' stage, its model calls. */
export function runRecords(run: FixtureRun): SpanRecord[] {
  const traceId = hexId(32);
  const rootId = hexId(16);
  const stageId = hexId(16);
  const start = msToNs(run.startMs);
  const end = msToNs(run.startMs + run.durationMs);
  const calls = run.calls ?? [];
  const runCost = calls.reduce((a, c) => a + c.costUsd, 0);
  const common = {
    [ATTR.componentId]: run.componentId,
    [ATTR.componentType]: run.componentType,
    [ATTR.model]: run.model,
    [ATTR.simulated]: true,
    ...(run.benchmarkRunId ? { [ATTR.benchmarkRunId]: run.benchmarkRunId } : {}),
  };
  const records: SpanRecord[] = [
    {
      traceId,
      spanId: rootId,
      name: SPAN.run,
      kind: 0,
      startNs: start,
      endNs: end,
      statusCode: run.error ? 2 : 1,
      attributes: { ...common, [ATTR.costUsd]: runCost },
      events: Object.entries(run.scores ?? {}).map(([name, value]) => ({
        name: GEN_AI.evaluationEvent,
        timeNs: end,
        attributes: { [GEN_AI.evaluationName]: name, [GEN_AI.evaluationScoreValue]: value },
      })),
      links: [],
      resource: RESOURCE,
    },
    {
      traceId,
      spanId: stageId,
      parentSpanId: rootId,
      name: 'generate',
      kind: 0,
      startNs: start,
      endNs: end,
      statusCode: run.error ? 2 : 1,
      attributes: { ...common, [ATTR.stage]: 'generate' },
      events:
        run.cacheHit === undefined
          ? []
          : [{ name: EVENT.cacheLookup, timeNs: start, attributes: { [ATTR.cacheName]: 'generation', [ATTR.cacheHit]: run.cacheHit } }],
      links: [],
      resource: RESOURCE,
    },
  ];
  for (const c of calls) {
    const model = c.model ?? run.model;
    records.push({
      traceId,
      spanId: hexId(16),
      parentSpanId: stageId,
      name: `chat ${model}`,
      kind: 2,
      startNs: start,
      endNs: end,
      statusCode: 0,
      attributes: {
        ...common,
        [ATTR.stage]: 'generate',
        [GEN_AI.operationName]: 'chat',
        [GEN_AI.providerName]: 'simulated',
        [GEN_AI.requestModel]: model,
        [GEN_AI.responseModel]: model,
        [GEN_AI.inputTokens]: c.inputTokens ?? 1000,
        [GEN_AI.outputTokens]: c.outputTokens ?? 200,
        [ATTR.costUsd]: c.costUsd,
      },
      events: [],
      links: [],
      resource: RESOURCE,
    });
  }
  return records;
}

export interface FixtureBenchmark {
  id: string;
  startMs: number;
  endMs: number;
  model: string;
  components: number;
}

export function benchmarkRecord(b: FixtureBenchmark): SpanRecord {
  return {
    traceId: hexId(32),
    spanId: hexId(16),
    name: SPAN.benchmark,
    kind: 0,
    startNs: msToNs(b.startMs),
    endNs: msToNs(b.endMs),
    statusCode: 1,
    attributes: {
      [ATTR.benchmarkRunId]: b.id,
      [ATTR.model]: b.model,
      [ATTR.benchmarkComponents]: b.components,
      [ATTR.pipelineName]: 'component-generation',
      [ATTR.simulated]: true,
    },
    events: [],
    links: [],
    resource: RESOURCE,
  };
}

/** Writes records through the real store writer (time order within the batch is its job). */
export function writeRecords(db: Db, records: readonly SpanRecord[]): void {
  const writer = new StoreWriter(db);
  const batch = 2000;
  for (let i = 0; i < records.length; i += batch) {
    const r = writer.writeSpans(records.slice(i, i + batch));
    if (r.rejected > 0) throw new Error(`fixture rejected: ${r.warnings.join('; ')}`);
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Approximately normal noise (sum of uniforms) with the given standard deviation. */
export function gaussian(random: () => number, sd: number): number {
  let s = 0;
  for (let i = 0; i < 6; i++) s += random();
  return (s - 3) * Math.SQRT2 * sd;
}
