-- Settings a person changes while the server runs (today: the monthly budget), kept in the file so
-- they survive restarts. One row per key; `source` says who set it last: 'api' (the dashboard or
-- PUT /api/v1/budget), 'config' (--budget-usd or GENSCOPE_MONTHLY_BUDGET_USD at start) or 'demo'
-- (the demo's labelled budget).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('api', 'config', 'demo')),
  updated_at_ms INTEGER NOT NULL
);
