/**
 * Settings kept in the database (table `settings`, migration 140): today the monthly budget, set
 * from the dashboard or the API, or by a start flag, so it survives restarts. They live in the
 * store's state database (TelemetryStore.alertStateDb), which is the telemetry file for SQLite and
 * the local side file for ClickHouse.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db';

export type BudgetSource = 'api' | 'config' | 'demo';

export interface StoredBudget {
  /** USD per calendar month (UTC), for all model spend. */
  monthlyUsd: number;
  source: BudgetSource;
  updatedAtMs: number;
}

const BUDGET_KEY = 'monthly_budget_usd';

/** The stored monthly budget, or null when none is set. */
type BudgetRow = { value: string; source: BudgetSource; updated_at_ms: number };
// Read on every API request (the budget card's context): one prepared statement per connection.
const readers = new WeakMap<Db, Database.Statement<[string], BudgetRow>>();

export function readBudget(db: Db): StoredBudget | null {
  let stmt = readers.get(db);
  if (!stmt) {
    stmt = db.prepare<[string], BudgetRow>('SELECT value, source, updated_at_ms FROM settings WHERE key = ?');
    readers.set(db, stmt);
  }
  const row = stmt.get(BUDGET_KEY);
  if (!row) return null;
  const monthlyUsd = Number(row.value);
  // Only writeBudget writes the row; a hand-edited value that is not a number counts as unset.
  if (!Number.isFinite(monthlyUsd) || monthlyUsd < 0) return null;
  return { monthlyUsd, source: row.source, updatedAtMs: row.updated_at_ms };
}

/** Stores the monthly budget (null removes it); returns what is stored now. */
export function writeBudget(db: Db, monthlyUsd: number | null, source: BudgetSource, nowMs: number): StoredBudget | null {
  if (monthlyUsd === null) {
    db.prepare('DELETE FROM settings WHERE key = ?').run(BUDGET_KEY);
    return null;
  }
  if (!Number.isFinite(monthlyUsd) || monthlyUsd < 0) throw new RangeError(`a monthly budget must be a non-negative number of USD, got ${monthlyUsd}`);
  db.prepare(
    `INSERT INTO settings (key, value, source, updated_at_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, source = excluded.source, updated_at_ms = excluded.updated_at_ms`,
  ).run(BUDGET_KEY, String(monthlyUsd), source, nowMs);
  return { monthlyUsd, source, updatedAtMs: nowMs };
}
