/**
 * Notifications: the payloads (genscope JSON, and Slack-compatible `{ text, blocks }`) and the
 * webhook notifier that POSTs them. A notifier sends one payload once and reports failure by
 * rejecting (a WebhookError says whether to retry and when); retries, backoff and
 * de-duplication belong to the delivery outbox of the evaluator (evaluator.ts).
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
  /**
   * Destinations allowed (host or host:port, lower case); empty or absent: any. A target outside
   * the list is refused when the notifier is made, so a bad config fails at start.
   */
  allowedHosts?: readonly string[];
  /** Injected for tests or proxies; default the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A failed delivery, with what the retry loop needs: `retryAfterMillis` from the receiver's
 * Retry-After (429/503), and `permanent` for failures a retry cannot fix (a redirect to another
 * origin, a destination outside the allow-list, a 4xx refusal).
 */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    message: string,
    readonly options: { retryAfterMillis?: number; permanent?: boolean } = {},
  ) {
    super(message);
  }
}

/** Retry-After as milliseconds from nowMs: delta seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMillis(header: string | null, nowMs: number = Date.now()): number | null {
  if (header === null) return null;
  const v = header.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

/** Same-origin redirects followed at most this many times (307/308 only: they keep POST and the body). */
const MAX_SAME_ORIGIN_REDIRECTS = 3;

function hostAllowed(url: URL, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((a) => {
    const entry = a.trim().toLowerCase();
    return entry === host || entry === `${host}:${port}` || entry === `[${host}]:${port}`;
  });
}

/**
 * POSTs each notification as JSON to a URL; a non-2xx answer or a timeout is a failure. Redirects
 * are never followed to another origin (the target's headers often carry a secret, and a
 * redirect must not deliver it elsewhere); a 307/308 to the same origin is followed. The timeout
 * covers the whole exchange, redirects and the answer's body included.
 */
export class WebhookNotifier implements Notifier {
  readonly name: string;
  readonly minSeverity: AlertSeverity;
  private readonly url: URL;
  private readonly format: 'json' | 'slack';
  private readonly headers: Record<string, string>;
  private readonly timeoutMillis: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: WebhookNotifierOptions) {
    this.name = options.name;
    this.url = new URL(options.url);
    if (!hostAllowed(this.url, options.allowedHosts ?? []))
      throw new Error(
        `webhook "${options.name}" sends to ${this.url.host}, which is not in the webhook allow-list (${(options.allowedHosts ?? []).join(', ')}); add it with --webhook-hosts or GENSCOPE_WEBHOOK_HOSTS, or change the target`,
      );
    this.format = options.format ?? 'json';
    this.headers = options.headers ?? {};
    this.timeoutMillis = options.timeoutMillis ?? 5000;
    this.minSeverity = options.minSeverity ?? 'info';
    this.fetchFn = options.fetch ?? fetch;
  }

  async send(notification: AlertNotification): Promise<void> {
    const body = JSON.stringify(this.format === 'slack' ? slackPayload(notification) : jsonPayload(notification));
    const headers = { 'content-type': 'application/json', 'user-agent': 'genscope-alerts', 'x-genscope-dedup-key': notification.dedupKey, ...this.headers };
    const signal = AbortSignal.timeout(this.timeoutMillis);
    let url = this.url;
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
      } catch (err) {
        if (signal.aborted) throw new WebhookError(`webhook ${this.name} did not answer within ${this.timeoutMillis} ms`);
        throw new WebhookError(`webhook ${this.name} could not be reached: ${err instanceof Error ? err.message : String(err)}`);
      }
      // Drain the body so the connection can be reused (bounded by the same timeout).
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location');
        let next: URL | null = null;
        try {
          next = location ? new URL(location, url) : null;
        } catch {
          next = null;
        }
        if (!next || next.origin !== this.url.origin)
          throw new WebhookError(
            `webhook ${this.name} answered HTTP ${res.status} redirecting to ${next ? next.origin : 'nowhere'}; redirects to another origin are not followed (the target's headers would go there). Point the webhook at the final URL`,
            { permanent: true },
          );
        if ((res.status !== 307 && res.status !== 308) || hop >= MAX_SAME_ORIGIN_REDIRECTS)
          throw new WebhookError(`webhook ${this.name} answered HTTP ${res.status} (redirect not followed); point the webhook at the final URL`, { permanent: true });
        url = next;
        continue;
      }
      if (res.ok) return;
      const after = retryAfterMillis(res.headers.get('retry-after'));
      const retriable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new WebhookError(`webhook ${this.name} answered HTTP ${res.status}`, {
        ...(after !== null && retriable ? { retryAfterMillis: after } : {}),
        permanent: !retriable,
      });
    }
  }
}

/** Notifiers for the webhook targets of a config file, refused at once when outside the allow-list. */
export function webhookNotifiers(targets: readonly WebhookTarget[], options: { allowedHosts?: readonly string[] } = {}): WebhookNotifier[] {
  return targets.map((t) => new WebhookNotifier({ ...t, ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) }));
}
