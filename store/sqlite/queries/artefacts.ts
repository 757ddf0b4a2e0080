/**
 * A run's artefacts (migrations 165-166, 176): the list, and one artefact's content by name. The run's
 * spans are found as run detail finds them (runScope); artefacts by their span row.
 */
import type { ArtefactRow, RunArtefactsResponse } from '../../../schema/api';
import { ARTEFACT_FLAG, artefactKind, expandContent } from '../../artefacts';
import { stringOf } from '../strings';
import { QueryError } from '../../errors';
import type { QueryContext } from './context';
import { runScope } from './run-detail';
import { all, get } from './sql';

export interface ArtefactContent {
  mediaType: string;
  content: Buffer;
}

function hasArtefacts(ctx: QueryContext): boolean {
  return get<{ n: number }>(ctx.db, { sql: "SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'artefacts'", params: [] }) !== undefined;
}

const FROM = `FROM artefacts a JOIN spans s ON s.id = a.span_row`;
/** The media type is a shared string (migration 176); the kind follows from it. So is the name (181). The size is the blob's (207). */
const MEDIA_TYPE = stringOf('a.media_type_ref');
const NAME = stringOf('a.name_ref');

export function runArtefacts(ctx: QueryContext, id: number): RunArtefactsResponse {
  const scope = runScope(ctx, id);
  if (!hasArtefacts(ctx)) return { artefacts: [] };
  const rows = all<{ name: string; media_type: string; bytes: number; original_bytes: number; flags: number; span_id: string; stage: string | null }>(ctx.db, {
    sql: `SELECT ${NAME} AS name, ${MEDIA_TYPE} AS media_type, b.bytes, COALESCE(a.original_bytes, b.bytes) AS original_bytes, a.flags,
      lower(hex(s.span_id)) AS span_id, s.stage
      ${FROM} JOIN artefact_blobs b ON b.id = a.blob_id WHERE ${scope.where} ORDER BY s.start_ns, s.id, a.seq`,
    params: scope.params,
  });
  return {
    artefacts: rows.map((r) => ({
      name: r.name,
      kind: artefactKind(r.media_type) satisfies ArtefactRow['kind'],
      mediaType: r.media_type,
      bytes: r.bytes,
      originalBytes: r.original_bytes,
      truncated: (r.flags & ARTEFACT_FLAG.truncated) !== 0,
      spanId: r.span_id,
      stage: r.stage,
    })),
  };
}

/** The first artefact of that name in the run (by span start); 404 naming what is missing. */
export function runArtefact(ctx: QueryContext, id: number, name: string): ArtefactContent {
  const scope = runScope(ctx, id);
  const row = hasArtefacts(ctx)
    ? get<{ media_type: string; encoding: string; content: Buffer }>(ctx.db, {
        sql: `SELECT ${MEDIA_TYPE} AS media_type, b.encoding, b.content ${FROM} JOIN artefact_blobs b ON b.id = a.blob_id
          WHERE ${scope.where} AND a.name_ref = (SELECT id FROM strings WHERE value = ?) ORDER BY s.start_ns, s.id LIMIT 1`,
        params: [...scope.params, name],
      })
    : undefined;
  if (!row) {
    const names = runArtefacts(ctx, id).artefacts.map((a) => a.name);
    throw new QueryError(
      404,
      'not_found',
      `run ${id} has no artefact named ${JSON.stringify(name)} (${names.length > 0 ? `recorded: ${names.join(', ')}` : 'no artefacts recorded'})`,
    );
  }
  return { mediaType: row.media_type, content: expandContent(row.encoding, row.content) };
}
