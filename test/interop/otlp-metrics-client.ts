/**
 * The sending side of the OTLP metrics panel test, in its own Node process (Jest cannot load the
 * official exporters): a counter and a histogram recorded over several export intervals through
 * the official http/protobuf metric exporter, cumulative or delta, then a shutdown (which exports
 * the cumulative totals once more, as every SDK does).
 *
 *   node -r ts-node/register/transpile-only test/interop/otlp-metrics-client.ts <cumulative|delta> <baseUrl>
 *
 * Prints what was recorded: the counter's total per model and every histogram value.
 */
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

export interface MetricsClientOutput {
  totals: Record<string, number>;
  durations: number[];
  startMs: number;
  endMs: number;
}

const [temporality, baseUrl] = process.argv.slice(2);
if ((temporality !== 'cumulative' && temporality !== 'delta') || !baseUrl) {
  console.error('usage: otlp-metrics-client.ts <cumulative|delta> <baseUrl>');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const startMs = Date.now();
  const exporter = new OTLPMetricExporter({
    url: `${baseUrl}/v1/metrics`,
    temporalityPreference:
      temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'metrics-panel-interop' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 250, exportTimeoutMillis: 200 })],
  });
  const meter = provider.getMeter('interop');
  const counter = meter.createCounter('interop.requests', { unit: '{request}' });
  const histogram = meter.createHistogram('interop.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.2, 0.5, 1, 2, 5] } });
  const totals: Record<string, number> = {};
  const durations: number[] = [];
  for (let round = 0; round < 6; round++) {
    for (const [model, n] of [['gpt-a', 3 + round], ['gpt-b', 1]] as const) {
      counter.add(n, { 'gen_ai.request.model': model });
      totals[model] = (totals[model] ?? 0) + n;
    }
    for (let i = 0; i < 10; i++) {
      const v = 0.05 + ((round * 10 + i) % 17) * 0.17;
      histogram.record(v, { 'gen_ai.request.model': 'gpt-a' });
      durations.push(v);
    }
    // Spans several export intervals: the same cumulative series is exported again and again.
    await sleep(400);
  }
  await provider.shutdown();
  const out: MetricsClientOutput = { totals, durations, startMs, endMs: Date.now() };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
