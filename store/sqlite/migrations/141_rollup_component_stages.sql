-- A component's model spend per UTC day, stage and operation (cost per component split by stage:
-- embedding, generation, validation). Kept by the writer like every rollup (store/layout.ts); the
-- code step of this migration fills it from the model calls the file still holds.
CREATE TABLE rollup_component_stages (
  bucket_ns INTEGER NOT NULL,
  component_id TEXT NOT NULL,
  component_type TEXT NOT NULL,
  stage TEXT NOT NULL,
  operation TEXT NOT NULL,
  model TEXT NOT NULL,
  calls INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (bucket_ns, component_id, component_type, stage, operation, model)
) WITHOUT ROWID;
