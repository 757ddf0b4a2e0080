/**
 * What the browser tests share: Chromium (Debian's, or CHROMIUM_PATH; never downloaded), the real
 * server on a demo database, and waiting for the dashboard's readiness registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from './chromium';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { generateDemo } from '../../cli/demo';
import { startGenscopeServer } from '../../cli/serve';
import type { RunningServer, ServeOptions } from '../../cli/serve';

// The build script is plain CommonJS (it runs before and without the TypeScript build).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildDashboard } = require('../../scripts/build-dashboard.js') as { buildDashboard(o: { quiet: boolean }): Promise<unknown> };


export interface ReadyInfo {
  ready: boolean;
  generation: number;
  statuses: Record<string, string>;
  kinds: Record<string, string>;
}

export async function readyInfo(page: Page): Promise<ReadyInfo> {
  return page.evaluate(() => (window as unknown as { __genscope: { info(): ReadyInfo } }).__genscope.info());
}

function settled(page: Page, generation: number | null, everyPanel: boolean): Promise<unknown> {
  return page.waitForFunction(
    ({ g, all }) => {
      const w = window as unknown as { __genscopeReady?: boolean };
      if (all && document.querySelector('[data-state="deferred"]')) return false;
      return w.__genscopeReady === true && (g === null || document.documentElement.dataset.ready === String(g));
    },
    { g: generation, all: everyPanel },
    { timeout: 60_000 },
  );
}

/**
 * Scrolls every panel still waiting below the fold into view, one after another, as a person
 * paging down would (they load when scrolled near: dashboard/src/components/lazy.tsx), then back
 * to where the page was. Returns how many it scrolled to.
 */
export async function scrollThroughPanels(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
    const y0 = window.scrollY;
    let n = 0;
    for (let el = document.querySelector('[data-state="deferred"]'); el && n < 200; el = document.querySelector('[data-state="deferred"]')) {
      el.scrollIntoView({ block: 'center' });
      n++;
      await frame();
      await frame();
    }
    window.scrollTo(0, y0);
    return n;
  });
}

/**
 * Waits until every registered panel has settled (for the given filter generation, when given).
 * Panels below the fold are scrolled to first, so they have loaded too; `{ inView: true }` waits
 * only for what is in the viewport (the default view of a fresh load).
 */
export async function waitReady(page: Page, generation?: number, opts: { inView?: boolean } = {}): Promise<ReadyInfo> {
  await settled(page, generation ?? null, false);
  if (!opts.inView && (await scrollThroughPanels(page)) > 0) await settled(page, generation ?? null, true);
  return readyInfo(page);
}

/** A page in a new browser context that collects console errors and page errors. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  return { context, page, consoleErrors };
}

/** GET /api/v1{path} of a running server as JSON; throws with the body on anything but 200. */
export async function apiJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface DemoDashboard {
  base: string;
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

/** A demo database of `days` days, the dashboard built, the real server on it and Chromium. */
export async function startDemoDashboard(opts: {
  days: number;
  seed: number;
  /** Benchmark runs a day on the primary model (default 1; a shadow run comes on top). */
  runsPerDay?: number;
  monthlyBudgetUsd?: number;
  /** The server's admin token, and whether reads stay open (the alerts editor test). */
  token?: string;
  openReads?: boolean;
  /** More server options (keys, public URL), and a hook that runs on the database before it serves. */
  serve?: Partial<ServeOptions>;
  beforeServe?: (dbFile: string) => void | Promise<void>;
  /** Extra Chromium flags (host resolver rules for the rebinding test). */
  chromiumArgs?: string[];
}): Promise<DemoDashboard> {
  // Resolved (and unpacked, the first time) before anything else, so a missing browser fails fast.
  const resolved = resolveChromium();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-dash-e2e-'));
  const db = path.join(tmp, 'demo.db');
  await generateDemo({ db, days: opts.days, runsPerDay: opts.runsPerDay ?? 1, seed: opts.seed });
  await buildDashboard({ quiet: true });
  await opts.beforeServe?.(db);
  const server = await startGenscopeServer({
    db,
    host: '127.0.0.1',
    port: 0,
    monthlyBudgetUsd: opts.monthlyBudgetUsd ?? 5,
    retentionDays: 3650,
    alertIntervalMillis: 60_000,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.openReads !== undefined ? { openReads: opts.openReads } : {}),
    env: {},
    log: () => undefined,
    ...opts.serve,
  });
  const browser = await chromium.launch({
    executablePath: resolved.executablePath,
    args: [...CHROMIUM_ARGS, ...(opts.chromiumArgs ?? [])],
    env: { ...process.env, ...resolved.env },
  });
  return {
    base: server.handle.url,
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
