/**
 * What went wrong with parts of one OTLP request: records rejected and values truncated or
 * dropped, grouped by reason so a request with ten thousand bad spans yields a short message
 * (it becomes the partial-success `error_message`, which the OTLP spec wants human-readable).
 */

interface Entry {
  count: number;
  rejects: boolean;
  example: string | undefined;
}

/** Reasons listed in a message; the rest are summarised as "and N more". */
const MAX_REASONS = 12;
/** Characters of one example (a span name, an attribute key) quoted in a message. */
const MAX_EXAMPLE_CHARS = 80;

function clip(s: string): string {
  return s.length > MAX_EXAMPLE_CHARS ? `${s.slice(0, MAX_EXAMPLE_CHARS)}...` : s;
}

export class IngestIssues {
  /** Records (spans or data points) refused. */
  rejected = 0;
  private readonly entries = new Map<string, Entry>();

  /** One record refused for `reason`; `example` names it (e.g. `span "classify"`). */
  reject(reason: string, example?: string): void {
    this.rejected++;
    this.note(reason, true, example);
  }

  /** Something was truncated or dropped inside a record that is still accepted. */
  warn(reason: string, example?: string): void {
    this.note(reason, false, example);
  }

  get empty(): boolean {
    return this.entries.size === 0;
  }

  private note(reason: string, rejects: boolean, example: string | undefined): void {
    const key = `${rejects ? 'r' : 'w'}|${reason}`;
    const e = this.entries.get(key);
    if (e) e.count++;
    else
      this.entries.set(key, {
        count: 1,
        rejects,
        example: example === undefined ? undefined : clip(example),
      });
  }

  /** One line per reason, rejections first, bounded. */
  messages(): string[] {
    const all = [...this.entries.entries()].sort((a, b) => Number(b[1].rejects) - Number(a[1].rejects));
    const out: string[] = [];
    for (const [key, e] of all.slice(0, MAX_REASONS)) {
      const reason = key.slice(2);
      const what = e.rejects ? `${e.count} rejected: ${reason}` : `${e.count} x ${reason}`;
      out.push(e.example === undefined ? what : `${what} (first: ${e.example})`);
    }
    if (all.length > MAX_REASONS) out.push(`and ${all.length - MAX_REASONS} more kinds of problem`);
    return out;
  }
}
