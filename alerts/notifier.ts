/**
 * Notifications: the payloads (genscope JSON, and Slack-compatible `{ text, blocks }`) and the
 * webhook notifier that POSTs them. A notifier sends one payload once and reports failure by
 * rejecting; retries, backoff and de-duplication belong to the delivery outbox (deliveries.ts).
 */
import type { AlertEvent, AlertSeverity, WebhookTarget } from '../schema/alerts';

/** What every notifier receives: one firing or resolved transition. */
export interface AlertNotification {
  /** Stable across retries and restarts: rule, series, episode and transition. */
  dedupKey: string;
  event: AlertEvent;
}

export interface Notifier {
  /** Unique name; deliveries are tracked per name. */
  readonly name: string;
  /** Least severity this notifier wants (default: everything). */
  readonly minSeverity?: AlertSeverity;
  /** Resolves when delivered; rejects (with a reason) when not. */
  send(notification: AlertNotification): Promise<void>;
}

export const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function dedupKeyOf(event: AlertEvent): string {
  return `genscope:${event.ruleId ?? event.ruleName}:${event.seriesKey}:${event.episodeStartMs}:${event.state}`;
}

/** genscope's own webhook payload (format 'json'). */
export interface AlertWebhookPayload {
  source: 'genscope';
  version: 1;
  dedupKey: string;
  state: AlertEvent['state'];
  severity: AlertSeverity;
  rule: { id: number | null; name: string; metric: AlertEvent['metric'] };
  labels: AlertEvent['labels'];
  value: number | null;
  details: AlertEvent['details'];
  message: string;
  /** Epoch ms and ISO time of the transition. */
  timeMs: number;
  time: string;
  episodeStartMs: number;
  eventId: number;
}

export function jsonPayload(n: AlertNotification): AlertWebhookPayload {
  const e = n.event;
  return {
    source: 'genscope',
    version: 1,
    dedupKey: n.dedupKey,
    state: e.state,
    severity: e.severity,
    rule: { id: e.ruleId, name: e.ruleName, metric: e.metric },
    labels: e.labels,
    value: e.value,
    details: e.details,
    message: e.message,
    timeMs: e.timeMs,
    time: new Date(e.timeMs).toISOString(),
    episodeStartMs: e.episodeStartMs,
    eventId: e.id,
  };
}

export interface SlackPayload {
  text: string;
  blocks: ({ type: 'header'; text: { type: 'plain_text'; text: string } } | { type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] })[];
}

/** Slack incoming-webhook shape: `text` is the fallback, `blocks` the rich message. */
export function slackPayload(n: AlertNotification): SlackPayload {
  const e = n.event;
  const icon = e.state === 'resolved' ? ':white_check_mark:' : e.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const title = `${e.state === 'resolved' ? 'Resolved' : 'Firing'}: ${e.ruleName}`;
  const labels = Object.entries(e.labels)
    .map(([k, v]) => `${k}=${v === '' ? '(none)' : v}`)
    .join(', ');
  return {
    text: `${icon} ${title} - ${e.message}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} ${e.message}`.slice(0, 3000) } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `*severity* ${e.severity} | *metric* ${e.metric}${labels ? ` | ${labels}` : ''} | ${new Date(e.timeMs).toISOString()}` },
        ],
      },
    ],
  };
}

export interface WebhookNotifierOptions extends Partial<Omit<WebhookTarget, 'name' | 'url'>> {
  name: string;
  url: string;
  /** Injected for tests or proxies; default the global fetch. */
  fetch?: typeof fetch;
}

/** POSTs each notification as JSON to a URL; a non-2xx answer or a timeout is a failure. */
export class WebhookNotifier implements Notifier {
  readonly name: string;
  readonly minSeverity: AlertSeverity;
  private readonly url: string;
  private readonly format: 'json' | 'slack';
  private readonly headers: Record<string, string>;
  private readonly timeoutMillis: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: WebhookNotifierOptions) {
    this.name = options.name;
    this.url = options.url;
    this.format = options.format ?? 'json';
    this.headers = options.headers ?? {};
    this.timeoutMillis = options.timeoutMillis ?? 5000;
    this.minSeverity = options.minSeverity ?? 'info';
    this.fetchFn = options.fetch ?? fetch;
  }

  async send(notification: AlertNotification): Promise<void> {
    const body = this.format === 'slack' ? slackPayload(notification) : jsonPayload(notification);
    const res = await this.fetchFn(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'genscope-alerts', 'x-genscope-dedup-key': notification.dedupKey, ...this.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMillis),
    });
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook ${this.name} answered HTTP ${res.status}`);
  }
}

/** Notifiers for the webhook targets of a config file. */
export function webhookNotifiers(targets: readonly WebhookTarget[]): WebhookNotifier[] {
  return targets.map((t) => new WebhookNotifier(t));
}
