/**
 * GenAI conventions: which family a span speaks (one mapping module each) and, across a batch,
 * which model-call spans only wrap another model call (their usage would count twice). One
 * implementation for both stores: OTLP ingest (api/ingest) applies it to each request before the
 * SQLite writer, the ClickHouse extractor to each page it reads from otel_traces.
 */
import type { GenAiSpan, SpanRecord } from '../../schema/records';
import { fromLangfuse } from './langfuse';
import { fromOpenInference } from './openinference';
import { fromOpenLlmetry, isOpenLlmetry } from './openllmetry';
import { fromOtelGenAi } from './otel-genai';
import type { ConventionSpan } from './read';
import { fromVercelAi } from './vercel-ai';
import { normalizeAttributes } from './normalize';

export { modelFamily, normalizeProvider } from './read';
export type { ConventionSpan } from './read';
export { normalizeAttributes } from './normalize';

/**
 * The GenAI meaning of one span, or null for an ordinary span. The most specific vocabulary wins:
 * Vercel and Langfuse spans also carry a few gen_ai.* names, OpenLLMetry adds its own to them.
 */
export function recognizeGenAi(span: ConventionSpan): GenAiSpan | null {
  return (
    fromLangfuse(span) ??
    fromVercelAi(span) ??
    fromOpenInference(span) ??
    (isOpenLlmetry(span) ? fromOpenLlmetry(span) : null) ??
    fromOtelGenAi(span)
  );
}

/**
 * A model-call span with another model-call span beneath it in the same batch (a Langfuse
 * generation around an instrumented client call, a hand-written span around an SDK's) is a
 * wrapper: it becomes a workflow span so the call is counted once, from the innermost span.
 * Spans exported in separate batches cannot be compared here (see pipeline/README.md).
 */
export function demoteWrappers(spans: SpanRecord[]): void {
  // Most batches hold no model call under another span: nothing to index.
  if (!spans.some((s) => s.genAi?.role === 'model' && s.parentSpanId)) return;
  const byId = new Map<string, SpanRecord>();
  for (const s of spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  const wrappers = new Set<SpanRecord>();
  for (const s of spans) {
    if (s.genAi?.role !== 'model') continue;
    let parent = s.parentSpanId ? byId.get(`${s.traceId}/${s.parentSpanId}`) : undefined;
    for (let depth = 0; parent && depth < 64; depth++) {
      if (parent.genAi?.role === 'model') wrappers.add(parent);
      parent = parent.parentSpanId ? byId.get(`${parent.traceId}/${parent.parentSpanId}`) : undefined;
    }
  }
  for (const w of wrappers) w.genAi = { role: 'workflow' };
}

/**
 * What every span from another sender goes through before it is stored, on either store: the
 * current GenAI names added next to foreign ones (normalizeAttributes), the convention's meaning
 * recorded (record.genAi), and wrappers of another model call in the same batch demoted.
 */
export function applyGenAiConventions(spans: SpanRecord[]): void {
  for (const s of spans) {
    s.attributes = normalizeAttributes(s.attributes);
    const genAi = recognizeGenAi(s);
    if (genAi) s.genAi = genAi;
  }
  demoteWrappers(spans);
}
