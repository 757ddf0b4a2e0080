/**
 * The sending side of the OTEL_* configuration tests, in its own Node process (the OTLP export
 * path loads `http` with a dynamic import(), which Jest's sandbox cannot do):
 *
 *   node -r ts-node/register/transpile-only test/interop/telemetry-child.ts '<env JSON>' <components> <waitMillis>
 *
 * Starts telemetry with startTelemetry({ env }) from the given JSON only (the process's own
 * environment may say otherwise: it must not matter), runs a small instrumented pipeline, waits,
 * shuts down, and prints one JSON line with what telemetry reported.
 */
import { startTelemetry } from '../../instrumentation';

export interface ChildOutput {
  otlp: ReturnType<typeof startTelemetry>['otlp'];
  disabled: boolean;
  dbPath: string | null;
  /** Date.now() just before shutdown began. */
  shutdownAtMs: number;
}

async function main(): Promise<void> {
  const env = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
  const components = Number(process.argv[3] ?? '3');
  const waitMillis = Number(process.argv[4] ?? '0');
  const telemetry = startTelemetry({ env, db: env.GENSCOPE_DB !== undefined ? undefined : false });
  const p = telemetry.pipeline({ name: 'otel-env-test', version: '1' });
  const generate = p.stage('generate', () =>
    telemetry.modelCall({ provider: 'openai', operation: 'chat', requestModel: 'gpt-4o-mini' }, () =>
      Promise.resolve({ usage: { inputTokens: 10, outputTokens: 5 } }),
    ),
  );
  for (let i = 0; i < components; i++) await p.run({ componentId: `c${i}`, componentType: 'button' }, () => generate());
  if (waitMillis > 0) await new Promise((r) => setTimeout(r, waitMillis));
  const shutdownAtMs = Date.now();
  await telemetry.shutdown();
  const out: ChildOutput = { otlp: telemetry.otlp, disabled: telemetry.disabled, dbPath: telemetry.dbPath, shutdownAtMs };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
