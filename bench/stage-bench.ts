/**
 * The stage wrapper's cost per call against a bare OTel span, both with no sink
 * (`startTelemetry({ db: false, otlp: false })`: spans and metrics are made and dropped).
 *
 * The fair baseline is a span with what the wrapper's span carries (the pipeline's name and
 * version and the stage: the attributes are span content, and the SDK copies and checks each),
 * around a call of the same function. What remains is the wrapper: its clock, the span made
 * active for the function, failure handling, the duration histogram. An attribute-less span (the
 * figure printed before) is shown too. Each round is timed in the process's CPU time, which a
 * busy shared machine does not stretch the way it does wall time; the loops alternate over the
 * rounds (the order rotating), and each ratio is the median of the per-round ratios.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../schema/names';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { PipelineTracer, startTelemetry } from '../instrumentation';
import { createInstruments } from '../instrumentation/pipeline-tracer';

export interface StageBenchResult {
  lines: string[];
  /** Wrapped call over a bare span with the same attributes (median of rounds). */
  overSpan: number;
  /** Wrapped call over an attribute-less bare span (median of rounds). */
  overPlainSpan: number;
}

/** The bound and goal for overSpan. */
const FLOOR = 1.5;
const TARGET = 1.3;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

export async function benchStageWrapper(calls = 50_000, rounds = 11): Promise<StageBenchResult> {
  const telemetry = startTelemetry({ db: false, otlp: false });
  const { tracer } = telemetry;
  const fn = (x: number) => x + 1;
  const wrapped = telemetry.pipeline({ name: 'bench', version: '1' }).stage('classify', fn);
  // What the wrapper puts on a stage span outside a run.
  const attributes: Attributes = { [ATTR.pipelineName]: 'bench', [ATTR.pipelineVersion]: '1', [ATTR.stage]: 'classify' };
  // The same wrapper with a metric reader attached, as every real sink has (the SQLite store,
  // OTLP): the SDK then aggregates each duration.
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA), exportIntervalMillis: 3_600_000 })],
  });
  const instruments = createInstruments(meterProvider.getMeter('bench'));
  const metered = new PipelineTracer(tracer, instruments, telemetry.clock, telemetry.prices, { name: 'bench', version: '1' }).stage('classify', fn);
  let acc = 0;
  const loops: Record<'wrapped' | 'span' | 'plain' | 'metered', () => void> = {
    wrapped: () => {
      for (let i = 0; i < calls; i++) acc += wrapped(i);
    },
    metered: () => {
      for (let i = 0; i < calls; i++) acc += metered(i);
    },
    span: () => {
      for (let i = 0; i < calls; i++) {
        const s = tracer.startSpan('classify', { attributes });
        acc += fn(i);
        s.end();
      }
    },
    plain: () => {
      for (let i = 0; i < calls; i++) {
        const s = tracer.startSpan('classify');
        acc += fn(i);
        s.end();
      }
    },
  };
  const names = Object.keys(loops) as (keyof typeof loops)[];
  const ns: Record<keyof typeof loops, number[]> = { wrapped: [], span: [], plain: [], metered: [] };
  // Round 0 warms the JIT and is not counted.
  for (let r = 0; r <= rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] ?? 'wrapped';
      const cpu0 = process.cpuUsage();
      loops[name]();
      const cpu = process.cpuUsage(cpu0);
      if (r > 0) ns[name].push(((cpu.user + cpu.system) * 1e3) / calls);
    }
  }
  await telemetry.shutdown();
  await meterProvider.shutdown();
  if (acc === 0) throw new Error('the stage bench computed nothing');

  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? NaN)));
  const overSpan = ratio(ns.wrapped, ns.span);
  const overPlainSpan = ratio(ns.wrapped, ns.plain);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const verdict = overSpan <= TARGET ? 'within the target' : overSpan <= FLOOR ? 'within the floor' : 'OVER THE FLOOR';
  return {
    lines: [
      `  stage wrapper overhead        ${fmt(median(ns.wrapped))} ns/call vs bare span ${fmt(median(ns.span))} ns/call = ${overSpan.toFixed(2)}x (floor ${FLOOR}x, target ${TARGET}x: ${verdict}; the span with the stage's attributes; CPU time, median of ${rounds} alternating rounds of ${fmt(calls)})`,
      `                                vs an attribute-less span ${fmt(median(ns.plain))} ns/call = ${overPlainSpan.toFixed(2)}x`,
      `                                with a metric reader ${fmt(median(ns.metered))} ns/call = ${ratio(ns.metered, ns.span).toFixed(2)}x the bare span (sdk-metrics hashes the attributes of every measurement)`,
    ],
    overSpan,
    overPlainSpan,
  };
}
