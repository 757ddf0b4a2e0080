/**
 * A statement written with @name parameters (the row builders return objects keyed by column),
 * bound by position. better-sqlite3 looks each named parameter up on the object from C++, about
 * 70 ns a key: for a 25-column span row that is most of the binding. Reading the keys in JS into
 * one reused array and binding by position costs a fraction of it, with the same SQL and rows.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db';

export class PositionalStatement {
  readonly stmt: Database.Statement;
  /** The parameter names in the order of their placeholders. */
  readonly names: readonly string[];
  private readonly args: unknown[];

  constructor(db: Db, sql: string) {
    const names: string[] = [];
    const text = sql.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
      names.push(name);
      return '?';
    });
    this.stmt = db.prepare(text);
    this.names = names;
    this.args = new Array<unknown>(names.length);
  }

  /** Runs with params[name] for each placeholder; a missing one throws, as named binding does. */
  run(params: Readonly<Record<string, unknown>>): Database.RunResult {
    const names = this.names;
    const args = this.args;
    for (let i = 0; i < names.length; i++) {
      const v = params[names[i] as string];
      if (v === undefined) throw new RangeError(`Missing named parameter "${names[i]}"`);
      args[i] = v;
    }
    return this.stmt.run(...args);
  }
}

/** Rows per multi-row INSERT: past about 8 the per-statement saving levels off (`npm run bench exporter`). */
export const INSERT_GROUP_ROWS = 16;

/**
 * An `INSERT INTO t (...) VALUES (@a, ...) ON CONFLICT ... DO NOTHING` into a rowid table, run
 * INSERT_GROUP_ROWS rows per statement: each statement's call, reset and step cost is shared by the
 * group, about a quarter of a row's insert. insertAll answers what one statement per row would: the
 * rowid of each row stored, or 0 for a row the conflict clause skipped (already stored, or an
 * earlier row of the same call). Runs inside the caller's write transaction.
 *
 * A new row's rowid is one more than the table's largest (SQLite's rule while the largest is below
 * 2^63 - 1) and a statement inserts its rows in order, so a group that stored all its rows holds
 * max + 1 ... max + n. A group that did not (a conflict), or whose last rowid says otherwise (an
 * AUTOINCREMENT table whose newest rows were deleted continues past them), looks each row up by
 * the conflict key instead: every row it stored has a rowid past the table's largest before it.
 */
export class GroupedInsert {
  private readonly single: PositionalStatement;
  private readonly group: Database.Statement;
  private readonly names: readonly string[];
  private readonly args: unknown[];
  private readonly maxRowid: Database.Statement<[], number | null>;
  private readonly lookup: Database.Statement;

  constructor(
    db: Db,
    sql: string,
    /** The table (a rowid table) and the columns of its conflict clause's unique key. */
    table: string,
    private readonly key: readonly string[],
  ) {
    const m = /^(INSERT INTO \w+\s*\([^)]*\))\s*VALUES\s*(\([^)]*\))\s*(ON CONFLICT[\s\S]*DO NOTHING)\s*$/.exec(sql);
    if (!m) throw new Error('GroupedInsert: an INSERT ... VALUES (...) ON CONFLICT ... DO NOTHING statement is needed');
    const [, head, tuple, tail] = m as unknown as [string, string, string, string];
    this.single = new PositionalStatement(db, sql);
    this.names = this.single.names;
    const many = new PositionalStatement(db, `${head} VALUES ${new Array<string>(INSERT_GROUP_ROWS).fill(tuple).join(', ')} ${tail}`);
    this.group = many.stmt;
    this.args = new Array<unknown>(this.names.length * INSERT_GROUP_ROWS);
    this.maxRowid = db.prepare<[], number | null>(`SELECT max(rowid) FROM ${table}`).pluck();
    this.lookup = db.prepare(`SELECT rowid FROM ${table} WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`).pluck();
  }

  insertAll(rows: readonly Readonly<Record<string, unknown>>[]): number[] {
    const out = new Array<number>(rows.length);
    let i = 0;
    for (; i + INSERT_GROUP_ROWS <= rows.length; i += INSERT_GROUP_ROWS) this.insertGroup(rows, i, out);
    for (; i < rows.length; i++) {
      const r = this.single.run(rows[i] as Readonly<Record<string, unknown>>);
      out[i] = r.changes === 0 ? 0 : Number(r.lastInsertRowid);
    }
    return out;
  }

  private insertGroup(rows: readonly Readonly<Record<string, unknown>>[], from: number, out: number[]): void {
    const names = this.names;
    const args = this.args;
    let a = 0;
    for (let r = from; r < from + INSERT_GROUP_ROWS; r++) {
      const row = rows[r] as Readonly<Record<string, unknown>>;
      for (let c = 0; c < names.length; c++) {
        const v = row[names[c] as string];
        if (v === undefined) throw new RangeError(`Missing named parameter "${names[c]}"`);
        args[a++] = v;
      }
    }
    const before = this.maxRowid.get() ?? 0;
    const result = this.group.run(...args);
    const last = Number(result.lastInsertRowid);
    if (result.changes === INSERT_GROUP_ROWS && last === before + INSERT_GROUP_ROWS) {
      for (let r = 0; r < INSERT_GROUP_ROWS; r++) out[from + r] = before + 1 + r;
      return;
    }
    // Some rows were already there (a retried or replayed batch): each row's own rowid, new if
    // past the table's end before the statement, and claimed by the first row with its key.
    const claimed = new Set<number>();
    for (let r = from; r < from + INSERT_GROUP_ROWS; r++) {
      const row = rows[r] as Readonly<Record<string, unknown>>;
      const rowid = Number(this.lookup.get(...this.key.map((k) => row[k])));
      if (rowid > before && !claimed.has(rowid)) {
        claimed.add(rowid);
        out[r] = rowid;
      } else out[r] = 0;
    }
  }
}
