/**
 * The genscope command line: start, serve, demo, pipeline run, gate, export, keys, clickhouse.
 * Each command resolves to an exit code; errors a user can fix are printed as one line with
 * the fix, never as a stack trace.
 */
import { UsageError, write } from './args';
import type { Io } from './args';
import { runClickHouse } from './clickhouse';
import { runDemoCommand } from './demo';
import { runExport } from './export';
import { runGate } from './gate';
import { runKeys } from './keys';
import { runPipelineCommand } from './pipeline-run';
import { runServe, runStart } from './serve';

const HELP = `genscope: observability for UI-design-to-component-code pipelines

Usage: genscope <command> [options]

Commands:
  start          Open the database (filling it with the labelled demo history when empty),
                 serve the API and dashboard, print the URL. What \`npm start\` runs.
  serve          Serve the API, OTLP ingest and the dashboard over an existing database.
  demo           Fill a database with a deterministic, labelled (simulated) demo history.
  pipeline run   Run the reference pipeline over the bundled corpus once (one benchmark run).
  gate           Compare the latest benchmark run with a baseline; exit 1 on a regression.
  export         Write spans, runs, scores or model calls as CSV, JSON or NDJSON.
  keys           Create, list or revoke scoped API keys (read, ingest, admin).
  clickhouse     ClickHouse store: print or apply genscope's DDL, extract from otel_traces.

Every command takes --db PATH (or GENSCOPE_DB; default $XDG_DATA_HOME/genscope/genscope.db,
else ~/.local/share/genscope/genscope.db: the file startTelemetry() uses too) and --help.
`;

type Command = (argv: string[], io: Io) => Promise<number>;

const commands: Record<string, Command> = {
  start: runStart,
  serve: runServe,
  demo: runDemoCommand,
  pipeline: runPipelineCommand,
  gate: runGate,
  export: runExport,
  keys: runKeys,
  clickhouse: runClickHouse,
};

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    write(io.stdout, HELP);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    write(io.stderr, `genscope: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}. See genscope --help.`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      write(io.stderr, `genscope ${name}: ${err.message}`);
      return 2;
    }
    write(io.stderr, `genscope ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
