/**
 * Scoped API keys in the SQLite file: created, listed and revoked by `genscope keys`, looked up
 * by the server on each request (so a key revoked from the command line stops working at once,
 * without a restart).
 *
 * A key is 32 random bytes (base64url, with a `gsk_` prefix secret scanners can match). Only its
 * SHA-256 is stored. A slow password hash (bcrypt, scrypt) is not needed: it protects guessable
 * secrets, and a 256-bit random key cannot be guessed, so a plain hash already makes a stolen
 * copy of the file useless, while costing microseconds instead of tens of milliseconds per
 * request. Looking the hash up through an index leaks timing about the hash only, which says
 * nothing about any key.
 */
import crypto from 'node:crypto';
import type { Db } from './db';

export const KEY_SCOPES = ['read', 'ingest', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export function isKeyScope(s: string): s is KeyScope {
  return (KEY_SCOPES as readonly string[]).includes(s);
}

/** What the server needs from a key store: is any key configured, and which key is this. */
export interface ApiKeyLookup {
  /** True once any key was created, revoked ones included (revoking the last never opens the server). */
  anyKeys(): boolean;
  /** The live key with this SHA-256 (hex), or null for an unknown or revoked one. */
  findByHash(sha256Hex: string): { id: number; scope: KeyScope } | null;
}

export interface ApiKeyInfo {
  id: number;
  name: string;
  scope: KeyScope;
  /** The key's first characters, to tell keys apart; never enough to use. */
  prefix: string;
  createdAtMs: number;
  revokedAtMs: number | null;
}

const KEY_PREFIX = 'gsk_';
const SHOWN_PREFIX_CHARS = KEY_PREFIX.length + 6;

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

interface KeyRow {
  id: number;
  name: string;
  scope: KeyScope;
  key_prefix: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

function info(r: KeyRow): ApiKeyInfo {
  return { id: r.id, name: r.name, scope: r.scope, prefix: r.key_prefix, createdAtMs: r.created_at_ms, revokedAtMs: r.revoked_at_ms };
}

export class SqliteKeyStore implements ApiKeyLookup {
  private readonly any;
  private readonly byHash;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.any = db.prepare('SELECT EXISTS (SELECT 1 FROM api_keys) AS x');
    this.byHash = db.prepare('SELECT id, scope FROM api_keys WHERE key_hash = ? AND revoked_at_ms IS NULL');
  }

  /** Creates a key; the returned `key` is the only time it exists in clear. */
  create(scope: KeyScope, name = ''): { key: string; info: ApiKeyInfo } {
    if (!isKeyScope(scope)) throw new Error(`unknown key scope "${String(scope)}": use one of ${KEY_SCOPES.join(', ')}`);
    const key = KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
    const created = this.now();
    const r = this.db
      .prepare('INSERT INTO api_keys (name, scope, key_hash, key_prefix, created_at_ms) VALUES (?, ?, ?, ?, ?) RETURNING *')
      .get(name, scope, hashKey(key), key.slice(0, SHOWN_PREFIX_CHARS), created) as KeyRow;
    return { key, info: info(r) };
  }

  list(): ApiKeyInfo[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY id').all() as KeyRow[]).map(info);
  }

  /** Revokes a key; false when there is no such key. Revoking twice keeps the first time. */
  revoke(id: number): boolean {
    const r = this.db.prepare('UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, ?) WHERE id = ?').run(this.now(), id);
    return r.changes > 0;
  }

  anyKeys(): boolean {
    return (this.any.get() as { x: number }).x === 1;
  }

  findByHash(sha256Hex: string): { id: number; scope: KeyScope } | null {
    return (this.byHash.get(sha256Hex) as { id: number; scope: KeyScope } | undefined) ?? null;
  }
}
