/**
 * `genscope keys create|list|revoke`: scoped API keys, written to the database file the server
 * reads (a running server sees a new or revoked key on its next request). A key is printed once,
 * at creation; the file keeps only its SHA-256.
 */
import { KEY_SCOPES, SqliteKeyStore, isKeyScope, openDatabase } from '../store';
import type { ApiKeyInfo } from '../store';
import { dbPath, parse, UsageError, write } from './args';
import type { Io } from './args';

const HELP = `Usage: genscope keys <create|list|revoke> [--db PATH]

  create --scope read|ingest|admin [--name N]   make a key and print it (shown this once only)
  list                                          id, scope, name, first characters, created, revoked
  revoke ID                                     the key stops working at the server's next request

Scopes: read (GET of the API and exports), ingest (OTLP/HTTP at /v1/traces, /v1/metrics),
admin (everything, writes included). Once any key exists, the server asks for one on ingest,
writes and reads (start it with --open-reads to keep reads open). Send it as
"Authorization: Bearer <key>"; OTLP exporters: OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer <key>".
`;

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function table(keys: ApiKeyInfo[]): string {
  const rows = [['id', 'scope', 'name', 'key starts', 'created', 'revoked'], ...keys.map((k) => [String(k.id), k.scope, k.name || '-', `${k.prefix}…`, iso(k.createdAtMs), iso(k.revokedAtMs)])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export async function runKeys(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { scope: { type: 'string' }, name: { type: 'string' } }, 'keys');
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    write(action === undefined && !values.help ? io.stderr : io.stdout, HELP);
    return values.help ? 0 : 2;
  }
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw new UsageError(`unknown action "${action}": use create, list or revoke (genscope keys --help)`);
  if (action !== 'create' && (values.scope !== undefined || values.name !== undefined))
    throw new UsageError(`--scope and --name belong to \`keys create\`, not \`keys ${action}\``);

  const file = dbPath(values.db, io.env);
  const db = openDatabase(file);
  try {
    const keys = new SqliteKeyStore(db);
    if (action === 'create') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"; the name goes in --name`);
      const scope = values.scope;
      if (scope === undefined || !isKeyScope(scope)) throw new UsageError(`--scope must be one of ${KEY_SCOPES.join(', ')}${scope === undefined ? '' : ` (got "${scope}")`}`);
      const name = values.name ?? '';
      if (name.length > 200) throw new UsageError('--name is at most 200 characters');
      const made = keys.create(scope, name);
      write(io.stdout, made.key);
      write(io.stderr, `key ${made.info.id} (${scope}${name ? `, "${name}"` : ''}) created in ${file}. It is shown this once only: store it now.`);
      return 0;
    }
    if (action === 'list') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const all = keys.list();
      write(io.stdout, all.length === 0 ? `no keys in ${file} (the server is open: create one with genscope keys create --scope admin)` : table(all));
      return 0;
    }
    const [idText, ...extra] = rest;
    if (idText === undefined || extra.length > 0 || !/^\d{1,15}$/.test(idText)) throw new UsageError('usage: genscope keys revoke ID (the id from `genscope keys list`)');
    if (!keys.revoke(Number(idText))) throw new UsageError(`no key with id ${idText} in ${file} (see genscope keys list)`);
    write(io.stdout, `key ${idText} revoked`);
    return 0;
  } finally {
    db.close();
  }
}
