/**
 * A run's artefacts on ClickHouse: the genscope.artefact events of the run's spans, read with their
 * content from otel_traces (genscope_spans keeps them without it, as the SQLite writer does) and
 * decoded by the same code as the SQLite writer's (store/artefacts.ts), so both stores list the
 * same artefacts and serve the same bytes. The run's spans are found as run detail finds them.
 */
import type { RunArtefactsResponse } from '../../schema/api';
import { EVENT } from '../../schema/names';
import type { AttributeMap, SpanEventRecord } from '../../schema/records';
import { extractArtefacts } from '../artefacts';
import type { ArtefactRow } from '../artefacts';
import { QueryError } from '../errors';
import type { ChContext } from './context';
import type { TracesVariant } from './ddl';
import { parseAttributes } from './otel-rows';
import { runScope } from './runs';
import { Params } from './sql';

export interface ArtefactSource {
  tracesTable: string;
  variant: TracesVariant;
}

interface Found {
  spanId: string;
  stage: string | null;
  row: ArtefactRow;
}

/**
 * Event attributes as selected. The Map variant keeps every value as text: the content (and the
 * name) stay text as sent, other values are revived as the extractor revives them.
 */
function eventAttributes(text: string, variant: TracesVariant): AttributeMap {
  const attrs = parseAttributes(text, variant);
  if (variant === 'map') {
    const raw = JSON.parse(text === '' ? '{}' : text) as Record<string, string>;
    for (const [k, v] of Object.entries(raw)) if (k.endsWith('.content') || k.endsWith('.name')) attrs[k] = v;
  }
  return attrs;
}

/** The run's artefacts in recording order (span start, then position in the span). */
async function runArtefactRows(ctx: Pick<ChContext, 'ch' | 'db'>, src: ArtefactSource, id: number): Promise<Found[]> {
  const { traceId, lo, hi } = await runScope(ctx, String(id));
  const p = new Params();
  const rows = await ctx.ch.query<{ span_id: string; names: string[]; attrs: string[] }>(
    `SELECT SpanId AS span_id, Events.Name AS names, arrayMap(a -> toJSONString(a), Events.Attributes) AS attrs
      FROM ${ctx.db}.${src.tracesTable}
      WHERE TraceId = ${p.bind(traceId, 'String')} AND Timestamp >= ${p.ns(lo)} AND Timestamp <= ${p.ns(hi)}
        AND has(Events.Name, ${p.bind(EVENT.artefact, 'String')})
      ORDER BY Timestamp, SpanId LIMIT 1 BY SpanId`,
    p.values,
  );
  if (rows.length === 0) return [];
  const sp = new Params();
  const stages = new Map(
    (
      await ctx.ch.query<{ span_id: string; stage: string | null }>(
        `SELECT span_id, stage FROM ${ctx.db}.genscope_spans
          WHERE trace_id = ${sp.bind(traceId, 'String')} AND start >= ${sp.ns(lo)} AND start <= ${sp.ns(hi)}
            AND span_id IN ${sp.bind(rows.map((r) => r.span_id), 'Array(String)')}`,
        sp.values,
      )
    ).map((r) => [r.span_id, r.stage]),
  );
  const out: Found[] = [];
  for (const r of rows) {
    // Only spans the extractor took (the run's own, as SQLite lists its stored spans').
    if (!stages.has(r.span_id)) continue;
    const events: SpanEventRecord[] = r.names.map((name, i) => ({
      name,
      timeNs: 0n,
      attributes: name === EVENT.artefact ? eventAttributes(r.attrs[i] ?? '{}', src.variant) : {},
    }));
    for (const row of extractArtefacts(events).rows) out.push({ spanId: r.span_id, stage: stages.get(r.span_id) ?? null, row });
  }
  return out;
}

export async function runArtefacts(ctx: Pick<ChContext, 'ch' | 'db'>, src: ArtefactSource, id: number): Promise<RunArtefactsResponse> {
  return {
    artefacts: (await runArtefactRows(ctx, src, id)).map(({ spanId, stage, row }) => ({
      name: row.name,
      kind: row.kind,
      mediaType: row.media_type,
      bytes: row.bytes,
      originalBytes: row.original_bytes,
      truncated: row.truncated === 1,
      spanId,
      stage,
    })),
  };
}

/** The first artefact of that name in the run; 404 naming what is missing, as on SQLite. */
export async function runArtefact(
  ctx: Pick<ChContext, 'ch' | 'db'>,
  src: ArtefactSource,
  id: number,
  name: string,
): Promise<{ mediaType: string; content: Buffer }> {
  const all = await runArtefactRows(ctx, src, id);
  const found = all.find((a) => a.row.name === name);
  if (!found) {
    const names = all.map((a) => a.row.name);
    throw new QueryError(
      404,
      'not_found',
      `run ${id} has no artefact named ${JSON.stringify(name)} (${names.length > 0 ? `recorded: ${names.join(', ')}` : 'no artefacts recorded'})`,
    );
  }
  return { mediaType: found.row.media_type, content: found.row.content };
}
