/**
 * Where the genscope database lives when nobody says: one rule shared by startTelemetry() and
 * every CLI command, so a pipeline and `genscope serve` started in different directories meet in
 * the same file. An explicit path wins, then GENSCOPE_DB, then a per-user data directory
 * ($XDG_DATA_HOME/genscope/genscope.db, else ~/.local/share/genscope/genscope.db).
 */
import os from 'node:os';
import path from 'node:path';

const FILE = 'genscope.db';

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 ? value : undefined;
}

/** The per-user default: never relative to the working directory. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = nonEmpty(env.XDG_DATA_HOME);
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'genscope', FILE);
  const home = nonEmpty(env.HOME) ?? os.homedir();
  return path.join(home, '.local', 'share', 'genscope', FILE);
}

/** explicit (a --db flag or an option), else GENSCOPE_DB, else defaultDbPath(env). Empty counts as unset. */
export function resolveDbPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(explicit) ?? nonEmpty(env.GENSCOPE_DB) ?? defaultDbPath(env);
}
