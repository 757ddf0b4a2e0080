/** Runs the built CLI (bin/genscope.js) in a child process, as a user does, for the e2e tests. */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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

export interface ServeChild {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts a `genscope serve` child (node with `nodeArgs`, e.g. [CLI, 'serve', ...] or ts-node and
 * the sources) and resolves with its URL once it prints the dashboard line.
 */
export function startServe(nodeArgs: string[], env: NodeJS.ProcessEnv): Promise<ServeChild> {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m?.[1]) resolve({ child, url: m[1], output: () => out });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`genscope serve exited with ${code}: ${out}`)));
  });
}

/** SIGTERM, and wait for the exit (a child already gone is fine). */
export async function stopServe(s: { child: ChildProcess } | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  await exited;
}
