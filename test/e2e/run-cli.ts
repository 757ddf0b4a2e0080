/** Runs the built CLI (bin/genscope.js) in a child process, as a user does, for the e2e tests. */
import { execFile } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'bin', 'genscope.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** GENSCOPE_DB is cleared so that only --db (or `env`) chooses the database. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { ...process.env, GENSCOPE_DB: '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
