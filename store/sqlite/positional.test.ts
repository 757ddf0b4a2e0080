import Database from 'better-sqlite3';
import { GroupedInsert, INSERT_GROUP_ROWS, PositionalStatement } from './positional';
import { prng } from '../../api/test-fixtures';

const SQL = 'INSERT INTO t (a, b, v) VALUES (@a, @b, @v) ON CONFLICT (a, b) DO NOTHING';

function table(autoincrement = false): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE t (${autoincrement ? 'id INTEGER PRIMARY KEY AUTOINCREMENT, ' : ''}a INTEGER NOT NULL, b BLOB NOT NULL, v TEXT, UNIQUE (a, b))`);
  return db;
}

describe('GroupedInsert', () => {
  it.each([
    ['a rowid table', false],
    ['an AUTOINCREMENT table (ids past deleted ones)', true],
  ])('answers, call by call, what one statement per row answers, and leaves the same table: %s', (_name, autoincrement) => {
    // Seeded, so a failure can be replayed.
    const next = prng(7);
    const reference = table(autoincrement);
    const grouped = table(autoincrement);
    const one = new PositionalStatement(reference, SQL);
    const many = new GroupedInsert(grouped, SQL, 't', ['a', 'b']);
    let calls = 0;
    let groupsWithCopies = 0;
    for (let call = 0; call < 200; call++) {
      // Keys from a small space, so copies (stored before, or earlier in the same call) are common
      // in some calls; other calls are all new rows.
      const fresh = next() < 0.5;
      const n = Math.floor(next() * (3 * INSERT_GROUP_ROWS + 5));
      const rows = Array.from({ length: n }, (_, i) => {
        const a = fresh ? 1000 + call * 100 + i : Math.floor(next() * 40);
        return { a, b: Buffer.from([a % 7, 1]), v: `call ${call} row ${i}` };
      });
      const expected = rows.map((r) => {
        const res = one.run(r);
        return res.changes === 0 ? 0 : Number(res.lastInsertRowid);
      });
      const got = grouped.transaction(() => many.insertAll(rows))();
      expect(got).toEqual(expected);
      if (!fresh && n >= INSERT_GROUP_ROWS) groupsWithCopies++;
      // Deleting the newest rows now and then: later rowids reuse the freed top (max + 1).
      if (next() < 0.2) {
        reference.exec('DELETE FROM t WHERE rowid > (SELECT max(rowid) - 3 FROM t)');
        grouped.exec('DELETE FROM t WHERE rowid > (SELECT max(rowid) - 3 FROM t)');
      }
      calls++;
    }
    expect(calls).toBe(200);
    expect(groupsWithCopies).toBeGreaterThan(10);
    const dump = (db: Database.Database) => db.prepare('SELECT rowid, a, hex(b) AS b, v FROM t ORDER BY rowid').all();
    expect(dump(grouped)).toEqual(dump(reference));
    expect((grouped.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBeGreaterThan(1000);
  });

  it('refuses a statement it cannot group', () => {
    expect(() => new GroupedInsert(table(), 'INSERT INTO t (a, b, v) VALUES (@a, @b, @v)', 't', ['a', 'b'])).toThrow(/ON CONFLICT/);
  });

  it('throws on a missing parameter, as named binding does', () => {
    const many = new GroupedInsert(table(), SQL, 't', ['a', 'b']);
    const rows = Array.from({ length: INSERT_GROUP_ROWS }, (_, i) => ({ a: i, b: Buffer.from([i]), v: 'x' })) as Record<string, unknown>[];
    delete rows[3]?.v;
    expect(() => many.insertAll(rows)).toThrow(/Missing named parameter "v"/);
  });
});
