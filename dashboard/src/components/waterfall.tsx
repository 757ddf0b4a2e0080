/**
 * A run's span waterfall: one row per span (depth-first, indented by depth), a bar placed at its
 * offset from the run start and as long as its duration, coloured by stage (red when it failed);
 * agent, tool and workflow spans (GenAI conventions) are tagged with their role.
 * Selecting a span (click, or Enter on the focused row) shows its attributes, events, quality
 * scores, model calls with tokens and cost, and the log records (OTLP logs) emitted in it.
 */
import { useMemo, useState } from 'preact/hooks';
import type { RunDetailResponse, SpanNode } from '../../../schema/api';
import { colorFor } from '../lib/colors';
import { formatAttributeValue, formatCount, formatDateTime, formatDurationMs, formatScore, formatUsd } from '../lib/format';
import { waterfallTicks } from '../lib/waterfall';

export interface WaterfallProps {
  detail: RunDetailResponse;
}

/** Roles a GenAI convention gives spans that are not model calls (agent runs, tool calls, wrappers). */
const CONVENTION_ROLES: ReadonlySet<string> = new Set(['agent', 'tool', 'workflow']);

function spanColor(s: SpanNode): string {
  if (s.status === 'error') return '#ef4444';
  if (s.stage) return colorFor('stage', s.stage);
  if (s.role === 'model') return '#f59e0b';
  if (s.role === 'agent') return '#8b5cf6';
  if (s.role === 'tool') return '#06b6d4';
  return '#64748b';
}

/** An event's or log record's attributes on one line, `key=value` apart; nothing when empty. */
function AttributeLine({ attributes }: { attributes: Record<string, unknown> }) {
  const entries = Object.entries(attributes);
  if (!entries.length) return null;
  return <div class="gs-muted gs-mono">{entries.map(([k, v]) => `${k}=${formatAttributeValue(v)}`).join('  ')}</div>;
}

export function Waterfall({ detail }: WaterfallProps) {
  const spans = detail.spans;
  const root = spans[0];
  const totalMs = useMemo(() => Math.max(detail.run.durationMs, ...spans.map((s) => s.offsetMs + s.durationMs), 0.001), [detail]);
  const [selected, setSelected] = useState<string | null>(root?.spanId ?? null);
  const ticks = waterfallTicks(totalMs);
  const sel = spans.find((s) => s.spanId === selected) ?? null;
  const selScores = detail.scores.filter((s) => s.spanId === selected);
  const selCalls = detail.modelCalls.filter((c) => c.spanId === selected);
  // Records with trace context only belong to the run as a whole: shown with the root.
  const selLogs = detail.logs.filter((l) => l.spanId === selected || (l.spanId === null && selected === root?.spanId));
  const runCost = detail.run.costUsd ?? detail.modelCalls.reduce((a, c) => a + (c.costUsd ?? 0), 0);

  return (
    <div class="gs-waterfall">
      <div class="gs-wf-summary">
        <span>
          <strong>{detail.run.componentId ?? detail.run.name}</strong>
        </span>
        <span>type: {detail.run.componentType ?? '–'}</span>
        <span>model: {detail.run.model ?? '–'}</span>
        <span>started {formatDateTime(detail.run.startMs)}</span>
        <span>duration {formatDurationMs(detail.run.durationMs)}</span>
        <span>cost {formatUsd(runCost)}</span>
        <span class={`gs-status gs-status-${detail.run.status}`}>{detail.run.status}</span>
        {detail.scores.length ? (
          <span>
            scores:{' '}
            {detail.scores.map((s) => (
              <span key={s.spanId + s.name} class="gs-score-chip" title={s.explanation ?? undefined}>
                {s.name} {s.value != null ? formatScore(s.value) : (s.label ?? '–')}
              </span>
            ))}
          </span>
        ) : null}
      </div>
      <div class="gs-wf-grid">
        <div class="gs-wf-rows" role="group" aria-label="Spans of this run">
          <div class="gs-wf-axis" aria-hidden="true">
            <span class="gs-wf-name-col">span</span>
            <span class="gs-wf-track">
              {ticks.map((t) => (
                <span key={t} class="gs-wf-tick" style={{ left: `${(t / totalMs) * 100}%` }}>
                  {formatDurationMs(t)}
                </span>
              ))}
            </span>
          </div>
          {spans.map((s) => {
            const left = (s.offsetMs / totalMs) * 100;
            const width = Math.max(0.3, (s.durationMs / totalMs) * 100);
            const isSel = s.spanId === selected;
            return (
              <button
                type="button"
                key={s.spanId}
                data-span-name={s.name}
                class={`gs-wf-row ${isSel ? 'gs-row-selected' : ''}`}
                aria-pressed={isSel}
                aria-label={`${s.name}, ${formatDurationMs(s.durationMs)} starting at +${formatDurationMs(s.offsetMs)}${s.status === 'error' ? ', failed' : ''}`}
                onClick={() => setSelected(s.spanId)}
              >
                <span class="gs-wf-name-col" style={{ paddingLeft: `${s.depth * 14 + 4}px` }}>
                  <span class="gs-swatch" style={{ background: spanColor(s) }} />
                  {s.name}
                  {s.cacheHit === true ? <span class="gs-tag">cache hit</span> : null}
                  {CONVENTION_ROLES.has(s.role) ? <span class="gs-tag" data-role={s.role}>{s.role}</span> : null}
                </span>
                <span class="gs-wf-track">
                  <span class="gs-wf-bar" style={{ left: `${left}%`, width: `${width}%`, background: spanColor(s) }} />
                  {left + width > 85 && width > 10 ? (
                    // A long bar reaching the right edge carries its duration inside, right-aligned.
                    <span class="gs-wf-dur gs-wf-dur-inside" style={{ right: `${Math.max(0, 100 - left - width)}%` }}>
                      {formatDurationMs(s.durationMs)}
                    </span>
                  ) : left + width > 85 ? (
                    // A short bar at the right edge: the duration goes to its left.
                    <span class="gs-wf-dur gs-wf-dur-before" style={{ right: `${100 - left}%` }}>
                      {formatDurationMs(s.durationMs)}
                    </span>
                  ) : (
                    <span class="gs-wf-dur" style={{ left: `${left + width}%` }}>
                      {formatDurationMs(s.durationMs)}
                    </span>
                  )}
                </span>
              </button>
            );
          })}
        </div>
        {sel ? (
          <aside class="gs-wf-detail" aria-label={`Details of span ${sel.name}`}>
            <h4>{sel.name}</h4>
            <dl class="gs-kv">
              <dt>duration</dt>
              <dd>{formatDurationMs(sel.durationMs)}</dd>
              <dt>offset</dt>
              <dd>+{formatDurationMs(sel.offsetMs)}</dd>
              <dt>status</dt>
              <dd>
                {sel.status}
                {sel.statusMessage ? ` — ${sel.statusMessage}` : ''}
              </dd>
              {sel.stage ? (
                <>
                  <dt>stage</dt>
                  <dd>{sel.stage}</dd>
                </>
              ) : null}
              {sel.model ? (
                <>
                  <dt>model</dt>
                  <dd>{sel.model}</dd>
                </>
              ) : null}
              {sel.costUsd != null ? (
                <>
                  <dt>cost</dt>
                  <dd>{formatUsd(sel.costUsd)}</dd>
                </>
              ) : null}
            </dl>
            {selCalls.length ? (
              <>
                <h5>Model calls</h5>
                <ul class="gs-plain">
                  {selCalls.map((c, i) => (
                    <li key={i}>
                      {c.operation ?? 'call'} {c.responseModel ?? c.requestModel ?? ''} · {formatCount(c.inputTokens)} in / {formatCount(c.outputTokens)} out
                      {c.cachedTokens ? ` (${formatCount(c.cachedTokens)} cached)` : ''} · {formatUsd(c.costUsd)} · {formatDurationMs(c.durationMs)}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {selScores.length ? (
              <>
                <h5>Scores</h5>
                <ul class="gs-plain">
                  {selScores.map((s) => (
                    <li key={s.name}>
                      {s.name}: <strong>{s.value != null ? formatScore(s.value) : '–'}</strong>
                      {s.label ? ` (${s.label})` : ''}
                      {s.explanation ? <div class="gs-muted">{s.explanation}</div> : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {selLogs.length ? (
              <>
                <h5>Log records</h5>
                <ul class="gs-plain" aria-label="Log records of this span">
                  {selLogs.map((l, i) => (
                    <li key={i}>
                      <strong>{l.eventName ?? l.severityText ?? 'log'}</strong>{' '}
                      <span class="gs-muted">+{formatDurationMs(l.timeMs - (root?.startMs ?? l.timeMs))}</span>
                      {l.body !== null ? <div class="gs-mono gs-log-body">{formatAttributeValue(l.body)}</div> : null}
                      <AttributeLine attributes={l.attributes} />
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <h5>Attributes</h5>
            <table class="gs-attrs">
              <tbody>
                {Object.keys(sel.attributes)
                  .sort()
                  .map((k) => (
                    <tr key={k}>
                      <th scope="row">{k}</th>
                      <td>{formatAttributeValue(sel.attributes[k])}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            {sel.events.length ? (
              <>
                <h5>Events</h5>
                <ul class="gs-plain">
                  {sel.events.map((e, i) => (
                    <li key={i}>
                      <strong>{e.name}</strong> <span class="gs-muted">+{formatDurationMs(e.timeMs - (root?.startMs ?? e.timeMs))}</span>
                      <AttributeLine attributes={e.attributes} />
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </aside>
        ) : null}
      </div>
    </div>
  );
}
