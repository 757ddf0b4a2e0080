/**
 * `genscope pipeline run`: one benchmark run of the reference pipeline over the bundled corpus,
 * with real timestamps, into the database (and to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).
 */
import { startTelemetry } from '../instrumentation';
import type { Telemetry } from '../instrumentation';
import { createModelClient, createPipelineResources, runBenchmark, SIMULATED_MODEL_PROFILES } from '../pipeline';
import { dbPath, intOption, numberOption, parse, UsageError, write } from './args';
import type { Io } from './args';
import { createProgress } from './progress';

/** Components in flight at once by default: model calls wait on the network, not the CPU. */
export const DEFAULT_CONCURRENCY = 4;

const HELP = `Usage: genscope pipeline run [--db PATH] [--model NAME] [--corpus FILE] [--concurrency N]
                             [--latency-scale X] [--seed S] [--degradation X] [--prices FILE]

Runs the reference pipeline (classify -> map -> generate -> validate) once over the corpus as
one benchmark run, recording spans, scores, model calls and metrics with real timestamps.
Without GENSCOPE_OPENAI_BASE_URL the model is the SIMULATED client (offline, deterministic).
Shows progress (a bar on a terminal, a line per tenth otherwise) and ends with where to look.

  --model NAME        simulated models: ${Object.keys(SIMULATED_MODEL_PROFILES).join(', ')} (default gpt-4o-mini)
  --concurrency N     components in flight at once, 1 to 64 (default ${DEFAULT_CONCURRENCY}); results are the same
  --corpus FILE       a corpus JSON file (default: the bundled one)
  --latency-scale X   simulated model latency multiplier, 0 = none (default 1)
  --seed S            simulated client seed (default 0)
  --degradation X     simulated client mistakes, 0..1 (default 0)
  --prices FILE       price overrides JSON: {"models": {"name": {"inputPerMTokUsd": n, "outputPerMTokUsd": n}}}
Also honours OTEL_EXPORTER_OTLP_ENDPOINT / _PROTOCOL / _HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
`;

function forwarded(otlp: Telemetry['otlp']): string {
  if (otlp === null) return '';
  const parts = [
    otlp.traces ? `traces to ${otlp.traces.url} (${otlp.traces.protocol})` : '',
    otlp.metrics ? `metrics to ${otlp.metrics.url} (${otlp.metrics.protocol})` : '',
  ].filter((p) => p !== '');
  return ` and sent over OTLP: ${parts.join(', ')}`;
}

export async function runPipelineCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    write(sub === undefined ? io.stderr : io.stdout, HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'run') throw new UsageError(`unknown subcommand "${sub}"; the one there is: genscope pipeline run`);
  const { values } = parse(
    rest,
    {
      model: { type: 'string' },
      corpus: { type: 'string' },
      'latency-scale': { type: 'string' },
      seed: { type: 'string' },
      degradation: { type: 'string' },
      prices: { type: 'string' },
      concurrency: { type: 'string' },
    },
    'pipeline run',
  );
  if (values.help) {
    write(io.stdout, HELP);
    return 0;
  }
  const model = values.model ?? 'gpt-4o-mini';
  const latencyScale = numberOption('latency-scale', values['latency-scale'], 1, 0, 100);
  const degradation = numberOption('degradation', values.degradation, 0, 0, 1);
  const concurrency = intOption('concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, 64);
  // Fail on a bad corpus or model before any telemetry is started.
  const resources = await createPipelineResources(values.corpus ? { corpusPath: values.corpus } : {});
  const client = createModelClient({ model, seed: values.seed ?? 0, degradation, latencyScale, env: io.env });
  const file = dbPath(values.db, io.env);
  const telemetry = startTelemetry({
    db: file,
    env: io.env,
    ...(values.prices ? { prices: values.prices } : {}),
  });
  const total = resources.corpus.components.length;
  write(
    io.stdout,
    `Running the pipeline over ${total} components with ${client.name}${client.simulated ? ' (SIMULATED model client)' : ''}, ${concurrency} at a time ...`,
  );
  const progress = createProgress({
    total,
    noun: 'components',
    stream: io.stdout,
    tty: isTerminal(io.stdout),
    ...(columnsOf(io.stdout) !== undefined ? { columns: columnsOf(io.stdout) } : {}),
  });
  let summary;
  try {
    summary = await runBenchmark({
      telemetry,
      model: client.model,
      client,
      resources,
      concurrency,
      onComponent: (outcome) => progress.tick(!outcome.ok),
    });
  } finally {
    progress.finish();
    await telemetry.shutdown();
  }
  const scores = Object.entries(summary.meanScores)
    .map(([k, v]) => `    ${k.padEnd(32)} ${v.toFixed(3)}`)
    .join('\n');
  write(
    io.stdout,
    [
      `benchmark run ${summary.benchmarkRunId}: ${summary.succeeded}/${summary.components} components succeeded, ${summary.failed} failed`,
      `  duration ${(summary.durationMs / 1000).toFixed(2)} s, cost $${summary.costUsd.toFixed(4)} (${summary.inputTokens} input / ${summary.outputTokens} output tokens; prices ${telemetry.prices.source.dataset} ${telemetry.prices.source.version})`,
      `  mean scores:`,
      scores,
      `  written to ${file}${forwarded(telemetry.otlp)}`,
      await whereToLook(io.env, file, summary.benchmarkRunId),
    ].join('\n'),
  );
  return 0;
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

function columnsOf(stream: NodeJS.WritableStream): number | undefined {
  const c = (stream as { columns?: unknown }).columns;
  return typeof c === 'number' && c > 0 ? c : undefined;
}

/** A path as one shell word, so the printed command can be pasted as it is. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The last line: the dashboard when a genscope server on the usual address already shows this
 * run (its benchmark list has the id), else the command that serves this database.
 */
async function whereToLook(env: NodeJS.ProcessEnv, file: string, benchmarkRunId: string): Promise<string> {
  const host = env['GENSCOPE_HOST'] && env['GENSCOPE_HOST'] !== '0.0.0.0' ? env['GENSCOPE_HOST'] : '127.0.0.1';
  const port = Number(env['GENSCOPE_PORT'] ?? 4000) || 4000;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const token = env['GENSCOPE_TOKEN'];
  const serve = `genscope serve --db ${shellWord(file)}`;
  try {
    const res = await fetch(`${base}/api/v1/benchmarks?limit=50`, {
      signal: AbortSignal.timeout(1500),
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    const body = await res.text();
    if (res.ok && body.includes(benchmarkRunId)) return `Open the dashboard: ${base}/`;
    if (res.status === 401 || res.status === 403)
      return `A genscope server at ${base}/ wants a read key (so this run could not be looked up there); open it with your key, or look with: ${serve}`;
    return `The genscope server at ${base}/ serves another database; look at this run with: ${serve} --port ${port + 1}`;
  } catch {
    return `Look at it: ${serve}   (then open ${base}/)`;
  }
}
