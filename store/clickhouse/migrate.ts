/**
 * Start-up of a ClickHouse store: genscope's numbered migrations applied once each, and the
 * Collector's `otel_traces` checked from `system.columns` (which attribute variant it is, and a
 * clear error naming every missing column when it is not the exporter's table).
 */
import type { ChClient } from './client';
import { CLICKHOUSE_MIGRATIONS, migrationsTableDdl, collectorTablesDdl } from './ddl';
import type { ClickHouseMigration, DdlOptions, TracesVariant } from './ddl';

export class TracesSchemaError extends Error {
  override readonly name = 'TracesSchemaError';
}

/** Columns genscope reads, with the type families accepted for each (both exporter variants). */
const REQUIRED_COLUMNS: Record<string, RegExp> = {
  Timestamp: /^DateTime64\(9/,
  TraceId: /String/,
  SpanId: /String/,
  ParentSpanId: /String/,
  SpanName: /String/,
  SpanKind: /String/,
  ServiceName: /String/,
  ResourceAttributes: /^(Map\(LowCardinality\(String\), String\)|Map\(String, String\)|JSON)/,
  ScopeName: /String/,
  SpanAttributes: /^(Map\(LowCardinality\(String\), String\)|Map\(String, String\)|JSON)/,
  Duration: /^U?Int64$/,
  StatusCode: /String/,
  StatusMessage: /String/,
  'Events.Timestamp': /^Array\(DateTime64\(9/,
  'Events.Name': /^Array\(.*String/,
  'Events.Attributes': /^Array\((Map\(|JSON)/,
  'Links.TraceId': /^Array\(.*String/,
  'Links.SpanId': /^Array\(.*String/,
  'Links.Attributes': /^Array\((Map\(|JSON)/,
};

export interface TracesSchema {
  variant: TracesVariant;
  columns: Map<string, string>;
}

/** Reads otel_traces' columns and says which variant it is; throws naming what is missing. */
export async function detectTracesSchema(
  ch: ChClient,
  database: string,
  table: string,
): Promise<TracesSchema> {
  const rows = await ch.query<{ name: string; type: string }>(
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
    { db: database, table },
  );
  if (rows.length === 0) {
    throw new TracesSchemaError(
      `ClickHouse table ${database}.${table} does not exist. Point the Collector's clickhouse exporter at database ` +
        `"${database}" (traces_table_name: ${table}), or create it with genscope's DDL (deploy/clickhouse/), then start again.`,
    );
  }
  const columns = new Map(rows.map((r) => [r.name, r.type]));
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const [name, type] of Object.entries(REQUIRED_COLUMNS)) {
    const actual = columns.get(name);
    if (actual === undefined) missing.push(name);
    else if (!type.test(actual)) wrong.push(`${name} is ${actual}`);
  }
  if (missing.length > 0 || wrong.length > 0) {
    throw new TracesSchemaError(
      `ClickHouse table ${database}.${table} is not the OpenTelemetry Collector clickhouseexporter's traces table: ` +
        [
          missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
          wrong.length > 0 ? `unexpected types: ${wrong.join('; ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') +
        '.',
    );
  }
  const variant: TracesVariant = (columns.get('SpanAttributes') ?? '').startsWith('JSON') ? 'json' : 'map';
  return { variant, columns };
}

/** Creates otel_traces, otel_logs and the otel_metrics_* tables (genscope as the writer, tests, the deploy example; a Collector deployment has its own). */
export async function createTracesTable(
  ch: ChClient,
  o: DdlOptions,
  variant: TracesVariant = 'map',
): Promise<void> {
  for (const sql of collectorTablesDdl(o, variant)) await ch.command(sql);
}

/** Applies genscope's migrations that the database has not seen; returns the versions applied. */
export async function migrateClickHouse(
  ch: ChClient,
  o: DdlOptions,
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<number[]> {
  for (const sql of migrationsTableDdl(o)) await ch.command(sql);
  const applied = new Set(
    (await ch.query<{ version: number }>(`SELECT version FROM ${o.database}.genscope_migrations FINAL`)).map(
      (r) => Number(r.version),
    ),
  );
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    // Every statement is IF NOT EXISTS: a migration interrupted half way is safe to run again.
    for (const sql of m.statements(o)) await ch.command(sql);
    await ch.insert('genscope_migrations', [{ version: m.version, name: m.name, applied_at: Date.now() }]);
    done.push(m.version);
  }
  return done;
}
