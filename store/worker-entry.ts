/**
 * Where a worker thread's script is: the compiled `<name>.js` beside its caller (the package,
 * dist/), or from the TypeScript sources (jest, ts-node) the `.ts` through ts-node with SWC.
 * Used by the ingest decode pool and the alert metric reads.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface WorkerEntry {
  file: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/** dir: the caller's __dirname; name: the worker module's name without extension. */
export function workerEntry(dir: string, name: string): WorkerEntry {
  const js = path.join(dir, `${name}.js`);
  if (fs.existsSync(js)) return { file: js, execArgv: [], env: process.env };
  return {
    file: path.join(dir, `${name}.ts`),
    execArgv: ['--require', 'ts-node/register/transpile-only'],
    env: { ...process.env, TS_NODE_SWC: 'true', TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
  };
}
