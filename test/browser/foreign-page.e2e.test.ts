/**
 * Hostile pages in real Chromium against the real server (cli/serve on a small demo database):
 * - a page on another origin (a second loopback server on another port) cannot read the API
 *   (no CORS) and cannot change state: its fetches and its form posts are refused with 403 by the
 *   Origin check, while the same POST from genscope's own page is served;
 * - a DNS-rebinding page (its first load served by the "attacker", then same-origin fetches that
 *   reach genscope under the attacker's name) gets 421 from the Host allow-list on reads and
 *   writes, while a name given with --public-url is served;
 * - the dashboard and /api/docs run under the strict CSP with no violation, and a script injected
 *   inline is blocked;
 * - once reads need a key, the dashboard asks for one, keeps it for the tab and works with it,
 *   exports included.
 *
 * Chromium's own Private Network Access checks are turned off, so what is tested is genscope's
 * defence, not the browser's.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { SqliteKeyStore } from '../../store';
import { readyInfo, startDemoDashboard, waitReady } from './harness';
import type { DemoDashboard } from './harness';

const ATTACKER_PAGE = '<!doctype html><html><head><title>somewhere else</title></head><body><p>an ordinary web page</p></body></html>';

describe('hostile pages in Chromium', () => {
  let demo: DemoDashboard;
  let attacker: http.Server;
  let attackerUrl: string;
  let port: number;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoDashboard({
      days: 2,
      seed: 11,
      serve: { publicUrl: 'http://allowed.genscope.test' },
      chromiumArgs: [
        '--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1, MAP allowed.genscope.test 127.0.0.1',
        '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
      ],
    });
    port = demo.server.handle.port;
    attacker = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(ATTACKER_PAGE);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    context = await demo.browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await demo?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  });

  it('keeps a page of another origin from reading the API or changing state', async () => {
    await page.goto(`${attackerUrl}/`);
    const base = demo.base;
    const read = await page.evaluate((u) => fetch(`${u}/api/v1/summary`).then((r) => `read ${r.status}`, (e: Error) => `blocked ${e.name}`), base);
    expect(read).toBe('blocked TypeError');

    // What the server answered, recorded at the server (an opaque no-cors answer hides it from the page).
    const answered = (key: string) =>
      new Promise<number>((resolve) => {
        const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
          if (`${req.method} ${req.url}` !== key) return;
          demo.server.handle.server.off('request', onRequest);
          res.on('finish', () => resolve(res.statusCode));
        };
        demo.server.handle.server.on('request', onRequest);
      });
    for (const [path, body] of [
      ['/api/v1/alerts/evaluate', ''],
      ['/v1/traces', '{"resourceSpans":[]}'],
      ['/api/v1/alerts/rules', '{"name":"x"}'],
    ] as const) {
      const seen = answered(`POST ${path}`);
      await page.evaluate(([u, b]) => fetch(u, { method: 'POST', mode: 'no-cors', body: b }).then(() => 'sent', () => 'failed'), [`${base}${path}`, body] as const);
      expect([path, await seen]).toEqual([path, 403]);
    }

    // A classic cross-site form post lands on the refusal, not on an evaluation.
    const formAnswer = answered('POST /api/v1/alerts/evaluate');
    await page.evaluate((u) => {
      const f = document.createElement('form');
      f.method = 'POST';
      f.action = `${u}/api/v1/alerts/evaluate`;
      document.body.appendChild(f);
      f.submit();
    }, base);
    expect(await formAnswer).toBe(403);
    await page.waitForLoadState();
    expect(await page.textContent('body')).toContain('cross-origin POST refused');

    // The same POST from genscope's own page is served: the refusal is the Origin's doing.
    await page.goto(`${base}/api/docs`);
    const own = await page.evaluate(() => fetch('/api/v1/alerts/evaluate', { method: 'POST' }).then((r) => r.status));
    expect(own).toBe(200);
  });

  it('refuses a rebinding page by its Host header, and serves the --public-url name', async () => {
    const visit = async (origin: string) => {
      // The first load is the attacker's; after it the name points at genscope (DNS rebinding).
      await page.route(`${origin}/`, (r) => r.fulfill({ contentType: 'text/html', body: ATTACKER_PAGE }));
      await page.goto(`${origin}/`);
      await page.unroute(`${origin}/`);
      return page.evaluate(async () => {
        const get = await fetch('/api/v1/summary');
        const exportRes = await fetch('/api/v1/export/spans.json');
        const post = await fetch('/api/v1/alerts/rules', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { get: get.status, text: await get.text(), exportStatus: exportRes.status, post: post.status };
      });
    };
    const rebound = await visit(`http://rebind.attacker.test:${port}`);
    expect(rebound).toMatchObject({ get: 421, exportStatus: 421, post: 421 });
    expect(rebound.text).toContain('misdirected_request');
    expect(rebound.text).toContain('--public-url');
    expect(rebound.text).not.toContain('"kpis"');

    const allowed = await visit(`http://allowed.genscope.test:${port}`);
    expect(allowed.get).toBe(200);
    expect(allowed.exportStatus).toBe(200);
    expect(allowed.post).toBe(400); // served: an empty rule is invalid
  });

  it('runs the dashboard and /api/docs under the strict CSP and blocks injected inline script', async () => {
    const p = await context.newPage();
    await p.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const violations = () => p.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

    const res = await p.goto(`${demo.base}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await waitReady(p);
    const info = await readyInfo(p);
    expect(Object.values(info.statuses)).not.toContain('error');
    expect(await p.evaluate(() => document.documentElement.dataset.theme)).toMatch(/^(light|dark)$/);
    expect(await violations()).toEqual([]);

    const injected = await p.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 50));
      return (window as unknown as { __injected?: number }).__injected ?? null;
    });
    expect(injected).toBeNull();
    expect((await violations()).some((v) => v.startsWith('script-src'))).toBe(true);

    await p.goto(`${demo.base}/api/docs`);
    await p.waitForFunction(() => document.querySelectorAll('#endpoints section').length > 20);
    expect(await p.locator('#endpoints').innerText()).toContain('/v1/traces');
    expect(await violations()).toEqual([]);
    await p.close();
  });

  it('asks for a read key once reads need one, and works with it, exports included', async () => {
    const key = new SqliteKeyStore(demo.server.db).create('read', 'browser test').key;
    const fresh = await demo.browser.newContext({ acceptDownloads: true });
    const p = await fresh.newPage();
    const authorized: string[] = [];
    p.on('request', (r) => {
      if (r.url().includes('/api/v1/') && r.headers().authorization === `Bearer ${key}`) authorized.push(r.url());
    });
    await p.goto(`${demo.base}/`);
    await p.locator('.gs-key-prompt').waitFor();
    expect(await p.locator('.gs-key-prompt').innerText()).toContain('genscope keys create --scope read');

    await p.fill('.gs-key-prompt input[type="password"]', key);
    await Promise.all([p.waitForNavigation(), p.click('.gs-key-prompt button[type="submit"]')]);
    await waitReady(p);
    expect(Object.values((await readyInfo(p)).statuses)).not.toContain('error');
    expect(await p.locator('.gs-key-prompt').count()).toBe(0);
    expect(authorized.length).toBeGreaterThan(5);
    expect(await p.evaluate(() => sessionStorage.getItem('genscope.apiKey'))).toBe(key);
    expect(await p.evaluate(() => localStorage.getItem('genscope.apiKey'))).toBeNull();

    const [download] = await Promise.all([p.waitForEvent('download'), p.click('a[data-export="csv"]')]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toContain('trace_id');
    expect(csv).not.toContain('unauthorized');
    await fresh.close();
  });
});
