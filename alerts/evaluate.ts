/**
 * The alert state machine. Per series of each enabled rule: inactive -> pending when the
 * condition starts holding, pending -> firing once it has held for forDurationMillis (at once
 * when 0), firing -> resolved when it stops holding (or the series has no data any more) for
 * keepFiringForMillis (at once when 0); a
 * pending series whose condition stops holding goes back to inactive silently, so one bad point
 * pages nobody. Firing and resolved transitions are stored as events with the values behind
 * them, at most once per episode (UNIQUE key), which is what notifications de-duplicate on.
 */
import type { Db } from '../store';
import { AlertRuleInput } from '../schema/alerts';
import type { AlertDetails, AlertEvent, AlertRule } from '../schema/alerts';
import { evaluateCondition, prefetchMetricReader } from './conditions';
import type { MetricReader } from './conditions';
import type { TelemetryStore } from '../store';
import type { SeriesCondition } from './conditions';
import { getEvent, listRules, ruleDefinition } from './store';
import { formatZodIssues } from './config';

const msToNs = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;

export interface EvaluateRulesOptions {
  /** Only these rules (default: every enabled rule). */
  ruleIds?: readonly number[];
  /** Where the rules' metrics are read (default: the telemetry in db itself). */
  metrics?: MetricReader;
}

export interface RuleError {
  ruleId: number;
  ruleName: string;
  message: string;
}

export interface EvaluateRulesResult {
  nowMs: number;
  rulesEvaluated: number;
  /** Series evaluated across all rules. */
  series: number;
  pending: number;
  firing: number;
  /** New events (firing and resolved transitions), in the order they happened. */
  events: AlertEvent[];
  /** Rules whose evaluation threw (the others still ran). */
  errors: RuleError[];
}

function rulesToEvaluate(db: Db, options: EvaluateRulesOptions): AlertRule[] {
  const only = options.ruleIds ? new Set(options.ruleIds) : null;
  return listRules(db, { enabledOnly: true }).filter((r) => !only || only.has(r.id));
}

/**
 * evaluateRules with the metrics read through a store (the ClickHouse store: `genscope serve
 * --store`), rules, states and events kept in db (the store's alertStateDb).
 */
export async function evaluateRulesThrough(
  store: TelemetryStore,
  db: Db,
  nowMs: number,
  options: EvaluateRulesOptions = {},
): Promise<EvaluateRulesResult> {
  const metrics = await prefetchMetricReader(store, rulesToEvaluate(db, options), nowMs);
  return evaluateRules(db, nowMs, { ...options, metrics });
}

interface StoredState {
  series_key: string;
  labels: string;
  state: 'pending' | 'firing';
  since_ms: number;
  firing_since_ms: number | null;
  clear_since_ms: number | null;
}

function noDataCondition(state: StoredState, nowMs: number): SeriesCondition {
  const details: AlertDetails = { value: null, reason: 'no data', windowStartMs: nowMs, windowEndMs: nowMs };
  return { key: state.series_key, labels: JSON.parse(state.labels) as SeriesCondition['labels'], met: false, value: null, details, message: 'no data' };
}

/**
 * Evaluates the enabled rules at nowMs (epoch ms; the caller's clock) and applies the state
 * machine, writing states and events in one transaction per rule. Deterministic for a given
 * database and nowMs: calling it twice at the same instant creates no second event.
 */
export function evaluateRules(db: Db, nowMs: number, options: EvaluateRulesOptions = {}): EvaluateRulesResult {
  const rules = rulesToEvaluate(db, options);
  const result: EvaluateRulesResult = { nowMs, rulesEvaluated: 0, series: 0, pending: 0, firing: 0, events: [], errors: [] };
  const nowNs = msToNs(nowMs);
  const loadStates = db.prepare<[number], StoredState>(
    `SELECT series_key, labels, state, since_ns / 1000000 AS since_ms, firing_since_ns / 1000000 AS firing_since_ms,
       clear_since_ns / 1000000 AS clear_since_ms
     FROM alert_states WHERE rule_id = ?`,
  );
  const upsertState = db.prepare(
    `INSERT INTO alert_states (rule_id, series_key, labels, state, since_ns, firing_since_ns, clear_since_ns, last_eval_ns, value,
       details, message)
     VALUES (@rule_id, @series_key, @labels, @state, @since_ns, @firing_since_ns, @clear_since_ns, @last_eval_ns, @value,
       @details, @message)
     ON CONFLICT (rule_id, series_key) DO UPDATE SET labels = excluded.labels, state = excluded.state,
       since_ns = excluded.since_ns, firing_since_ns = excluded.firing_since_ns, clear_since_ns = excluded.clear_since_ns,
       last_eval_ns = excluded.last_eval_ns,
       value = excluded.value, details = excluded.details, message = excluded.message`,
  );
  const deleteState = db.prepare('DELETE FROM alert_states WHERE rule_id = ? AND series_key = ?');
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO alert_events (rule_id, rule_name, severity, metric, series_key, labels, state, time_ns, episode_ns, value,
       details, message) VALUES (@rule_id, @rule_name, @severity, @metric, @series_key, @labels, @state, @time_ns, @episode_ns,
       @value, @details, @message)`,
  );

  for (const rule of rules) {
    const valid = AlertRuleInput.safeParse(ruleDefinition(rule));
    if (!valid.success) {
      result.errors.push({ ruleId: rule.id, ruleName: rule.name, message: `stored rule is invalid: ${formatZodIssues(valid.error.issues).join('; ')}` });
      continue;
    }
    let conditions: SeriesCondition[];
    try {
      conditions = evaluateCondition(options.metrics ?? db, rule, nowMs);
    } catch (err) {
      result.errors.push({ ruleId: rule.id, ruleName: rule.name, message: (err as Error).message });
      continue;
    }
    result.rulesEvaluated++;
    const apply = db.transaction(() => {
      const states = new Map(loadStates.all(rule.id).map((s) => [s.series_key, s]));
      const seen = new Set<string>();
      const all = [...conditions];
      for (const c of conditions) seen.add(c.key);
      // A series that was pending or firing but has no data now is judged "not holding".
      for (const s of states.values()) if (!seen.has(s.series_key)) all.push(noDataCondition(s, nowMs));
      for (const c of all) {
        result.series++;
        applyTransition(rule, c, states.get(c.key));
      }
    });
    apply();
  }
  return result;

  function recordEvent(rule: AlertRule, c: SeriesCondition, state: 'firing' | 'resolved', episodeMs: number): void {
    const info = insertEvent.run({
      rule_id: rule.id,
      rule_name: rule.name,
      severity: rule.severity,
      metric: rule.metric,
      series_key: c.key,
      labels: JSON.stringify(c.labels),
      state,
      time_ns: nowNs,
      episode_ns: msToNs(episodeMs),
      value: c.value,
      details: JSON.stringify(c.details),
      message: state === 'resolved' ? `resolved: ${c.message}` : c.message,
    });
    if (info.changes > 0) {
      const ev = getEvent(db, Number(info.lastInsertRowid));
      if (ev) result.events.push(ev);
    }
  }

  function applyTransition(rule: AlertRule, c: SeriesCondition, prev: StoredState | undefined): void {
    const base = {
      rule_id: rule.id,
      series_key: c.key,
      labels: JSON.stringify(c.labels),
      last_eval_ns: nowNs,
      value: c.value,
      details: JSON.stringify(c.details),
      message: c.message,
    };
    if (!c.met) {
      if (prev?.state === 'firing') {
        const clearSinceMs = prev.clear_since_ms ?? nowMs;
        if (nowMs - clearSinceMs < rule.keepFiringForMillis) {
          // Still firing until the condition has stayed false long enough (no flapping).
          upsertState.run({
            ...base,
            state: 'firing',
            since_ns: msToNs(prev.since_ms),
            firing_since_ns: msToNs(prev.firing_since_ms ?? prev.since_ms),
            clear_since_ns: msToNs(clearSinceMs),
          });
          result.firing++;
          return;
        }
        recordEvent(rule, c, 'resolved', prev.since_ms);
      }
      if (prev) deleteState.run(rule.id, c.key);
      return;
    }
    const sinceMs = prev ? prev.since_ms : nowMs;
    if (prev?.state === 'firing') {
      upsertState.run({
        ...base,
        state: 'firing',
        since_ns: msToNs(sinceMs),
        firing_since_ns: msToNs(prev.firing_since_ms ?? sinceMs),
        clear_since_ns: null,
      });
      result.firing++;
      return;
    }
    if (nowMs - sinceMs >= rule.forDurationMillis) {
      upsertState.run({ ...base, state: 'firing', since_ns: msToNs(sinceMs), firing_since_ns: nowNs, clear_since_ns: null });
      recordEvent(rule, c, 'firing', sinceMs);
      result.firing++;
    } else {
      upsertState.run({ ...base, state: 'pending', since_ns: msToNs(sinceMs), firing_since_ns: null, clear_since_ns: null });
      result.pending++;
    }
  }
}

export interface ReplayRulesOptions extends EvaluateRulesOptions {
  fromMs: number;
  toMs: number;
  /** Time between evaluations (default one hour). */
  stepMillis?: number;
}

export interface ReplayResult {
  evaluations: number;
  events: AlertEvent[];
  errors: RuleError[];
}

/**
 * Runs the state machine over past data, evaluating at fromMs, fromMs + step, ... toMs, so a
 * history recorded before the evaluator ran (a demo, an import) gets its alert events and the
 * dashboard can mark them. Replayed events are stored but never notified (the evaluator only
 * notifies events of its own ticks), and the states left at the end are cleared, so the live
 * loop starts from inactive rather than resolving replayed alerts by webhook.
 */
export function replayRules(db: Db, options: ReplayRulesOptions): ReplayResult {
  const step = Math.max(60_000, options.stepMillis ?? 3_600_000);
  const out: ReplayResult = { evaluations: 0, events: [], errors: [] };
  for (let t = options.fromMs; t <= options.toMs; t += step) {
    const r = evaluateRules(db, t, options);
    out.evaluations++;
    out.events.push(...r.events);
    for (const e of r.errors) if (!out.errors.some((x) => x.ruleId === e.ruleId)) out.errors.push(e);
  }
  const only = options.ruleIds;
  if (only) for (const id of only) db.prepare('DELETE FROM alert_states WHERE rule_id = ?').run(id);
  else db.prepare('DELETE FROM alert_states').run();
  return out;
}
