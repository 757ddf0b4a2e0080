/**
 * Progress of a long CLI pass: on a terminal one bar redrawn in place (done/total, failures,
 * elapsed, ETA); elsewhere (CI logs, pipes) a plain line at each tenth of the way and at least
 * every 5 s, never one per item. Time comes from the injected clock, output goes to the stream.
 */

export interface ProgressOptions {
  total: number;
  /** What is counted, plural ("components"). */
  noun: string;
  stream: NodeJS.WritableStream;
  /** Draw a bar redrawn in place (a terminal) rather than plain lines. */
  tty: boolean;
  /** Terminal width for the bar line. Default 80. */
  columns?: number;
  /** Milliseconds, monotonic enough for elapsed time. Default Date.now. */
  nowMillis?: () => number;
  /** Longest silence between plain lines. Default 5000. */
  lineIntervalMillis?: number;
}

export interface Progress {
  /** One more item finished (failed or not). */
  tick(failed: boolean): void;
  /** Draws the final state (ends the bar's line on a terminal). */
  finish(): void;
}

/** `4.2 s`, `1m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const BAR_WIDTH = 20;
// Redraws closer together than this cannot be read; the last state is always drawn by finish().
const TTY_REDRAW_MILLIS = 80;

export function createProgress(o: ProgressOptions): Progress {
  const now = o.nowMillis ?? Date.now;
  const started = now();
  const interval = o.lineIntervalMillis ?? 5000;
  let done = 0;
  let failed = 0;
  let lastLineAt = started;
  let lastTenth = 0;
  let lastDrawAt = -Infinity;
  let lastFrame = '';
  let finished = false;

  // The bar leaves out the word "elapsed" so that the whole line fits 80 columns.
  const summary = (bar = false): string => {
    const elapsed = now() - started;
    const parts = [`${done}/${o.total} ${o.noun}`];
    parts.push(`${failed} failed`);
    parts.push(bar ? formatDuration(elapsed) : `${formatDuration(elapsed)} elapsed`);
    if (done > 0 && done < o.total) parts.push(`ETA ${formatDuration((elapsed / done) * (o.total - done))}`);
    return parts.join(', ');
  };
  const bar = (): string => {
    const filled = o.total > 0 ? Math.round((done / o.total) * BAR_WIDTH) : BAR_WIDTH;
    const pct = o.total > 0 ? Math.floor((done / o.total) * 100) : 100;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(pct).padStart(3)}% ${summary(true)}`;
    return line.slice(0, Math.max(20, (o.columns ?? 80) - 1));
  };
  const drawBar = (): void => {
    const frame = bar();
    if (frame === lastFrame) return;
    // \r and erase-line: the bar replaces itself instead of scrolling.
    o.stream.write(`\r\x1b[2K${frame}`);
    lastFrame = frame;
    lastDrawAt = now();
  };
  const line = (): void => {
    o.stream.write(`progress: ${summary()}\n`);
    lastLineAt = now();
  };

  if (o.tty) drawBar();
  return {
    tick(isFailure) {
      if (finished) return;
      done++;
      if (isFailure) failed++;
      if (o.tty) {
        if (now() - lastDrawAt >= TTY_REDRAW_MILLIS || done === o.total) drawBar();
        return;
      }
      const tenth = o.total > 0 ? Math.floor((done * 10) / o.total) : 10;
      if (tenth > lastTenth || now() - lastLineAt >= interval) {
        lastTenth = tenth;
        line();
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      if (o.tty) {
        drawBar();
        o.stream.write('\n');
      } else if (now() - lastLineAt > 0 && lastTenth < 10) line();
    },
  };
}
