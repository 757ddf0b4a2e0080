/**
 * `genscope gate`: the CI regression gate. Compares the latest benchmark run (or --run ID) with
 * the run before it (or --baseline ID), prints one row per metric (baseline, current, change,
 * p-value, verdict) and exits 1 when quality, latency or cost regressed significantly, 0 when
 * not, 2 on a usage problem (bad option, fewer than two runs, unknown run id).
 */
import { compareBenchmarkRuns, compareStoreRuns, RunSelectionError } from '../alerts';
import type { ComparisonUnit, MetricComparison, RunComparison } from '../alerts';
import { ClickHouseStore, openDatabase, parseStoreUrl, redactStoreUrl, StoreUrlError } from '../store';
import type { Db } from '../store';
import { UsageError, dbPath, numberOption, parse, write } from './args';

export interface GateIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** An open database (tests); otherwise --db, GENSCOPE_DB or the per-user default is opened read-only. */
  db?: Db;
}

const HELP = `Usage: genscope gate [--run ID] [--baseline ID] [--alpha 0.01] [--min-change 5] [--json] [--db PATH]

Compares a benchmark run with a baseline run, metric by metric: each quality score (Welch
t-test), success rate (two-proportion test), run latency p50 (Mann-Whitney U) and p95 (tail
exceedance test), and cost per component (Welch). A metric regresses when its difference is
significant at --alpha after a Holm adjustment across the metrics, goes the worse way, and is at
least --min-change percent.

Options:
  --run ID          the run to judge (default: the latest benchmark run)
  --baseline ID     the run to compare with (default: the previous run of the same pipeline and
                    model, else the run before --run)
  --alpha N         family-wise significance level, 0 < N < 0.5 (default 0.01)
  --min-change PCT  smallest change in percent that counts as a regression (default 5)
  --json            print the comparison as JSON instead of a table
  --db PATH         the database (default GENSCOPE_DB, else the per-user data directory)
  --store URL       read a ClickHouse store instead (GENSCOPE_STORE): clickhouse://user:pass@host:8123/db
                    or chdb:///dir?database=db (embedded engine); extracts new spans first

Exit status: 0 no regression, 1 regression, 2 usage error (e.g. fewer than two runs).`;

function formatValue(unit: ComparisonUnit, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  switch (unit) {
    case 'rate':
      return `${(v * 100).toFixed(1)}%`;
    case 'ms':
      return v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
    case 'usd':
      return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(5)}`;
    default:
      return v.toFixed(3);
  }
}

function formatChange(m: MetricComparison): string {
  if (m.changePercent === null) return m.baseline === null || m.current === null ? '-' : 'n/a';
  return `${m.changePercent >= 0 ? '+' : ''}${m.changePercent.toFixed(1)}%`;
}

function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

const VERDICT: Record<MetricComparison['verdict'], string> = {
  regressed: 'REGRESSED',
  improved: 'improved',
  unchanged: 'ok',
  'insufficient data': 'too few samples',
};

/** The comparison as an aligned text table with a header and a one-line outcome. */
export function formatGateTable(c: RunComparison): string {
  const describe = (r: RunComparison['current']) =>
    `${r.id} (${new Date(r.startedMs).toISOString().replace('T', ' ').slice(0, 16)} UTC${r.model ? `, ${r.model}` : ''}${r.components !== null ? `, ${r.components} components` : ''}${r.simulated ? ', simulated' : ''})`;
  const header = ['metric', 'baseline', 'current', 'change', 'p-value', 'verdict'];
  const rows = c.metrics.map((m) => [m.label, formatValue(m.unit, m.baseline), formatValue(m.unit, m.current), formatChange(m), formatP(m.pValue), VERDICT[m.verdict]]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Text columns align left, numbers right.
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const tested = c.metrics.filter((m) => m.pValue !== null).length;
  const out = [
    `genscope gate: run ${describe(c.current)}`,
    `       against baseline ${describe(c.baseline)}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `alpha ${c.alpha} (Holm-adjusted over ${tested} test${tested === 1 ? '' : 's'}), minimum change ${c.minChangePercent}%`,
    c.regressed
      ? `FAIL: ${c.regressions.length} metric${c.regressions.length === 1 ? '' : 's'} regressed: ${c.regressions.join(', ')}`
      : c.metrics.length === 0
        ? 'PASS: no metrics recorded for these runs (nothing to compare)'
        : 'PASS: no significant regression',
  ];
  return out.join('\n');
}

const GATE_OPTIONS = {
  run: { type: 'string' },
  baseline: { type: 'string' },
  alpha: { type: 'string' },
  'min-change': { type: 'string' },
  json: { type: 'boolean' },
  store: { type: 'string' },
} as const;

/** Runs the gate; resolves to the exit code. */
export async function runGate(argv: string[], io: GateIo): Promise<number> {
  const env = io.env ?? process.env;
  let args: ReturnType<typeof parse<typeof GATE_OPTIONS>>;
  let alpha: number;
  let minChange: number;
  try {
    args = parse(argv, GATE_OPTIONS, 'gate');
    if (args.values.help) {
      write(io.stdout, HELP);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}". Run \`genscope gate --help\` for the options.`);
    alpha = numberOption('alpha', args.values.alpha, 0.01, 0, 0.5);
    if (!(alpha > 0)) throw new UsageError('--alpha must be greater than 0');
    minChange = numberOption('min-change', args.values['min-change'], 5, 0, 1000);
  } catch (err) {
    if (err instanceof UsageError) {
      write(io.stderr, `genscope gate: ${err.message}`);
      return 2;
    }
    throw err;
  }

  const storeUrl = args.values.store ?? env.GENSCOPE_STORE;
  let selection: ReturnType<typeof parseStoreUrl>;
  try {
    selection = parseStoreUrl(storeUrl);
  } catch (err) {
    if (err instanceof StoreUrlError) {
      write(io.stderr, `genscope gate: --store: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (selection.kind !== 'sqlite' && !io.db) {
    let store: ClickHouseStore;
    try {
      store = await ClickHouseStore.open({ config: selection, extractIntervalMillis: 0 });
    } catch (err) {
      write(io.stderr, `genscope gate: cannot open ${redactStoreUrl(storeUrl ?? '')}: ${(err as Error).message}`);
      return 2;
    }
    try {
      await store.extract();
      const comparison = await compareStoreRuns(store, {
        ...(args.values.run ? { currentId: args.values.run } : {}),
        ...(args.values.baseline ? { baselineId: args.values.baseline } : {}),
        alpha,
        minChangePercent: minChange,
      });
      write(io.stdout, args.values.json ? JSON.stringify(comparison, null, 2) : formatGateTable(comparison));
      return comparison.regressed ? 1 : 0;
    } catch (err) {
      if (err instanceof RunSelectionError) {
        write(io.stderr, `genscope gate: ${err.message}`);
        return 2;
      }
      throw err;
    } finally {
      await store.close();
    }
  }
  let db = io.db;
  let opened: Db | null = null;
  if (!db) {
    const file = dbPath(args.values.db, env);
    try {
      opened = openDatabase(file, { readonly: true });
    } catch (err) {
      write(io.stderr, `genscope gate: ${(err as Error).message}. Run the benchmark first (genscope pipeline run, or genscope demo), or point --db at the database.`);
      return 2;
    }
    db = opened;
  }
  try {
    let comparison: RunComparison;
    try {
      comparison = compareBenchmarkRuns(db, {
        ...(args.values.run ? { currentId: args.values.run } : {}),
        ...(args.values.baseline ? { baselineId: args.values.baseline } : {}),
        alpha,
        minChangePercent: minChange,
      });
    } catch (err) {
      if (err instanceof RunSelectionError) {
        write(io.stderr, `genscope gate: ${err.message}`);
        return 2;
      }
      if ((err as Error).message.includes('no such table')) {
        write(io.stderr, `genscope gate: the database has no genscope tables yet (${(err as Error).message}). Run the benchmark first, or point --db at the right file.`);
        return 2;
      }
      throw err;
    }
    write(io.stdout, args.values.json ? JSON.stringify(comparison, null, 2) : formatGateTable(comparison));
    return comparison.regressed ? 1 : 0;
  } finally {
    opened?.close();
  }
}
