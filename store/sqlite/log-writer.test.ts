import { openDatabase } from './db';
import { pruneOnce } from './retention';
import { StoreWriter } from './writer';
import type { LogRecordRecord } from '../../schema/records';

const DAY_NS = 86_400_000_000_000n;
const NOW_MS = Date.UTC(2026, 5, 1);
const nowNs = BigInt(NOW_MS) * 1_000_000n;

function record(timeNs: bigint, body: string): LogRecordRecord {
  return { timeNs, severityNumber: 9, body, attributes: { n: 1 }, resource: { 'service.name': 's' } };
}

test('log records are stored once however often they arrive, and pruned with the raw rows', () => {
  const db = openDatabase(':memory:');
  const writer = new StoreWriter(db);
  const batch = [record(nowNs - 10n * DAY_NS, 'old'), record(nowNs - DAY_NS, 'recent'), record(nowNs - DAY_NS, 'recent 2')];
  expect(writer.writeLogRecords(batch).accepted).toBe(3);
  writer.writeLogRecords(batch);
  expect(writer.stats).toMatchObject({ logRecords: 3, duplicates: 3 });
  const result = pruneOnce(db, { retentionDays: 3, nowMillis: NOW_MS });
  expect(result.deleted.log_records).toBe(1);
  expect(db.prepare('SELECT body FROM log_records ORDER BY body').all()).toEqual([{ body: '"recent 2"' }, { body: '"recent"' }]);
  db.close();
});

test('refuses records with a bad id and says why', () => {
  const db = openDatabase(':memory:');
  const result = new StoreWriter(db).writeLogRecords([{ ...record(nowNs, 'x'), traceId: 'nothex' }]);
  expect(result).toMatchObject({ accepted: 0, rejected: 1, warnings: ['log record with an invalid trace or span id'] });
  db.close();
});
