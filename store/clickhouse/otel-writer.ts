/**
 * Writes SpanRecords into `otel_traces` in the Collector clickhouseexporter's row shape: the
 * fixture writer of the contract tests and the bench, and genscope's own OTLP ingest when no
 * Collector is used (genscope as the writer). Batched: one INSERT per batch.
 */
import type { SpanRecord } from '../../schema/records';
import type { ChClient } from './client';
import type { TracesVariant } from './ddl';
import { spanRecordToOtelRow } from './otel-rows';

export const DEFAULT_INSERT_BATCH = 10_000;

export async function writeOtelSpans(
  ch: ChClient,
  table: string,
  spans: readonly SpanRecord[],
  variant: TracesVariant,
  batchSize = DEFAULT_INSERT_BATCH,
): Promise<number> {
  for (let i = 0; i < spans.length; i += batchSize) {
    await ch.insert(
      table,
      spans.slice(i, i + batchSize).map((s) => spanRecordToOtelRow(s, variant)),
    );
  }
  return spans.length;
}
