/**
 * Opening a genscope database: WAL, a busy timeout, foreign keys, and the numbered SQL migrations
 * in store/sqlite/migrations applied in order inside one transaction each. Re-opening is a no-op.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { rebuildRollups } from './rebuild';
import { compactRows, compactStoredLinks } from './compact-migration';
import { compactArtefactRows, moveArtefactsToBlobs, sizeArtefactBlobs } from './artefact-writer';
import { backfillTotalDays, foldScoreLabels } from './rollup-apply';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a writer waits for a lock held by another connection or process. */
  busyTimeoutMillis?: number;
  readonly?: boolean;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /**
   * WAL durability. NORMAL (default) survives a process crash, not a power loss; FULL syncs the
   * WAL on every commit, so a commit survives a power loss too (the server, which acknowledges
   * OTLP batches, opens with FULL).
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Told before and after each migration applied to a file that already had a schema (an upgrade, which may take minutes on a big file). */
  onMigration?: MigrationListener;
}

/** Hears an upgrade's migrations: 'start' before one runs, 'done' (with its duration) after it committed. */
export type MigrationListener = (m: Pick<Migration, 'version' | 'name'>, phase: 'start' | 'done', elapsedMillis: number) => void;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations folder, from the sources or from dist/ (tsc does not copy .sql files). */
export function migrationsDir(): string {
  const candidates = [path.join(__dirname, 'migrations'), path.join(__dirname, '..', '..', '..', 'store', 'sqlite', 'migrations')];
  for (const dir of candidates) if (fs.existsSync(dir)) return dir;
  throw new Error(`genscope: migrations folder not found (looked in ${candidates.join(', ')})`);
}

/** Reads NNN_name.sql files in version order. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  return fs
    .readdirSync(dir)
    .map((file) => /^(\d+)_([\w-]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2] ?? '', sql: fs.readFileSync(path.join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Steps of a migration that SQL cannot express portably, run right after its SQL in the same
 * transaction (so a crash leaves the file at the version before, never half migrated).
 */
export const CODE_STEPS: Readonly<Record<number, (db: Db) => void>> = {
  40: rebuildRollups,
  // Copies of spans were deleted: their rollup contributions go with a rebuild from raw rows.
  41: (db) => {
    const dups = db.prepare('SELECT count(*) AS n FROM temp.dup_spans').get() as { n: number };
    db.exec('DROP TABLE temp.dup_spans');
    if (dups.n > 0) rebuildRollups(db);
  },
  42: compactRows,
  // The new component-by-stage rollup, from the model calls still kept (older days stay without a split).
  141: (db) => rebuildRollups(db, ['model_calls']),
  // The service dimension (150): the buckets raw rows still cover, recomputed with their service.
  150: (db) => rebuildRollups(db),
  166: moveArtefactsToBlobs,
  // Compact artefact rows; events they hold exactly leave spans.events (176).
  176: compactArtefactRows,
  // Score rollup labels only where a panel reads them (178).
  178: foldScoreLabels,
  // Links as bytes where they are only ids (179).
  179: compactStoredLinks,
  // The day grain of the total rollups, from the full tables' day rows (200).
  200: backfillTotalDays,
  // Artefact sizes on their blobs (207).
  207: sizeArtefactBlobs,
};

/** Applies the migrations the database has not seen yet; returns the versions applied. */
export function migrate(db: Db, migrations: Migration[] = loadMigrations(), onMigration?: MigrationListener): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ns INTEGER NOT NULL)',
  );
  const applied = new Set(
    db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ns) VALUES (?, ?, ?)');
  const done: number[] = [];
  // A new file's migrations are quick (no rows yet): only an upgrade's are told.
  const tell = applied.size > 0 ? onMigration : undefined;
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    const started = Date.now();
    tell?.(m, 'start', 0);
    // IMMEDIATE: two processes opening a fresh file at once must not both apply a migration.
    const apply = db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (again) return;
      db.exec(m.sql);
      CODE_STEPS[m.version]?.(db);
      record.run(m.version, m.name, BigInt(Date.now()) * 1_000_000n);
      done.push(m.version);
    });
    apply.immediate();
    tell?.(m, 'done', Date.now() - started);
  }
  return done;
}

/**
 * Opens (creating if needed) a genscope SQLite file, migrated to the current schema.
 * `:memory:` works for tests. Throws an Error whose message names the path and the fix when the
 * file cannot be created or opened.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ':memory:' && !options.readonly) {
    const dir = path.dirname(path.resolve(file));
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (err) {
      throw new Error(
        `cannot write the database at ${file}: ${(err as Error).message}. Choose a writable path with --db PATH or GENSCOPE_DB.`,
      );
    }
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new Error(`cannot open the database at ${file}: ${(err as Error).message}`);
  }
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMillis ?? 5000))}`);
  if (!options.readonly) {
    // Incremental auto-vacuum lets retention hand freed pages back to the file system in small
    // steps; it can only be chosen before the first table exists.
    const fresh = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (fresh.n === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives process crashes (the crash tests hold us to that), not power
    // loss; FULL also survives power loss, for one fsync per commit. Writers back off on a timer
    // while another connection commits (WriteQueue), so FULL's longer lock holds cost no failures.
    db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  }
  db.pragma('foreign_keys = ON');
  if (!options.readonly && options.migrate !== false) migrate(db, undefined, options.onMigration);
  return db;
}

/**
 * A token that changes whenever the database's content may have: a commit by another connection
 * (`PRAGMA data_version`) or a row written by this one (`total_changes()`). Equal tokens mean no
 * write happened in between, so an answer computed from the database still holds (answer caches).
 */
export function dataVersion(db: Db): string {
  const v = db.pragma('data_version', { simple: true }) as number;
  const c = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  return `${v}:${c}`;
}
