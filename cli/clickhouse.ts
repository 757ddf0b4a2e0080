/**
 * `genscope clickhouse ddl | migrate | extract`: the ClickHouse store's own operations.
 *   ddl      prints genscope's DDL (and the Collector's tables with --traces) for review or clickhouse-client
 *   migrate  applies genscope's migrations and checks the Collector's otel_traces
 *   extract  runs the extractor once (or every --every-seconds) from otel_traces into genscope's tables
 * The store comes from --store URL or GENSCOPE_STORE (clickhouse://user:pass@host:8123/db).
 */
import { ClickHouseStore, clickHouseDdl, parseStoreUrl, redactStoreUrl } from '../store';
import type { ClickHouseStoreConfig, TracesVariant } from '../store';
import { intOption, parse, UsageError, write } from './args';
import type { Io } from './args';

const HELP = `Usage: genscope clickhouse <ddl|migrate|extract> --store URL [options]

  --store URL            clickhouse://user:pass@host:8123/db (GENSCOPE_STORE); options in the query
                         string: query_timeout_s, traces_table, cluster, replicated=1, retention_days,
                         rollup_retention_days. chdb:///dir?database=db selects the embedded engine.
  --traces map|json      ddl: also print otel_traces, otel_logs and otel_metrics_* (for a Collector
                         with create_schema: false); migrate: create them (otel_traces and otel_logs
                         of that variant) when they do not exist
  --every-seconds N      extract: keep extracting every N seconds until interrupted
`;

const OPTIONS = {
  store: { type: 'string' },
  traces: { type: 'string' },
  'every-seconds': { type: 'string' },
} as const;

function storeConfig(value: string | undefined, io: Io): ClickHouseStoreConfig {
  const url = value ?? io.env.GENSCOPE_STORE;
  if (!url) throw new UsageError('needs --store clickhouse://user:pass@host:8123/db (or GENSCOPE_STORE)');
  const sel = parseStoreUrl(url);
  if (sel.kind === 'sqlite')
    throw new UsageError(`--store "${redactStoreUrl(url)}" is not a clickhouse:// or chdb:// URL`);
  return sel;
}

function variant(value: string | undefined): TracesVariant | null {
  if (value === undefined) return null;
  if (value !== 'map' && value !== 'json')
    throw new UsageError(`--traces must be map or json (got "${value}")`);
  return value;
}

export async function runClickHouse(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 'clickhouse');
  const sub = positionals[0];
  if (values.help || !sub) {
    write(io.stdout, HELP);
    return values.help ? 0 : 2;
  }
  const config = storeConfig(values.store, io);
  const traces = variant(values.traces);
  if (sub === 'ddl') {
    write(
      io.stdout,
      clickHouseDdl(config, traces)
        .map((s) => `${s};\n`)
        .join('\n'),
    );
    return 0;
  }
  if (sub !== 'migrate' && sub !== 'extract')
    throw new UsageError(`unknown subcommand "${sub}"; use ddl, migrate or extract`);
  const store = await ClickHouseStore.open({
    config,
    extractIntervalMillis: 0,
    ...(traces ? { createTracesTable: traces } : {}),
  });
  try {
    if (sub === 'migrate') {
      const h = await store.health();
      write(
        io.stdout,
        `genscope schema version ${h.schemaVersion} on ${config.database}; ${config.tracesTable} is the ${store.variant} variant`,
      );
      return 0;
    }
    const every =
      values['every-seconds'] === undefined ? 0 : intOption('every-seconds', values['every-seconds'], 5);
    for (;;) {
      const r = await store.extract();
      write(
        io.stdout,
        `extracted ${r.spans} spans (watermark ${new Date(Number(r.watermarkNs / 1_000_000n)).toISOString()})`,
      );
      if (every === 0) return 0;
      await new Promise((resolve) => setTimeout(resolve, every * 1000));
    }
  } finally {
    await store.close();
  }
}
