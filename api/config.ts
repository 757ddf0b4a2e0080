/** The API server's settings, and reading them from the environment. */


export interface ApiConfig {
  /** The shared token: an admin key (`Authorization: Bearer <token>`), see api/auth.ts. */
  token?: string;
  /** Reads need no key even when keys or a token exist (`--open-reads`, GENSCOPE_OPEN_READS=1). */
  openReads?: boolean;
  /**
   * Host names the server answers to besides IP literals and localhost (api/browser-guard.ts):
   * the bind name and the --public-url host. Other Host headers get 421 (DNS rebinding).
   */
  allowedHosts?: string[];
  /** Monthly model budget for the runway panel (USD). */
  monthlyBudgetUsd?: number;
  /** Largest JSON request body accepted on /api (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Exact percentiles from raw rows when the scan touches at most this many end-to-end runs
   * (default 20 000; stage spans: a fifth of it, as each costs a table row).
   */
  exactPercentileMaxRows?: number;
  /** Where unexpected errors are reported (default console.error); never sent to clients. */
  logError?: (message: string, err: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
// The store owns the default; re-exported because the option is set through the API config.
export { DEFAULT_EXACT_PERCENTILE_MAX_ROWS } from '../store';

/**
 * Settings from GENSCOPE_TOKEN, GENSCOPE_OPEN_READS and GENSCOPE_MONTHLY_BUDGET_USD. Throws with a message naming the
 * variable when a value is malformed. Values given in `overrides` win.
 */
export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ApiConfig = {}): ApiConfig {
  const config: ApiConfig = {};
  const token = env.GENSCOPE_TOKEN?.trim();
  if (token) config.token = token;
  const openReads = env.GENSCOPE_OPEN_READS?.trim().toLowerCase();
  if (openReads) {
    if (!['1', 'true', '0', 'false'].includes(openReads)) throw new Error(`GENSCOPE_OPEN_READS must be 1, true, 0 or false, got "${openReads}"`);
    config.openReads = openReads === '1' || openReads === 'true';
  }
  const budget = env.GENSCOPE_MONTHLY_BUDGET_USD?.trim();
  if (budget) {
    const n = Number(budget);
    if (!Number.isFinite(n) || n < 0) throw new Error(`GENSCOPE_MONTHLY_BUDGET_USD must be a non-negative number of USD, got "${budget}"`);
    config.monthlyBudgetUsd = n;
  }
  return { ...config, ...overrides };
}
