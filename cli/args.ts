/**
 * Small helpers shared by the CLI commands: argument parsing with clear errors, the database
 * path rule (--db, then GENSCOPE_DB, then the per-user data directory) and output streams.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { resolveDbPath } from '../instrumentation';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON = { help: { type: 'boolean', short: 'h' }, db: { type: 'string' } } as const;
interface Config<O extends Options> {
  args: string[];
  options: O & typeof COMMON;
  allowPositionals: true;
  strict: true;
}
/** What parse() returns (spelled out: declaration files may only name exported types). */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/** parseArgs with --help and --db always known, and errors that name the fix. */
export function parse<O extends Options>(argv: string[], options: O, command: string): Parsed<O> {
  try {
    return parseArgs<Config<O>>({
      args: argv,
      options: { ...options, ...COMMON },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run \`genscope ${command} --help\` for the options.`);
  }
}

export function dbPath(value: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolveDbPath(value, env);
}

/** A positive integer option, or a usage error naming the option. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

export function numberOption(name: string, value: string | undefined, fallback: number, min = 0, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
