import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertRuleInput } from '../schema/alerts';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { AlertEvaluator } from './evaluator';
import { WebhookNotifier } from './notifier';
import type { AlertWebhookPayload, SlackPayload } from './notifier';
import { createRule } from './store';
import { runRecords, writeRecords } from './test-fixtures';
import type { FixtureRun } from './test-fixtures';

const T0 = Date.UTC(2024, 4, 1);
const MIN = 60_000;

interface Receiver {
  url: string;
  bodies: unknown[];
  /** Status codes to answer next (then 200). */
  failNext: number[];
  close(): Promise<void>;
}

/** A real webhook receiver on loopback. */
async function startReceiver(): Promise<Receiver> {
  const bodies: unknown[] = [];
  const failNext: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = failNext.shift() ?? 200;
      if (status === 200) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    failNext,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Two component types, one run a minute each; 'card' fails from minute 20 to 39. */
function seed(db: Db): void {
  const runs: FixtureRun[] = [];
  for (let m = 0; m < 80; m++) {
    for (const type of ['button', 'card']) {
      const bad = type === 'card' && m >= 20 && m < 40;
      runs.push({ startMs: T0 + m * MIN + 1000, durationMs: 100, componentId: `${type}-${m}`, componentType: type, model: 'model-a', error: bad });
    }
  }
  writeRecords(db, runs.flatMap(runRecords));
  createRule(
    db,
    AlertRuleInput.parse({
      kind: 'threshold',
      name: 'Success rate low',
      severity: 'critical',
      metric: 'success_rate',
      groupBy: ['component_type'],
      operator: '<',
      value: 0.9,
      windowMillis: '5m',
      forDurationMillis: '3m',
    }),
    T0,
  );
}

describe('AlertEvaluator with a webhook receiver', () => {
  let db: Db;
  let receiver: Receiver;
  let slack: Receiver;
  let nowMs: number;

  beforeEach(async () => {
    db = openDatabase(':memory:');
    seed(db);
    receiver = await startReceiver();
    slack = await startReceiver();
    nowMs = T0;
  });
  afterEach(async () => {
    await receiver.close();
    await slack.close();
    db.close();
  });

  function evaluator(): AlertEvaluator {
    return new AlertEvaluator({
      db,
      now: () => nowMs,
      notifiers: [new WebhookNotifier({ name: 'ops', url: receiver.url }), new WebhookNotifier({ name: 'slack', url: slack.url, format: 'slack' })],
      retry: { baseDelayMillis: 2 * MIN, maxAttempts: 3 },
      onError: () => undefined,
    });
  }

  it('sends one notification per firing alert and one per resolve, never repeated', async () => {
    const ev = evaluator();
    // Evaluate every minute through the whole hour and a half.
    for (let m = 1; m <= 80; m++) {
      nowMs = T0 + m * MIN;
      await ev.tick();
    }
    const payloads = receiver.bodies as AlertWebhookPayload[];
    expect(payloads.map((p) => [p.state, p.labels.component_type])).toEqual([
      ['firing', 'card'],
      ['resolved', 'card'],
    ]);
    const [firing, resolved] = payloads;
    expect(firing).toMatchObject({ source: 'genscope', severity: 'critical', rule: { name: 'Success rate low', metric: 'success_rate' } });
    // The condition first holds at minute 21 (window 16-21: 4 of 5 runs ok = 0.8) and fires 3
    // minutes later (window 19-24: 1 of 5 ok).
    expect(firing?.episodeStartMs).toBe(T0 + 21 * MIN);
    expect(firing?.timeMs).toBe(T0 + 24 * MIN);
    expect(firing?.value).toBeCloseTo(0.2, 10);
    expect(firing?.details).toMatchObject({ operator: '<', threshold: 0.9 });
    expect(resolved?.episodeStartMs).toBe(firing?.episodeStartMs);
    expect(resolved?.dedupKey).not.toBe(firing?.dedupKey);
    // The Slack target got the same two transitions in Slack's shape.
    const slackBodies = slack.bodies as SlackPayload[];
    expect(slackBodies).toHaveLength(2);
    expect(slackBodies[0]?.text).toMatch(/Firing: Success rate low/);
    expect(slackBodies[0]?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Firing: Success rate low' } });
    expect(slackBodies[1]?.text).toMatch(/Resolved: Success rate low/);
    // A fresh evaluator on the same database (a restart) sends nothing again.
    const again = evaluator();
    nowMs = T0 + 81 * MIN;
    await again.tick();
    expect(receiver.bodies).toHaveLength(2);
  });

  it('retries a failed delivery with backoff, once delivered never again, and keeps order', async () => {
    const ev = evaluator();
    receiver.failNext.push(500, 503);
    for (let m = 1; m <= 30; m++) {
      nowMs = T0 + m * MIN;
      await ev.tick();
    }
    // The firing went out at its third attempt (2 min then 4 min backoff).
    expect((receiver.bodies as AlertWebhookPayload[]).map((p) => p.state)).toEqual(['firing']);
    const row = db.prepare("SELECT attempts, status FROM alert_deliveries WHERE notifier = 'ops'").get() as { attempts: number; status: string };
    expect(row).toEqual({ attempts: 3, status: 'sent' });
    for (let m = 31; m <= 80; m++) {
      nowMs = T0 + m * MIN;
      await ev.tick();
    }
    expect((receiver.bodies as AlertWebhookPayload[]).map((p) => p.state)).toEqual(['firing', 'resolved']);
  });

  it("waits for the receiver's Retry-After, jitters its own backoff, and stops at once on a foreign redirect", async () => {
    let answers: { status: number; headers: Record<string, string> }[] = [{ status: 503, headers: { 'retry-after': '600' } }, { status: 500, headers: {} }];
    const hits: number[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push(nowMs);
        const a = answers.shift() ?? { status: 200, headers: {} };
        res.writeHead(a.status, a.headers).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const nextAttemptMs = () =>
      Number((db.prepare("SELECT next_attempt_ns / 1000000 AS ms FROM alert_deliveries WHERE notifier = 'ops'").get() as { ms: number }).ms);
    try {
      const ev = new AlertEvaluator({
        db,
        now: () => nowMs,
        notifiers: [new WebhookNotifier({ name: 'ops', url })],
        retry: { baseDelayMillis: 2 * MIN, maxAttempts: 5, random: () => 0 },
        onError: () => undefined,
      });
      for (let m = 1; m <= 24; m++) {
        nowMs = T0 + m * MIN;
        await ev.tick();
      }
      // First attempt at the firing (minute 24): 503 with Retry-After 600 s beats the 1 min jittered step.
      expect(hits).toEqual([T0 + 24 * MIN]);
      expect(nextAttemptMs()).toBe(T0 + 34 * MIN);
      nowMs = T0 + 33 * MIN;
      await ev.tick();
      expect(hits).toHaveLength(1);
      nowMs = T0 + 34 * MIN;
      await ev.tick();
      // Second attempt: 500 without Retry-After: the 4 min step jittered to its lower half (random 0).
      expect(hits).toEqual([T0 + 24 * MIN, T0 + 34 * MIN]);
      expect(nextAttemptMs()).toBe(T0 + 36 * MIN);

      // A redirect to another origin is not retried: the delivery fails at once.
      answers = [{ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } }];
      nowMs = T0 + 36 * MIN;
      await ev.tick();
      expect(db.prepare("SELECT attempts, status FROM alert_deliveries WHERE notifier = 'ops'").get()).toEqual({ attempts: 3, status: 'failed' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('gives up after maxAttempts and says so', async () => {
    const errors: string[] = [];
    const ev = new AlertEvaluator({
      db,
      now: () => nowMs,
      notifiers: [new WebhookNotifier({ name: 'ops', url: receiver.url })],
      retry: { baseDelayMillis: MIN, maxAttempts: 2 },
      onError: (e) => errors.push((e as Error).message),
    });
    receiver.failNext.push(500, 500, 500, 500);
    for (let m = 1; m <= 35; m++) {
      nowMs = T0 + m * MIN;
      await ev.tick();
    }
    expect(receiver.bodies).toEqual([]);
    expect(db.prepare("SELECT attempts, status, last_error FROM alert_deliveries WHERE notifier = 'ops'").get()).toEqual({
      attempts: 2,
      status: 'failed',
      last_error: 'webhook ops answered HTTP 500',
    });
    expect(errors.some((e) => /gave up notifying ops/.test(e))).toBe(true);
  });
});

describe('AlertEvaluator loop', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('evaluates on its interval with fake timers, and stops', async () => {
    jest.useFakeTimers();
    const db = openDatabase(':memory:');
    seed(db);
    let nowMs = T0 + 30 * MIN;
    const ev = new AlertEvaluator({ db, now: () => nowMs });
    ev.start(60_000);
    expect(ev.running).toBe(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(ev.ticks).toBe(1);
    nowMs += 5 * MIN;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(ev.ticks).toBe(2);
    expect(ev.lastTick?.evaluation.firing).toBe(1);
    await ev.stop();
    await ev.stop();
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    expect(ev.ticks).toBe(2);
    expect(ev.running).toBe(false);
    db.close();
  });

  it('refuses two notifiers with the same name', () => {
    const db = openDatabase(':memory:');
    const hook = new WebhookNotifier({ name: 'a', url: 'http://127.0.0.1:9/' });
    expect(() => new AlertEvaluator({ db, notifiers: [hook, hook] })).toThrow(/names must be unique/);
    db.close();
  });
});
