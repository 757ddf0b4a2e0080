/**
 * `genscope pipeline run`: one benchmark run of the reference pipeline over the bundled corpus,
 * with real timestamps, into the database (and to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).
 */
import { startTelemetry } from '../instrumentation';
import type { Telemetry } from '../instrumentation';
import { createModelClient, createPipelineResources, runBenchmark, SIMULATED_MODEL_PROFILES } from '../pipeline';
import { dbPath, numberOption, parse, UsageError, write } from './args';
import type { Io } from './args';

const HELP = `Usage: genscope pipeline run [--db PATH] [--model NAME] [--corpus FILE] [--latency-scale X]
                             [--seed S] [--degradation X] [--prices FILE]

Runs the reference pipeline (classify -> map -> generate -> validate) once over the corpus as
one benchmark run, recording spans, scores, model calls and metrics with real timestamps.
Without GENSCOPE_OPENAI_BASE_URL the model is the SIMULATED client (offline, deterministic).

  --model NAME        simulated models: ${Object.keys(SIMULATED_MODEL_PROFILES).join(', ')} (default gpt-4o-mini)
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
  // Fail on a bad corpus or model before any telemetry is started.
  const resources = await createPipelineResources(values.corpus ? { corpusPath: values.corpus } : {});
  const client = createModelClient({ model, seed: values.seed ?? 0, degradation, latencyScale, env: io.env });
  const file = dbPath(values.db, io.env);
  const telemetry = startTelemetry({
    db: file,
    env: io.env,
    ...(values.prices ? { prices: values.prices } : {}),
  });
  write(
    io.stdout,
    `Running the pipeline over ${resources.corpus.components.length} components with ${client.name}${client.simulated ? ' (SIMULATED model client)' : ''} ...`,
  );
  let summary;
  try {
    summary = await runBenchmark({ telemetry, model: client.model, client, resources });
  } finally {
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
    ].join('\n'),
  );
  return 0;
}
