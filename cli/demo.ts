/**
 * `genscope demo`: fills a database with a labelled, simulated demo history by running the
 * real reference pipeline with the simulated model client on a simulated clock: weeks of
 * benchmark runs with past timestamps, two models with a switch between them, one injected
 * quality regression and one injected cost spike, at dates it prints. Deterministic for a seed
 * (content: scores, tokens, costs; span ids are random and compute stages take real time).
 */
import { performance } from 'node:perf_hooks';
import { SimulatedClock, startTelemetry } from '../instrumentation';
import type { Telemetry } from '../instrumentation';
import { createPipelineResources, HashedNgramEmbedder, runBenchmark, SimulatedModelClient, ValidationCache, validateGenerated, validationKey } from '../pipeline';
import type { CompletionOptions, CompletionResult, ModelClient, PipelineResources, SleepClock, ValidationResult, Validator } from '../pipeline';
import { DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, openDatabase, pruneOnce } from '../store';
import { ATTR } from '../schema/names';
import { dbPath, intOption, parse, UsageError, write } from './args';
import type { Io } from './args';
import { generateBulkDemoOffThread } from './demo-bulk';

const DAY_MS = 86_400_000;

/** The two models of the demo story: the team starts on the larger one and switches. */
export const DEMO_MODELS = { before: 'gpt-4o', after: 'gpt-4o-mini' } as const;

export interface DemoOptions {
  db: string;
  seed?: number;
  days?: number;
  /** Benchmark runs per day on the primary model (a shadow run on the other model is added). */
  runsPerDay?: number;
  /** Scale the history to about this many spans (sets runsPerDay). */
  targetSpans?: number;
  /** The last day of history ends here (ms). Default now. */
  endMillis?: number;
  log?: (line: string) => void;
}

export interface DemoReport {
  seed: number;
  days: number;
  runsPerDay: number;
  benchmarkRuns: number;
  spans: number;
  startDate: string;
  endDate: string;
  modelSwitch: { date: string; from: string; to: string };
  /** Quality regression: [from, to) dates (UTC, ISO day) on the primary model. */
  qualityRegression: { from: string; to: string; model: string; degradation: number };
  /** Cost spike: the day the prompt carried the whole catalogue as context. */
  costSpike: { date: string; inputTokenFactor: number };
  seconds: number;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Simulates a prompt bug: the whole component catalogue stuffed into every generation prompt.
 * Tokens are counted from the longer prompt, so the cost rises for real.
 */
class ContextStuffingClient implements ModelClient {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  readonly simulated = true;
  constructor(
    private readonly inner: ModelClient,
    private readonly context: string,
  ) {
    this.name = `${inner.name}+context-stuffing`;
    this.provider = inner.provider;
    this.model = inner.model;
  }
  complete(prompt: string, options?: CompletionOptions): Promise<CompletionResult> {
    return this.inner.complete(`${prompt}\n\nReference catalogue (all entries):\n${this.context}`, options);
  }
}

export interface PlannedRun {
  atMillis: number;
  model: string;
  degradation: number;
  variantSeed: number;
  costSpike: boolean;
  shadow: boolean;
}

/** The schedule, a pure function of the options: what runs when, with which knobs. */
export function planDemo(opts: { seed: number; days: number; runsPerDay: number; endMillis: number }) {
  const { seed, days, runsPerDay } = opts;
  const firstDay = Math.floor(opts.endMillis / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  const switchDay = Math.floor(days * 0.5);
  const spikeDay = Math.max(1, Math.floor(days * 0.3));
  const regressionStart = Math.min(days - 2, Math.max(switchDay + 3, Math.floor(days * 0.75)));
  const regressionDays = 3;
  const runs: PlannedRun[] = [];
  for (let d = 0; d < days; d++) {
    const dayStart = firstDay + d * DAY_MS;
    const primary = d < switchDay ? DEMO_MODELS.before : DEMO_MODELS.after;
    const shadowModel = primary === DEMO_MODELS.before ? DEMO_MODELS.after : DEMO_MODELS.before;
    const inRegression = d >= regressionStart && d < regressionStart + regressionDays;
    // A few seeds recur, so outputs (and their validation) repeat and are reused.
    const slots = runsPerDay + 1;
    for (let i = 0; i < slots; i++) {
      const shadow = i === slots - 1;
      const at = dayStart + Math.floor(((i + 0.5) * DAY_MS) / slots) + ((seed * 7919 + d * 104_729 + i * 1_299_709) % 600_000);
      if (at > opts.endMillis) continue;
      runs.push({
        atMillis: at,
        model: shadow ? shadowModel : primary,
        degradation: !shadow && inRegression ? 0.55 : 0.05,
        variantSeed: (seed + d + i) % 2,
        costSpike: d === spikeDay,
        shadow,
      });
    }
  }
  return {
    runs,
    firstDay,
    switchDate: isoDay(firstDay + switchDay * DAY_MS),
    spikeDate: isoDay(firstDay + spikeDay * DAY_MS),
    regressionFrom: isoDay(firstDay + regressionStart * DAY_MS),
    regressionTo: isoDay(firstDay + (regressionStart + regressionDays) * DAY_MS),
  };
}

/** Spans one benchmark run of the bundled corpus writes (51 components x 6 spans, plus the benchmark span). */
export const SPANS_PER_BENCHMARK_ESTIMATE = 306;

/** Who the demo history says recorded it (the resource of every span). */
export const DEMO_RESOURCE = {
  serviceName: 'genscope-demo',
  resourceAttributes: { [ATTR.simulated]: true, 'deployment.environment.name': 'demo' },
} as const;

/** The key of a planned run's client: runs with the same key get the same replies. */
export function clientKey(run: PlannedRun): string {
  return `${run.model}|${run.degradation}|${run.variantSeed}|${run.costSpike}`;
}

/** The model client of each planned run, one per client key (made on first use). */
export function demoClients(seed: number, clock: SleepClock, catalogText: string): (run: PlannedRun) => ModelClient {
  const clients = new Map<string, ModelClient>();
  return (run) => {
    const key = clientKey(run);
    let c = clients.get(key);
    if (!c) {
      const base = new SimulatedModelClient({
        model: run.model,
        seed: `${seed}-${run.variantSeed}`,
        degradation: run.degradation,
        latencyScale: 1,
        clock,
      });
      c = run.costSpike ? new ContextStuffingClient(base, catalogText) : base;
      clients.set(key, c);
    }
    return c;
  };
}

/**
 * Validation as each benchmark run, a process of its own with a cold cache, would do it: every
 * output is validated. The first validation of an output really runs (render, pixel, SSIM,
 * semantic, code quality); a repeat (the simulated model gives the same reply to the same
 * prompt) returns that result and advances the simulated clock by the duration measured when it
 * ran, so the validate stage shows what the real work takes, not a cache hit's microseconds.
 */
export function replayingValidator(clock: { advance(ms: number): void }): Validator {
  const measured = new Map<string, { result: ValidationResult; ms: number }>();
  return (spec, code, cache) => {
    const key = validationKey(spec, code);
    const seen = measured.get(key);
    if (seen === undefined || cache?.results.get(key) !== undefined) {
      const t0 = performance.now();
      const outcome = validateGenerated(spec, code, cache);
      if (seen === undefined) measured.set(key, { result: outcome.result, ms: performance.now() - t0 });
      return outcome;
    }
    clock.advance(seen.ms);
    cache?.results.set(key, seen.result);
    return { result: seen.result, cacheHit: cache !== undefined ? false : undefined };
  };
}

/**
 * Simulated latency of the stand-in embedding call (an assumed profile for a hosted embedding
 * API, not a measurement: the demo makes no network call). The vectors are computed locally.
 */
export const DEMO_EMBEDDING_LATENCY = { baseMillis: 120, millisPerToken: 0.05 } as const;

/**
 * The demo's pipeline resources: the embedding cache kept across runs (a persistent cache, as
 * pipelines keep for embeddings), the embedding call waiting as a hosted one would, validation
 * replayed with measured durations.
 */
export async function demoResources(clock: SimulatedClock): Promise<PipelineResources> {
  const embedder = new HashedNgramEmbedder({ simulatedLatency: { clock, ...DEMO_EMBEDDING_LATENCY } });
  return { ...(await createPipelineResources({ embedder })), validator: replayingValidator(clock) };
}

/** One planned run through the reference pipeline, its spans labelled simulated. */
export async function runPlanned(
  telemetry: Telemetry,
  run: PlannedRun,
  clientFor: (run: PlannedRun) => ModelClient,
  resources: PipelineResources,
): Promise<void> {
  await runBenchmark({
    telemetry,
    model: run.model,
    client: clientFor(run),
    // Each benchmark run validates with a cold cache, as a run in a process of its own does.
    resources: { ...resources, validationCache: new ValidationCache() },
    attributes: { [ATTR.simulated]: true, [ATTR.simulatedDegradation]: run.degradation, 'genscope.demo.shadow': run.shadow },
  });
}

/** runsPerDay for about targetSpans spans over days (one shadow run a day comes on top). */
export function runsPerDayFor(targetSpans: number, days: number): number {
  return Math.max(1, Math.ceil(targetSpans / (days * SPANS_PER_BENCHMARK_ESTIMATE)) - 1);
}

/**
 * Where compactDemo's prune starts keeping minute rollups (ns): the history's end minus their 7
 * days, as retention computes it. The bulk builder does not write minute rollups before it.
 */
export function minuteRollupCutoffNs(endMillis: number): bigint {
  return (BigInt(Math.floor(endMillis)) - BigInt(DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS * DAY_MS)) * 1_000_000n;
}

/**
 * Leaves a finished demo file as a store that had been running over its history would be, then
 * rewrites it compactly. The history was written at once, so every minute-grain rollup of its
 * days is still there; a live store keeps them DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS (7) days, and
 * `genscope serve` deletes the rest at its first start (at 10M spans 3.2M rows, over a minute of
 * background work): they go here, as of the history's end (raw rows and hour/day rollups stay:
 * the raw retention is at least the history's length; the bulk builder never writes them, see
 * minuteRollupCutoffNs). Then VACUUM: runs written concurrently
 * insert into the middle of the time indexes and rollup keys, so their pages are split and about
 * 10% empty (about 5% of the file). The auto_vacuum mode is kept. `log` gets a line per step with its time.
 */
export function compactDemo(file: string, history: { endMillis: number; days: number }, log: (line: string) => void = () => undefined): void {
  const db = openDatabase(file);
  try {
    let t = performance.now();
    const lap = (what: string) => {
      const now = performance.now();
      log(`  ${what} in ${((now - t) / 1000).toFixed(0)} s`);
      t = now;
    };
    const pruned = pruneOnce(db, {
      nowMillis: history.endMillis,
      retentionDays: Math.max(DEFAULT_RETENTION_DAYS, history.days + 1),
      minuteRollupRetentionDays: DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS,
    });
    lap(`${Object.values(pruned.deleted).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rollup rows past retention pruned`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    lap('VACUUM');
  } finally {
    db.close();
  }
}

/** What a finished demo database shows: spans stored and the spike's measured token factor. */
function measureDemo(file: string, spikeDate: string): { spans: number; inputTokenFactor: number } {
  const db = openDatabase(file);
  try {
    const spans = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    // Measured, not assumed: mean generation prompt size on the spike day against the rest.
    const spikeStart = BigInt(Date.parse(`${spikeDate}T00:00:00Z`)) * 1_000_000n;
    const spikeEnd = spikeStart + BigInt(DAY_MS) * 1_000_000n;
    const tokens = db
      .prepare(
        `SELECT avg(CASE WHEN time_ns >= ? AND time_ns < ? THEN input_tokens END) AS spike,
                avg(CASE WHEN time_ns < ? OR time_ns >= ? THEN input_tokens END) AS normal
           FROM model_calls WHERE operation = 'chat'`,
      )
      .get(spikeStart, spikeEnd, spikeStart, spikeEnd) as { spike: number | null; normal: number | null };
    return { spans, inputTokenFactor: tokens.spike && tokens.normal ? tokens.spike / tokens.normal : 0 };
  } finally {
    db.close();
  }
}

/** The report of a finished demo build: what the plan injected, what the database holds. */
export function demoReport(
  file: string,
  plan: ReturnType<typeof planDemo>,
  run: { seed: number; days: number; runsPerDay: number; benchmarkRuns: number; endMillis: number; startedAt: number },
): DemoReport {
  const { spans, inputTokenFactor } = measureDemo(file, plan.spikeDate);
  return {
    seed: run.seed,
    days: run.days,
    runsPerDay: run.runsPerDay,
    benchmarkRuns: run.benchmarkRuns,
    spans,
    startDate: isoDay(plan.firstDay),
    endDate: isoDay(run.endMillis),
    modelSwitch: { date: plan.switchDate, from: DEMO_MODELS.before, to: DEMO_MODELS.after },
    qualityRegression: { from: plan.regressionFrom, to: plan.regressionTo, model: DEMO_MODELS.after, degradation: 0.55 },
    costSpike: { date: plan.spikeDate, inputTokenFactor },
    seconds: (performance.now() - run.startedAt) / 1000,
  };
}

export async function generateDemo(options: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const seed = options.seed ?? 42;
  const days = options.days ?? 35;
  const runsPerDay = options.targetSpans ? runsPerDayFor(options.targetSpans, days) : (options.runsPerDay ?? 2);
  const endMillis = options.endMillis ?? Date.now();
  const log = options.log ?? (() => undefined);
  const plan = planDemo({ seed, days, runsPerDay, endMillis });

  const clock = new SimulatedClock(BigInt(plan.firstDay) * 1_000_000n);
  const telemetry = startTelemetry({
    db: options.db,
    otlp: false,
    clock,
    ...DEMO_RESOURCE,
    batch: { maxExportBatchSize: 4096 },
  });
  const resources: PipelineResources = await demoResources(clock);
  const clientFor = demoClients(seed, clock, JSON.stringify(resources.catalog.entries, null, 2));

  let done = 0;
  let lastLog = performance.now();
  try {
    for (const run of plan.runs) {
      clock.set(BigInt(run.atMillis) * 1_000_000n);
      await runPlanned(telemetry, run, clientFor, resources);
      done++;
      if (performance.now() - lastLog > 5000) {
        log(`  ${done}/${plan.runs.length} benchmark runs written`);
        lastLog = performance.now();
      }
    }
  } finally {
    await telemetry.shutdown();
  }
  compactDemo(options.db, { endMillis, days }, log);
  return demoReport(options.db, plan, { seed, days, runsPerDay, benchmarkRuns: done, endMillis, startedAt: t0 });
}

export function formatDemoReport(r: DemoReport, db: string): string {
  return [
    `Demo history written to ${db} (SIMULATED data: simulated model client, simulated clock; labelled genscope.simulated=true)`,
    `  ${r.benchmarkRuns} benchmark runs, ${r.spans.toLocaleString('en-US')} spans, ${r.startDate} .. ${r.endDate}, seed ${r.seed}, ${r.seconds.toFixed(1)} s`,
    `  model switch:        ${r.modelSwitch.date}  ${r.modelSwitch.from} -> ${r.modelSwitch.to} (a daily shadow run keeps the other model measured)`,
    `  quality regression:  ${r.qualityRegression.from} .. ${r.qualityRegression.to} (exclusive), ${r.qualityRegression.model}, injected degradation ${r.qualityRegression.degradation}`,
    `  cost spike:          ${r.costSpike.date}  (the whole catalogue stuffed into every generation prompt: ${r.costSpike.inputTokenFactor.toFixed(1)}x input tokens)`,
  ].join('\n');
}

const HELP = `Usage: genscope demo [--db PATH] [--seed N] [--days N] [--runs-per-day N] [--spans N] [--force]

Fills the database with a labelled, SIMULATED demo history: the real reference pipeline run
with the simulated model client on a simulated clock, over past days. Prints the dates of
the model switch, the injected quality regression and the injected cost spike.

  --seed N           content is deterministic for a seed (default 42)
  --days N           days of history ending today (default 35)
  --runs-per-day N   benchmark runs a day on the primary model, plus one shadow run (default 2)
  --spans N          about N spans (e.g. 10000000 for benchmarks), built in bulk: the first two runs
                     of each kind run the pipeline, later runs replay them with fresh ids, their
                     own times and latency jitter; overrides --runs-per-day
  --force            write into a database that already has data
`;

export async function runDemoCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      seed: { type: 'string' },
      days: { type: 'string' },
      'runs-per-day': { type: 'string' },
      spans: { type: 'string' },
      force: { type: 'boolean' },
    },
    'demo',
  );
  if (values.help) {
    write(io.stdout, HELP);
    return 0;
  }
  const file = dbPath(values.db, io.env);
  const seed = intOption('seed', values.seed, 42, 0);
  const days = intOption('days', values.days, 35, 7, 3650);
  const runsPerDay = intOption('runs-per-day', values['runs-per-day'], 2, 1, 1000);
  const targetSpans = values.spans === undefined ? undefined : intOption('spans', values.spans, 0, 1000, 100_000_000);
  const db = openDatabase(file);
  const existing = (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
  db.close();
  if (existing > 0 && !values.force) {
    throw new UsageError(
      `${file} already holds ${existing} spans; add --force to add the demo history to it, or choose another --db`,
    );
  }
  write(io.stdout, `Generating the demo history into ${file} ...`);
  const log = (line: string) => write(io.stdout, line);
  // --spans: replayed in bulk (minutes for millions of spans); otherwise every run is a real pipeline run.
  const report = targetSpans
    ? await generateBulkDemoOffThread({ db: file, seed, days, targetSpans, log })
    : await generateDemo({ db: file, seed, days, runsPerDay, log });
  write(io.stdout, formatDemoReport(report, file));
  return 0;
}
