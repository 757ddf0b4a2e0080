/**
 * The webhook notifier against real loopback HTTP servers: redirects (to another origin: refused,
 * the secret never sent there; to the same origin: followed), Retry-After, timeouts and the
 * destination allow-list.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertEvent } from '../schema/alerts';
import { WebhookError, WebhookNotifier, retryAfterMillis, webhookNotifiers } from './notifier';

interface Seen {
  method: string;
  url: string;
  secret: string | undefined;
  body: string;
}

interface Loopback {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A real server; `answer` decides each response from the path. */
async function loopback(answer: (path: string, res: http.ServerResponse) => void): Promise<Loopback> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const secret = req.headers['x-webhook-secret'];
      seen.push({ method: req.method ?? '', url: req.url ?? '', secret: typeof secret === 'string' ? secret : undefined, body: Buffer.concat(chunks).toString('utf8') });
      answer(req.url ?? '/', res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const EVENT: AlertEvent = {
  id: 1,
  ruleId: 1,
  ruleName: 'Success rate low',
  metric: 'success_rate',
  severity: 'critical',
  state: 'firing',
  labels: { component_type: 'card' },
  seriesKey: 'component_type=card',
  value: 0.2,
  details: {},
  message: 'success rate 20% < 90%',
  timeMs: Date.UTC(2026, 0, 1),
  episodeStartMs: Date.UTC(2026, 0, 1),
} as unknown as AlertEvent;
const NOTE = { dedupKey: 'genscope:1:card:0:firing', event: EVENT };
const SECRET = 'webhook-secret-value';

describe('WebhookNotifier', () => {
  let other: Loopback;
  let target: Loopback;
  beforeEach(async () => {
    other = await loopback((_p, res) => res.writeHead(200).end('ok'));
    target = await loopback((p, res) => {
      if (p === '/cross') res.writeHead(302, { location: `${other.url}/stolen` }).end();
      else if (p === '/cross-307') res.writeHead(307, { location: `${other.url}/stolen` }).end();
      else if (p === '/same') res.writeHead(307, { location: '/final' }).end();
      else if (p === '/same-302') res.writeHead(302, { location: '/final' }).end();
      else if (p === '/loop') res.writeHead(308, { location: '/loop' }).end();
      else if (p === '/busy') res.writeHead(503, { 'retry-after': '120' }).end();
      else if (p === '/limited') res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }).end();
      else if (p === '/gone') res.writeHead(410).end();
      else if (p === '/silent') return; // never answers
      else res.writeHead(200).end('ok');
    });
  });
  afterEach(async () => {
    await other.close();
    await target.close();
  });

  const hook = (path: string, extra: Partial<ConstructorParameters<typeof WebhookNotifier>[0]> = {}) =>
    new WebhookNotifier({ name: 'ops', url: `${target.url}${path}`, headers: { 'x-webhook-secret': SECRET }, ...extra });

  it.each(['/cross', '/cross-307'])('does not follow a redirect to another origin (%s), and the secret never goes there', async (path) => {
    const err = (await hook(path).send(NOTE).catch((e: unknown) => e)) as WebhookError;
    expect(err).toBeInstanceOf(WebhookError);
    expect(err.message).toContain(`redirecting to ${other.url}`);
    expect(err.options.permanent).toBe(true);
    expect(other.seen).toEqual([]);
    expect(target.seen).toHaveLength(1);
  });

  it('follows a 307 to the same origin with the method, body and headers', async () => {
    await hook('/same').send(NOTE);
    expect(target.seen.map((s) => [s.method, s.url, s.secret])).toEqual([
      ['POST', '/same', SECRET],
      ['POST', '/final', SECRET],
    ]);
    expect(JSON.parse(target.seen[1]?.body ?? '{}')).toMatchObject({ source: 'genscope', dedupKey: NOTE.dedupKey });
  });

  it('follows no 302 (it would turn the POST into a GET) and no endless same-origin loop', async () => {
    await expect(hook('/same-302').send(NOTE)).rejects.toThrow(/HTTP 302 \(redirect not followed\)/);
    await expect(hook('/loop').send(NOTE)).rejects.toThrow(/HTTP 308/);
    expect(target.seen.filter((s) => s.url === '/loop')).toHaveLength(4);
  });

  it("passes the receiver's Retry-After on, as seconds or as a date", async () => {
    const busy = (await hook('/busy').send(NOTE).catch((e: unknown) => e)) as WebhookError;
    expect(busy.options).toEqual({ retryAfterMillis: 120_000, permanent: false });
    const limited = (await hook('/limited').send(NOTE).catch((e: unknown) => e)) as WebhookError;
    expect(limited.options.retryAfterMillis).toBeGreaterThan(20_000);
    expect(limited.options.retryAfterMillis).toBeLessThanOrEqual(30_000);
    const gone = (await hook('/gone').send(NOTE).catch((e: unknown) => e)) as WebhookError;
    expect(gone.options.permanent).toBe(true);
  });

  it('gives up on a receiver that never answers after its timeout', async () => {
    await expect(hook('/silent', { timeoutMillis: 200 }).send(NOTE)).rejects.toThrow(/did not answer within 200 ms/);
  });

  it('refuses a destination outside the allow-list when it is made', () => {
    const port = new URL(target.url).port;
    expect(() => webhookNotifiers([{ name: 'x', url: 'https://hooks.example.com/a', format: 'json', headers: {}, timeoutMillis: 1000, minSeverity: 'info' }], { allowedHosts: [`127.0.0.1:${port}`] })).toThrow(
      /hooks\.example\.com, which is not in the webhook allow-list.*--webhook-hosts/,
    );
    expect(() => hook('/', { allowedHosts: ['127.0.0.1'] })).not.toThrow();
    expect(() => hook('/', { allowedHosts: [`127.0.0.1:${port}`] })).not.toThrow();
    expect(() => hook('/', { allowedHosts: ['127.0.0.1:1'] })).toThrow(/allow-list/);
  });
});

describe('retryAfterMillis', () => {
  it('reads delta seconds and HTTP dates, and nothing else', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(retryAfterMillis('7', now)).toBe(7000);
    expect(retryAfterMillis(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(retryAfterMillis(new Date(now - 90_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMillis('soon', now)).toBeNull();
    expect(retryAfterMillis(null, now)).toBeNull();
  });
});
