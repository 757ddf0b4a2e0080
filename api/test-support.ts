/**
 * Shared setup for the api tests: an in-memory database filled with the fixture and an app on a
 * fixed clock. (Not part of the public surface; tests import it directly.)
 */
import type { Express } from 'express';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { createApp } from './app';
import type { CreateAppOptions } from './app';
import { writeFixture } from './test-fixtures';
import type { FixtureSummary } from './test-fixtures';

/** 2026-06-15T12:00:00Z: the fixed "now" of the tests. */
export const TEST_NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

export interface TestWorld {
  db: Db;
  app: Express;
  fixture: FixtureSummary;
  now: number;
}

/** `runs` one-minute-apart runs ending one minute before TEST_NOW. */
export function testWorld(runs = 3000, options: Partial<CreateAppOptions> = {}): TestWorld {
  const db = openDatabase(':memory:');
  const fixture = writeFixture(db, { runs, startMs: TEST_NOW - runs * 60_000, intervalMs: 60_000 });
  const app = createApp({ db, clock: () => TEST_NOW, config: { monthlyBudgetUsd: 100 }, ...options });
  return { db, app, fixture, now: TEST_NOW };
}

export function count(db: Db, sql: string, ...params: (string | number | bigint)[]): number {
  const row = db.prepare(sql).get(...params) as { n: number } | undefined;
  return row?.n ?? 0;
}

/** Counts CSV records (RFC 4180: quoted fields may hold commas, quotes and newlines). */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
