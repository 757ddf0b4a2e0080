/**
 * Number, unit and time formatting for axes, tooltips, KPI cards and tables. Pure functions so
 * they are unit-tested without a DOM; every unit the dashboard shows is spelled here.
 */

export type Unit = 'ms' | 's' | 'usd' | 'percent' | 'ratio' | 'count' | 'tokens' | 'score' | 'days';

const EN = 'en-US';
const intFmt = new Intl.NumberFormat(EN, { maximumFractionDigits: 0 });

function trimNumber(v: number, digits: number): string {
  return new Intl.NumberFormat(EN, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v);
}

/** A duration given in milliseconds, shown in the unit that keeps it readable (µs, ms, s, min, h). */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a === 0) return '0 ms';
  if (a < 1) return `${trimNumber(ms * 1000, a < 0.01 ? 2 : 0)} µs`;
  if (a < 10) return `${trimNumber(ms, 2)} ms`;
  if (a < 1000) return `${trimNumber(ms, a < 100 ? 1 : 0)} ms`;
  if (a < 60_000) return `${trimNumber(ms / 1000, a < 10_000 ? 2 : 1)} s`;
  if (a < 3_600_000) return `${trimNumber(ms / 60_000, 1)} min`;
  return `${trimNumber(ms / 3_600_000, 1)} h`;
}

/**
 * US dollars. Below $1 (per-call and per-run model cost) three significant digits, at least two
 * decimals ($0.0138, $0.50, $0.000425), so amounts between one and ten cents are not rounded to
 * one digit; cents from $1 up.
 */
export function formatUsd(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (a === 0) return '$0';
  if (a < 1) {
    const digits = Math.max(2, 2 - Math.floor(Math.log10(a)));
    const fixed = Number(a.toPrecision(3)).toFixed(Math.min(digits, 20));
    return `${sign}$${fixed.replace(/(\.\d\d\d*?)0+$/, '$1')}`;
  }
  if (a < 1000) return `${sign}$${trimNumber(a, 2)}`;
  if (a < 1e6) return `${sign}$${trimNumber(a / 1000, 1)}k`;
  return `${sign}$${trimNumber(a / 1e6, 2)}M`;
}

/** A 0..1 ratio as a percentage. */
export function formatRatioAsPercent(v: number | null | undefined, digits = 1): string {
  if (v == null || !Number.isFinite(v)) return '–';
  return `${trimNumber(v * 100, digits)} %`;
}

export function formatCount(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a < 10_000) return intFmt.format(v);
  if (a < 1e6) return `${trimNumber(v / 1000, 1)}k`;
  if (a < 1e9) return `${trimNumber(v / 1e6, 2)}M`;
  return `${trimNumber(v / 1e9, 2)}G`;
}

/** A 0..1 quality score, shown as a plain number with 3 decimals (scores are not percentages). */
export function formatScore(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  return trimNumber(v, 3);
}

export function formatValue(v: number | null | undefined, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return formatDurationMs(v);
    case 's':
      return v == null ? '–' : formatDurationMs(v * 1000);
    case 'usd':
      return formatUsd(v);
    case 'percent':
      return v == null || !Number.isFinite(v) ? '–' : `${trimNumber(v, 1)} %`;
    case 'ratio':
      return formatRatioAsPercent(v);
    case 'count':
      return formatCount(v);
    case 'tokens':
      return v == null ? '–' : `${formatCount(v)} tok`;
    case 'score':
      return formatScore(v);
    case 'days':
      return v == null || !Number.isFinite(v) ? '–' : `${trimNumber(v, v < 10 ? 1 : 0)} days`;
  }
}

/** Short tick label for an axis of the given unit (no spaces wasted, unit carried by the axis label). */
export function formatTick(v: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return formatDurationMs(v);
    case 's':
      return formatDurationMs(v * 1000);
    case 'usd':
      return formatUsd(v);
    case 'percent':
      return `${trimNumber(v, 1)}%`;
    case 'ratio':
      return `${trimNumber(v * 100, 1)}%`;
    case 'count':
    case 'tokens':
      return formatCount(v);
    case 'score':
      return trimNumber(v, 2);
    case 'days':
      return trimNumber(v, 1);
  }
}

/** The axis label that names the unit, e.g. "latency (ms)". */
export function unitSuffix(unit: Unit): string {
  switch (unit) {
    case 'ms':
      return 'ms';
    case 's':
      return 's';
    case 'usd':
      return 'USD';
    case 'percent':
    case 'ratio':
      return '%';
    case 'count':
      return 'count';
    case 'tokens':
      return 'tokens';
    case 'score':
      return '0–1';
    case 'days':
      return 'days';
  }
}

/**
 * The relative change of a KPI against the previous period, or null when there is no previous
 * value to compare with (a change from 0 is not a percentage).
 */
export function relativeChange(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / Math.abs(previous);
}

/** "+12.3 %" / "−4.0 %" with a real minus sign. */
export function formatChange(change: number | null): string {
  if (change == null) return 'no previous data';
  const pct = change * 100;
  const body = trimNumber(Math.abs(pct), Math.abs(pct) < 10 ? 1 : 0);
  if (pct > 0) return `+${body} %`;
  if (pct < 0) return `−${body} %`;
  return '±0 %';
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The page's one time zone: UTC (the default: days and months of the API, the budget month and
 * alert windows are UTC) or the browser's local zone. Set by the app from the URL (tz=local);
 * every time the dashboard prints and every time axis follows it.
 */
export type DisplayTimeZone = 'utc' | 'local';
let displayZone: DisplayTimeZone = 'utc';

export function setDisplayTimeZone(z: DisplayTimeZone): void {
  displayZone = z;
}

export function displayTimeZone(): DisplayTimeZone {
  return displayZone;
}

/** "UTC" or the browser zone's name ("local, Europe/Berlin"), as shown on the page. */
export function timeZoneLabel(z: DisplayTimeZone = displayZone): string {
  if (z === 'utc') return 'UTC';
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return name ? `local (${name})` : 'local';
}

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function parts(ms: number): Parts {
  const d = new Date(ms);
  return displayZone === 'utc'
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}

/** Date-time "2024-05-01 14:03:07" in the display time zone, for tooltips (exact, sortable, locale-independent). */
export function formatDateTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** "YYYY-MM-DDTHH:MM" in the display time zone, as used by <input type="datetime-local">. */
export function toDateTimeLocal(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/** Parses the value of a datetime-local input (in the display time zone) to epoch ms; null when invalid. */
export function fromDateTimeLocal(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return null;
  const f = [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)] as const;
  const t = displayZone === 'utc' ? Date.UTC(...f) : new Date(...f).getTime();
  return Number.isFinite(t) ? t : null;
}

/** The display unit of a linear duration axis whose largest value is maxMs. */
export function durationAxisUnit(maxMs: number): { label: string; divisor: number } {
  const m = Math.abs(maxMs);
  if (!(m >= 1500)) return { label: 'ms', divisor: 1 };
  if (m < 120_000) return { label: 's', divisor: 1000 };
  if (m < 2 * 3_600_000) return { label: 'min', divisor: 60_000 };
  return { label: 'h', divisor: 3_600_000 };
}

/** Tick steps (ms) of a duration axis: 1-2-5 below a second, then round seconds, minutes, hours. */
export const DURATION_INCRS_MS: number[] = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500,
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Splits of a log axis: 1-2-5 times each power of ten inside [min, max]; 1-3 or powers only when the range is wider, so labels never crowd. */
export function logSplits(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const out: number[] = [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mults = hi - lo > 4 ? [1] : hi - lo > 2 ? [1, 3] : [1, 2, 5];
  for (let e = lo; e <= hi; e++) {
    for (const m of mults) {
      const v = m * Math.pow(10, e);
      if (v >= min * 0.999 && v <= max * 1.001) out.push(Number(v.toPrecision(6)));
    }
  }
  return out;
}

/**
 * A raw attribute value as text. Floating-point noise is cut at 12 significant digits (a cost of
 * 0.00031859999999999994 reads 0.0003186), inside arrays and objects too; integers stay exact.
 */
export function formatAttributeValue(v: unknown): string {
  if (v == null) return '–';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(12)));
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isInteger(x) && Number.isFinite(x) ? Number(x.toPrecision(12)) : x));
}
