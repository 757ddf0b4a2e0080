/**
 * The evaluation loop of the server: every interval, evaluate the rules at the injected clock's
 * now, queue each new firing/resolved event once per notifier (the alert_deliveries outbox, keyed
 * by event and notifier, so nothing is sent twice, even across restarts), and deliver what is
 * due. A failed delivery is retried on later ticks with exponential backoff and jitter measured on
 * the same clock, never sooner than the receiver's Retry-After, and given up after maxAttempts (at
 * once when the notifier says a retry cannot help); deliveries of one series to one notifier stay
 * in order.
 */
import type { Db, TelemetryStore } from '../store';
import type { AlertEvent } from '../schema/alerts';
import { evaluateRules, evaluateRulesThrough } from './evaluate';
import type { EvaluateRulesResult } from './evaluate';
import { SEVERITY_RANK, WebhookError, dedupKeyOf } from './notifier';
import type { Notifier } from './notifier';
import { getEvent } from './store';

const msToNs = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;

export interface DeliveryRetryOptions {
  /** Attempts per notification before it is marked failed (default 6). */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time (default 5 s). */
  baseDelayMillis?: number;
  /** Longest delay between attempts (default 10 min); also caps a receiver's Retry-After. */
  maxDelayMillis?: number;
  /** Uniform [0, 1) for the jitter (default Math.random); tests pass a fixed one. */
  random?: () => number;
}

export interface AlertEvaluatorOptions {
  /** Rules, states, events and deliveries (and the metrics, unless `store` is given). */
  db: Db;
  /** Read the rules' metrics through this store instead (the ClickHouse store). */
  store?: TelemetryStore;
  /** Epoch ms now; default Date.now (read at each tick, never at import). */
  now?: () => number;
  notifiers?: readonly Notifier[];
  retry?: DeliveryRetryOptions;
  /** Errors of a background tick (default: console.error). */
  onError?: (err: unknown) => void;
}

export interface DeliveryStats {
  sent: number;
  /** Failed this tick and scheduled again. */
  retrying: number;
  /** Failed for the last time this tick. */
  failed: number;
}

export interface TickResult {
  evaluation: EvaluateRulesResult;
  deliveries: DeliveryStats;
}

interface PendingDelivery {
  event_id: number;
  notifier: string;
  attempts: number;
  due: number;
  rule_id: number | null;
  series_key: string;
}

export class AlertEvaluator {
  private readonly db: Db;
  private readonly store: TelemetryStore | null;
  private readonly now: () => number;
  private readonly notifiers: Map<string, Notifier>;
  private readonly maxAttempts: number;
  private readonly baseDelayMillis: number;
  private readonly maxDelayMillis: number;
  private readonly random: () => number;
  private readonly onError: (err: unknown) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight: Promise<TickResult> | null = null;
  /** Ticks completed, for status pages and tests. */
  ticks = 0;
  lastTick: TickResult | null = null;

  constructor(options: AlertEvaluatorOptions) {
    this.db = options.db;
    this.store = options.store ?? null;
    this.now = options.now ?? (() => Date.now());
    this.notifiers = new Map();
    for (const n of options.notifiers ?? []) {
      if (this.notifiers.has(n.name)) throw new Error(`two notifiers are named "${n.name}"; names must be unique`);
      this.notifiers.set(n.name, n);
    }
    this.maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 6);
    this.baseDelayMillis = Math.max(0, options.retry?.baseDelayMillis ?? 5000);
    this.maxDelayMillis = Math.max(this.baseDelayMillis, options.retry?.maxDelayMillis ?? 600_000);
    this.random = options.retry?.random ?? Math.random;
    this.onError = options.onError ?? ((err) => console.error('genscope alerts:', err instanceof Error ? err.message : err));
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /**
   * One evaluation and delivery pass. Concurrent calls share the pass in flight rather than
   * overlapping (a slow webhook must not make two passes evaluate the same instant).
   */
  tick(): Promise<TickResult> {
    if (this.inFlight) return this.inFlight;
    const run = this.runTick().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /** Evaluates every intervalMillis (and once now, unless immediate is false). */
  start(intervalMillis = 60_000, options: { immediate?: boolean } = {}): void {
    if (this.timer) return;
    if (!(intervalMillis >= 1)) throw new RangeError(`intervalMillis must be at least 1, got ${intervalMillis}`);
    const fire = () => {
      this.tick().then(undefined, this.onError);
    };
    this.timer = setInterval(fire, intervalMillis);
    // The loop must not keep a CLI process alive on its own.
    this.timer.unref?.();
    if (options.immediate ?? true) fire();
  }

  /** Stops the loop and waits for a pass in flight; safe to call twice. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight.then(undefined, () => undefined);
  }

  private async runTick(): Promise<TickResult> {
    const nowMs = this.now();
    const evaluation = this.store ? await evaluateRulesThrough(this.store, this.db, nowMs) : evaluateRules(this.db, nowMs);
    for (const e of evaluation.errors) this.onError(new Error(`rule ${e.ruleId} (${e.ruleName}): ${e.message}`));
    this.enqueue(evaluation.events, nowMs);
    const deliveries = await this.deliverDue(nowMs);
    const result = { evaluation, deliveries };
    this.ticks++;
    this.lastTick = result;
    return result;
  }

  private enqueue(events: readonly AlertEvent[], nowMs: number): void {
    if (events.length === 0 || this.notifiers.size === 0) return;
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO alert_deliveries (event_id, notifier, status, attempts, next_attempt_ns, updated_ns)
       VALUES (?, ?, 'pending', 0, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const e of events) {
        for (const n of this.notifiers.values()) {
          if (SEVERITY_RANK[e.severity] < SEVERITY_RANK[n.minSeverity ?? 'info']) continue;
          insert.run(e.id, n.name, msToNs(nowMs), msToNs(nowMs));
        }
      }
    })();
  }

  /**
   * Exponential backoff with jitter (half to all of the step, so receivers that failed together
   * are not retried together), never sooner than the receiver asked, at most maxDelayMillis.
   */
  private backoffMillis(attempts: number, retryAfterMillis?: number): number {
    const step = Math.min(this.maxDelayMillis, this.baseDelayMillis * 2 ** Math.max(0, attempts - 1));
    const jittered = step * (0.5 + 0.5 * this.random());
    return Math.min(this.maxDelayMillis, Math.max(jittered, retryAfterMillis ?? 0));
  }

  private async deliverDue(nowMs: number): Promise<DeliveryStats> {
    const stats: DeliveryStats = { sent: 0, retrying: 0, failed: 0 };
    if (this.notifiers.size === 0) return stats;
    const names = [...this.notifiers.keys()];
    const pending = this.db
      .prepare(
        `SELECT d.event_id, d.notifier, d.attempts, d.next_attempt_ns <= ? AS due, e.rule_id, e.series_key
         FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.notifier IN (${names.map(() => '?').join(', ')})
         ORDER BY d.event_id LIMIT 1000`,
      )
      .all(msToNs(nowMs), ...names) as PendingDelivery[];
    const update = this.db.prepare(
      'UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_ns = ?, last_error = ?, updated_ns = ? WHERE event_id = ? AND notifier = ?',
    );
    // A series' resolve must not overtake its firing at a receiver: once one delivery of a
    // (notifier, series) waits, later ones of the same series wait too.
    const held = new Set<string>();
    for (const d of pending) {
      const lane = `${d.notifier}|${d.rule_id ?? ''}|${d.series_key}`;
      if (held.has(lane)) continue;
      if (!d.due) {
        held.add(lane);
        continue;
      }
      const notifier = this.notifiers.get(d.notifier);
      const event = getEvent(this.db, d.event_id);
      if (!notifier || !event) continue;
      const attempts = d.attempts + 1;
      try {
        await notifier.send({ dedupKey: dedupKeyOf(event), event });
        update.run('sent', attempts, msToNs(nowMs), null, msToNs(nowMs), d.event_id, d.notifier);
        stats.sent++;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        held.add(lane);
        const hint = err instanceof WebhookError ? err.options : {};
        if (attempts >= this.maxAttempts || hint.permanent) {
          update.run('failed', attempts, msToNs(nowMs), message, msToNs(nowMs), d.event_id, d.notifier);
          stats.failed++;
          this.onError(new Error(`gave up notifying ${d.notifier} of alert event ${d.event_id} after ${attempts} attempts: ${message}`));
        } else {
          update.run('pending', attempts, msToNs(nowMs + this.backoffMillis(attempts, hint.retryAfterMillis)), message, msToNs(nowMs), d.event_id, d.notifier);
          stats.retrying++;
        }
      }
    }
    return stats;
  }
}
