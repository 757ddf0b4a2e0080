-- Alerts: rules, the live state of each alert series, the events (state transitions) with the
-- values that caused them, and webhook deliveries (an outbox, so a notification survives a
-- restart and is sent once per target). Times are ns since the epoch, as everywhere.

CREATE TABLE alert_rules (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- The validated rule (schema/alerts.ts AlertRuleInput output) as JSON.
  definition TEXT NOT NULL,
  -- 'api', 'config' (seeded from a file) or 'default' (built-in rules)
  source TEXT NOT NULL DEFAULT 'api',
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL
);

-- One row per alert series that is pending or firing; absent means inactive.
CREATE TABLE alert_states (
  rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
  series_key TEXT NOT NULL,
  labels TEXT NOT NULL,
  -- 'pending' or 'firing'
  state TEXT NOT NULL,
  -- When the condition started holding: the episode start.
  since_ns INTEGER NOT NULL,
  firing_since_ns INTEGER,
  -- While firing: when the condition stopped holding (keepFiringForMillis counts from here).
  clear_since_ns INTEGER,
  last_eval_ns INTEGER NOT NULL,
  value REAL,
  details TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (rule_id, series_key)
) WITHOUT ROWID;

CREATE TABLE alert_events (
  id INTEGER PRIMARY KEY,
  -- NULL once the rule is deleted; the event keeps the rule's name.
  rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
  rule_name TEXT NOT NULL,
  severity TEXT NOT NULL,
  metric TEXT NOT NULL,
  series_key TEXT NOT NULL,
  labels TEXT NOT NULL,
  -- 'firing' or 'resolved'
  state TEXT NOT NULL,
  time_ns INTEGER NOT NULL,
  episode_ns INTEGER NOT NULL,
  value REAL,
  details TEXT NOT NULL,
  message TEXT NOT NULL,
  -- One firing and one resolve per episode of a series: the de-duplication key.
  UNIQUE (rule_id, series_key, episode_ns, state)
);
CREATE INDEX alert_events_time ON alert_events(time_ns);

CREATE TABLE alert_deliveries (
  event_id INTEGER NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
  -- Webhook target name.
  notifier TEXT NOT NULL,
  -- 'pending', 'sent' or 'failed' (gave up after the last attempt)
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ns INTEGER NOT NULL,
  last_error TEXT,
  updated_ns INTEGER NOT NULL,
  PRIMARY KEY (event_id, notifier)
) WITHOUT ROWID;
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_ns);

-- Small key/value facts about alerting (e.g. that the default rules were seeded once, so a
-- default rule a user deleted does not come back on the next start).
CREATE TABLE alert_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
