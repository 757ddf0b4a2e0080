/**
 * Alert storage in SQLite (migration 010): rules (CRUD, seeding by name), the live states of
 * alert series, events and their listing. Rules are stored as their validated JSON definition;
 * every write path validates with schema/alerts.ts first.
 */
import type { Db } from '../store';
import { AlertRuleInput } from '../schema/alerts';
import type {
  AlertDetails,
  AlertEvent,
  AlertEventsQuery,
  AlertLabels,
  AlertMetric,
  AlertRule,
  AlertRuleDefinition,
  AlertRuleSource,
  AlertSeverity,
  AlertStateRow,
} from '../schema/alerts';

const msToNs = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;

/** A rule name is already taken (names are unique so that seeding can upsert by name). */
export class DuplicateRuleNameError extends Error {
  constructor(readonly ruleName: string) {
    super(`an alert rule named "${ruleName}" already exists`);
    this.name = 'DuplicateRuleNameError';
  }
}

interface RuleRow {
  id: number;
  definition: string;
  source: string;
  created_ms: number;
  updated_ms: number;
}

const RULE_COLUMNS = 'id, definition, source, created_ns / 1000000 AS created_ms, updated_ns / 1000000 AS updated_ms';

function toRule(row: RuleRow): AlertRule {
  // Stored definitions were validated on the way in; parse again so older rows get new defaults.
  // A row that no longer validates (edited by hand, older schema) is still listed as stored, so
  // it can be seen and fixed; the evaluator reports it instead of running it.
  const raw = JSON.parse(row.definition) as unknown;
  const parsed = AlertRuleInput.safeParse(raw);
  const def = parsed.success ? parsed.data : (raw as AlertRuleDefinition);
  return { ...def, id: row.id, source: row.source as AlertRuleSource, createdMs: row.created_ms, updatedMs: row.updated_ms };
}

/** The definition part of a rule (what PUT replaces and PATCH merges into). */
export function ruleDefinition(rule: AlertRule): AlertRuleDefinition {
  const { id: _id, source: _source, createdMs: _c, updatedMs: _u, ...def } = rule;
  return def;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function listRules(db: Db, options: { enabledOnly?: boolean } = {}): AlertRule[] {
  const rows = db
    .prepare<[], RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules${options.enabledOnly ? ' WHERE enabled = 1' : ''} ORDER BY id`)
    .all();
  return rows.map(toRule);
}

export function getRule(db: Db, id: number): AlertRule | null {
  const row = db.prepare<[number], RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = ?`).get(id);
  return row ? toRule(row) : null;
}

export function getRuleByName(db: Db, name: string): AlertRule | null {
  const row = db.prepare<[string], RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE name = ?`).get(name);
  return row ? toRule(row) : null;
}

/** Inserts a validated rule; throws DuplicateRuleNameError when the name is taken. */
export function createRule(db: Db, def: AlertRuleDefinition, nowMs: number, source: AlertRuleSource = 'api'): AlertRule {
  try {
    const info = db
      .prepare('INSERT INTO alert_rules (name, kind, enabled, definition, source, created_ns, updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(def.name, def.kind, def.enabled ? 1 : 0, JSON.stringify(def), source, msToNs(nowMs), msToNs(nowMs));
    const rule = getRule(db, Number(info.lastInsertRowid));
    if (!rule) throw new Error('alert rule missing after insert');
    return rule;
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateRuleNameError(def.name);
    throw err;
  }
}

/**
 * Replaces a rule's definition; null when the id is unknown. States of the rule are dropped when
 * it is disabled or its metric, kind, scope or grouping changes (its series no longer mean the
 * same thing); a firing series of a changed rule is not resolved by notification.
 */
export function replaceRule(db: Db, id: number, def: AlertRuleDefinition, nowMs: number, source?: AlertRuleSource): AlertRule | null {
  const run = db.transaction((): AlertRule | null => {
    const before = getRule(db, id);
    if (!before) return null;
    try {
      db.prepare('UPDATE alert_rules SET name = ?, kind = ?, enabled = ?, definition = ?, source = COALESCE(?, source), updated_ns = ? WHERE id = ?').run(
        def.name,
        def.kind,
        def.enabled ? 1 : 0,
        JSON.stringify(def),
        source ?? null,
        msToNs(nowMs),
        id,
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateRuleNameError(def.name);
      throw err;
    }
    const sameSeries =
      before.kind === def.kind &&
      before.metric === def.metric &&
      JSON.stringify(before.filters) === JSON.stringify(def.filters) &&
      JSON.stringify(before.groupBy) === JSON.stringify(def.groupBy);
    if (!def.enabled || !sameSeries) db.prepare('DELETE FROM alert_states WHERE rule_id = ?').run(id);
    return getRule(db, id);
  });
  return run();
}

/** Deletes a rule (its states go with it; its events stay, with the rule's name). */
export function deleteRule(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
}

export interface SeedResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Upserts rules by name (config files are the source of truth for the rules they name): new
 * names are created, changed definitions replaced, identical ones left alone. Rules not named
 * are never touched.
 */
export function seedRules(db: Db, defs: readonly AlertRuleDefinition[], nowMs: number, source: AlertRuleSource = 'config'): SeedResult {
  const result: SeedResult = { created: [], updated: [], unchanged: [] };
  db.transaction(() => {
    for (const def of defs) {
      const existing = getRuleByName(db, def.name);
      if (!existing) {
        createRule(db, def, nowMs, source);
        result.created.push(def.name);
      } else if (JSON.stringify(ruleDefinition(existing)) === JSON.stringify(AlertRuleInput.parse(def))) {
        result.unchanged.push(def.name);
      } else {
        replaceRule(db, existing.id, def, nowMs, source);
        result.updated.push(def.name);
      }
    }
  })();
  return result;
}

export function getMeta(db: Db, key: string): string | null {
  return db.prepare<[string], { value: string }>('SELECT value FROM alert_meta WHERE key = ?').get(key)?.value ?? null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO alert_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

interface EventRow {
  id: number;
  rule_id: number | null;
  rule_name: string;
  severity: string;
  metric: string;
  series_key: string;
  labels: string;
  state: string;
  time_ms: number;
  episode_ms: number;
  value: number | null;
  details: string;
  message: string;
}

const EVENT_COLUMNS =
  'id, rule_id, rule_name, severity, metric, series_key, labels, state, time_ns / 1000000 AS time_ms, episode_ns / 1000000 AS episode_ms, value, details, message';

function toEvent(row: EventRow): AlertEvent {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    severity: row.severity as AlertSeverity,
    metric: row.metric as AlertMetric,
    seriesKey: row.series_key,
    labels: JSON.parse(row.labels) as AlertLabels,
    state: row.state as AlertEvent['state'],
    timeMs: row.time_ms,
    episodeStartMs: row.episode_ms,
    value: row.value,
    details: JSON.parse(row.details) as AlertDetails,
    message: row.message,
  };
}

export function getEvent(db: Db, id: number): AlertEvent | null {
  const row = db.prepare<[number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM alert_events WHERE id = ?`).get(id);
  return row ? toEvent(row) : null;
}

/** Events newest first, filtered by state, time range (ms, inclusive) and rule id. */
export function listEvents(db: Db, query: AlertEventsQuery): AlertEvent[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.state) {
    where.push('state = ?');
    params.push(query.state);
  }
  if (query.from !== undefined) {
    where.push('time_ns >= ?');
    params.push(msToNs(query.from));
  }
  if (query.to !== undefined) {
    where.push('time_ns <= ?');
    params.push(msToNs(query.to) + 999_999n);
  }
  if (query.rule !== undefined) {
    where.push('rule_id = ?');
    params.push(query.rule);
  }
  const sql = `SELECT ${EVENT_COLUMNS} FROM alert_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ns DESC, id DESC LIMIT ?`;
  return (db.prepare(sql).all(...params, query.limit) as EventRow[]).map(toEvent);
}

interface StateRow {
  rule_id: number;
  rule_name: string;
  definition: string;
  series_key: string;
  labels: string;
  state: string;
  since_ms: number;
  firing_since_ms: number | null;
  last_eval_ms: number;
  value: number | null;
  details: string;
  message: string;
}

/** Series currently firing (or pending too, with include 'all'), most severe and oldest first. */
export function listStates(db: Db, include: 'firing' | 'all' = 'firing'): AlertStateRow[] {
  const rows = db
    .prepare<[], StateRow>(
      `SELECT s.rule_id, r.name AS rule_name, r.definition, s.series_key, s.labels, s.state, s.since_ns / 1000000 AS since_ms,
         s.firing_since_ns / 1000000 AS firing_since_ms, s.last_eval_ns / 1000000 AS last_eval_ms, s.value, s.details, s.message
       FROM alert_states s JOIN alert_rules r ON r.id = s.rule_id
       ${include === 'firing' ? "WHERE s.state = 'firing'" : ''}
       ORDER BY s.since_ns, s.rule_id, s.series_key`,
    )
    .all();
  const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
  return rows
    .map((row): AlertStateRow => {
      const def = JSON.parse(row.definition) as { severity?: AlertSeverity; metric: AlertMetric };
      return {
        ruleId: row.rule_id,
        ruleName: row.rule_name,
        severity: def.severity ?? 'warning',
        metric: def.metric,
        seriesKey: row.series_key,
        labels: JSON.parse(row.labels) as AlertLabels,
        state: row.state as AlertStateRow['state'],
        sinceMs: row.since_ms,
        firingSinceMs: row.firing_since_ms,
        lastEvaluatedMs: row.last_eval_ms,
        value: row.value,
        details: JSON.parse(row.details) as AlertDetails,
        message: row.message,
      };
    })
    .sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3));
}
