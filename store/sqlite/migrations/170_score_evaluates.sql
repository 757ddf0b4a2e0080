-- What a score judges, as columns instead of a JSON remainder repeated by every score of a call:
-- the judged span's id (genscope.evaluation.span_id, 8 bytes) and its response id
-- (gen_ai.response.id, a shared string). Rows written before keep those keys in `attributes`
-- (their promoted mask has no bit for them), so every row still reads back exactly as received.
ALTER TABLE scores ADD COLUMN evaluated_span_id BLOB;
ALTER TABLE scores ADD COLUMN response_id_ref INTEGER;
