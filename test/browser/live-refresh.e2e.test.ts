/**
 * Live refresh in Chromium on a demo database (the real server, the built dashboard): a live tick
 * refreshes only the panels on screen, not every panel the user has scrolled past; a panel that
 * comes back on screen with data from an older tick refetches at once (and one whose data is from
 * the current tick does not); and a load asks for /cost/budget once, though the KPI strip and the
 * budget panel both show it. Requests are counted, nothing is timed.
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); nothing is ever downloaded.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { startDemoDashboard, waitReady } from './harness';
import type { DemoDashboard } from './harness';

/** The app's own requests, not a panel's: filter options (every sixth tick), detected changes (per filter set). */
const APP_PATHS = new Set(['/api/v1/filters', '/api/v1/alerts/changes']);

/**
 * Per panel (data-panel id): the paths its live refresh asks for (see dashboard/src/panels). The
 * alerts panel shows the app's alert events; the alert rules and the run detail do not follow
 * the tick. Every panel on the page must be listed (the test names one that is not).
 */
const TICK_PATHS: Record<string, readonly string[]> = {
  kpis: ['/summary', '/cost/budget'],
  'quality-accuracy': ['/quality/accuracy'],
  'quality-confusion': ['/quality/confusion'],
  'quality-distribution': ['/quality/distribution'],
  'quality-similarity': ['/quality/scores'],
  'quality-code': ['/quality/scores'],
  'quality-custom': ['/quality/scores'],
  'performance-latency': ['/performance/latency'],
  'performance-models': ['/performance/models'],
  'performance-heatmap': ['/performance/heatmap'],
  'performance-stages': ['/performance/stages'],
  'performance-cache': ['/performance/cache'],
  'performance-benchmarks': ['/performance/benchmarks'],
  'otlp-metrics': ['/metrics', '/metrics/series'],
  'cost-over-time': ['/cost/over-time'],
  'cost-budget': ['/cost/budget'],
  'cost-by-type': ['/cost/breakdown'],
  'cost-by-model': ['/cost/breakdown'],
  'cost-components': ['/cost/components'],
  'trends-success': ['/trends'],
  'trends-quality': ['/trends'],
  'trends-alerts': [],
  'alert-rules': [],
  'trends-opportunities': ['/cost/opportunities'],
  'runs-table': ['/runs'],
  'run-detail': [],
};

interface Recorder {
  /** Paths of the API requests since the last reset, in order. */
  paths: string[];
  reset(): void;
  /** Resolves once no API request has been in flight for a few hundred ms. */
  idle(): Promise<void>;
}

function record(page: Page): Recorder {
  let inflight = 0;
  const rec: Recorder = {
    paths: [],
    reset: () => {
      rec.paths = [];
    },
    idle: async () => {
      for (let quiet = 0; quiet < 3; ) {
        await page.waitForTimeout(100);
        quiet = inflight === 0 ? quiet + 1 : 0;
      }
    },
  };
  const isApi = (url: string): boolean => new URL(url).pathname.startsWith('/api/v1/');
  page.on('request', (r) => {
    if (!isApi(r.url())) return;
    inflight++;
    rec.paths.push(new URL(r.url()).pathname);
  });
  const done = (r: { url(): string }): void => {
    if (isApi(r.url())) inflight--;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return rec;
}

/** path -> how many times it was requested, app requests left out. */
function tally(paths: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of paths) if (!APP_PATHS.has(p)) out[p] = (out[p] ?? 0) + 1;
  return out;
}

/** Counts live ticks: the header's "updated hh:mm:ss" changes on each one (app.tsx). */
async function countTicks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __ticks: number };
    w.__ticks = 0;
    const el = document.querySelector('.gs-updated');
    if (!el) throw new Error('no .gs-updated in the header');
    new MutationObserver(() => {
      w.__ticks++;
    }).observe(el, { childList: true, characterData: true, subtree: true });
  });
}

async function ticks(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __ticks: number }).__ticks);
}

async function waitTicks(page: Page, n: number): Promise<void> {
  await page.waitForFunction((t) => (window as unknown as { __ticks: number }).__ticks >= t, n, { timeout: 30_000, polling: 100 });
}

async function frames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

describe('dashboard live refresh in Chromium', () => {
  let demo: DemoDashboard;
  let context: BrowserContext;

  beforeAll(async () => {
    demo = await startDemoDashboard({ days: 14, seed: 11 });
    context = await demo.browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light' });
  }, 180_000);

  afterAll(async () => {
    await demo?.close();
  });

  it('asks for /cost/budget once per load, for the KPI strip and the budget panel alike', async () => {
    const page = await context.newPage();
    try {
      const rec = record(page);
      // Paused: no tick during the load, so every request is the load's own.
      await page.goto(`${demo.base}/?live=0`);
      const info = await waitReady(page);
      await rec.idle();
      expect(info.statuses['kpi-budget']).toBe('drawn');
      expect(info.statuses['cost-budget']).toBe('drawn');
      const counts = tally(rec.paths);
      expect(counts['/api/v1/cost/budget']).toBe(1);
      expect(counts['/api/v1/summary']).toBe(1);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('refreshes only the panels on screen on a live tick, and a stale panel as it comes back on screen', async () => {
    const page = await context.newPage();
    try {
      const rec = record(page);
      await page.goto(`${demo.base}/`);
      await waitReady(page, undefined, { inView: true });
      // Page through everything once (every panel loads), to the bottom, and back to the top.
      await waitReady(page);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await frames(page);
      await page.evaluate(() => window.scrollTo(0, 0));
      await frames(page);
      await rec.idle();
      const everything = tally(rec.paths);
      expect(everything['/api/v1/cost/over-time']).toBeGreaterThanOrEqual(1);
      expect(everything['/api/v1/runs']).toBeGreaterThanOrEqual(1);

      // The panels on screen now, and what a tick should ask for: theirs and the alert events (app.tsx).
      const panels = await page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-panel]')).map((el) => {
          const r = el.getBoundingClientRect();
          return { id: el.getAttribute('data-panel') ?? '?', onScreen: r.bottom > 0 && r.top < window.innerHeight };
        }),
      );
      for (const p of panels) expect(`${p.id}: ${p.id in TICK_PATHS}`).toBe(`${p.id}: true`);
      const onScreen = panels.filter((p) => p.onScreen).map((p) => p.id);
      expect(onScreen).toContain('kpis');
      expect(onScreen).not.toContain('cost-over-time');
      const expected: Record<string, number> = { '/api/v1/alerts/events': 2 };
      for (const id of onScreen) for (const p of TICK_PATHS[id] ?? []) expected[`/api/v1${p}`] = (expected[`/api/v1${p}`] ?? 0) + 2;
      // The KPI strip and the budget panel share one budget request.
      if (expected['/api/v1/cost/budget']) expected['/api/v1/cost/budget'] = 2;

      // Two whole live ticks at the top: each asks again for what is on screen, nothing else.
      await countTicks(page);
      await waitTicks(page, 1);
      await rec.idle();
      rec.reset();
      const from = await ticks(page);
      await waitTicks(page, from + 2);
      await rec.idle();
      const perTwoTicks = tally(rec.paths);
      console.log(`API requests over two live ticks at the top after paging through: ${rec.paths.length} (${onScreen.length} of ${panels.length} panels on screen)`);
      expect(perTwoTicks).toEqual(expected);

      // Paused, so no tick interferes: the cost chart's data is ticks old and it refetches as it
      // comes on screen; scrolled away and back within the same tick, it does not.
      await page.locator('.gs-switch').click();
      await page.waitForURL(/[?&]live=0(&|$)/);
      await rec.idle();
      rec.reset();
      const costChart = page.locator('[data-panel="cost-over-time"]');
      await Promise.all([page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/cost/over-time', { timeout: 15_000 }), costChart.scrollIntoViewIfNeeded()]);
      await rec.idle();
      expect(tally(rec.paths)['/api/v1/cost/over-time']).toBe(1);
      rec.reset();
      await page.evaluate(() => window.scrollTo(0, 0));
      await frames(page);
      await costChart.scrollIntoViewIfNeeded();
      await frames(page);
      await page.waitForTimeout(500);
      await rec.idle();
      expect(tally(rec.paths)).toEqual({});
    } finally {
      await page.close();
    }
  }, 120_000);
});
