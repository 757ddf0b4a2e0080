/**
 * A dashboard panel: title, unit hint, its states (loading skeleton, empty with what to do,
 * error with retry) and its content. Panels whose content is HTML (tables, bar lists, KPI cards)
 * report 'drawn' to the readiness registry themselves; chart panels leave that to the chart,
 * which knows when the canvas has real points on it. Inside a `<Lazy>` (components/lazy.tsx) a
 * panel that has not been near the viewport yet shows as 'deferred' and counts as settled.
 */
import { useContext, useEffect, useLayoutEffect } from 'preact/hooks';
import { DashboardCtx } from '../context';
import type { ComponentChildren } from 'preact';
import { setViewStatus, unregisterView } from '../lib/ready';
import { useLazy } from './lazy';
import type { ApiError } from '../lib/api-client';

export type PanelState = 'loading' | 'ok' | 'empty' | 'error' | 'hidden';

export interface PanelMetaInfo {
  ignoredFilters?: readonly string[];
  simulated?: boolean;
  source?: 'rollup' | 'raw';
  exact?: boolean;
}

export interface PanelProps {
  id: string;
  title: string;
  /** What the panel shows and in which unit, one short line. */
  subtitle?: string;
  state: PanelState;
  error?: ApiError | null;
  onRetry?: () => void;
  meta?: PanelMetaInfo | null;
  /** A refetch is in flight (a small indicator; the old content stays). */
  fetching?: boolean;
  /** The content belongs to the previous filters: do not report readiness yet. */
  stale?: boolean;
  /** Grid columns the panel spans (of 12). */
  span?: 3 | 4 | 5 | 6 | 7 | 8 | 12;
  /** Content is HTML, not a chart: the panel reports 'drawn' itself when it shows data. */
  selfReady?: boolean;
  /** Custom empty message (default: widen the range or run the demo). */
  emptyText?: ComponentChildren;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}

/**
 * The default empty message. With filters set, the filters are the likely reason (a stage whose
 * spans carry no scores, a model that did not run): say which, rather than suggest the demo.
 */
export function EmptyText() {
  const ctx = useContext(DashboardCtx);
  const f = ctx?.filters;
  const active = f
    ? [
        f.stages.length ? `stage ${f.stages.join(', ')}` : null,
        f.componentTypes.length ? `type ${f.componentTypes.join(', ')}` : null,
        f.models.length ? `model ${f.models.join(', ')}` : null,
      ].filter((x): x is string => x !== null)
    : [];
  if (active.length > 0) {
    return <>Nothing here matches {active.join(' · ')} in this range — this panel's data may not be recorded for that filter; clear or change it.</>;
  }
  return (
    <>
      No data in this range — widen the time range or run <code>genscope demo</code>.
    </>
  );
}

const FILTER_LABELS: Record<string, string> = {
  componentType: 'component type',
  model: 'model',
  stage: 'stage',
  benchmarkRun: 'benchmark run',
};

export function Panel(props: PanelProps) {
  const { id, state } = props;

  const kind = props.selfReady ? 'html' : 'chart';
  const lazy = useLazy();
  const deferred = !lazy.near && state === 'loading';
  // A layout effect, like the fetch's (lib/use-api.ts): every panel is registered before the
  // readiness registry first judges, so 'charts drawn' cannot fire before the charts have asked.
  useLayoutEffect(() => {
    if (deferred) {
      setViewStatus(id, lazy.decided ? 'deferred' : 'pending', kind);
      return;
    }
    if (props.stale && state !== 'loading') return;
    if (state === 'loading') setViewStatus(id, 'pending', kind);
    else if (state === 'empty') setViewStatus(id, 'empty', kind);
    else if (state === 'error') setViewStatus(id, 'error', kind);
    else if (state === 'hidden') setViewStatus(id, 'hidden', kind);
    else if (props.selfReady) setViewStatus(id, 'drawn', kind);
  });
  useEffect(() => () => unregisterView(id), [id]);

  if (state === 'hidden') return null;
  const ignored = props.meta?.ignoredFilters ?? [];
  const headingId = `${id}-title`;
  return (
    <section
      ref={lazy.observe}
      class={`gs-panel span-${props.span ?? 6}`}
      aria-labelledby={headingId}
      data-panel={id}
      data-state={deferred ? 'deferred' : state}
      aria-busy={!deferred && (state === 'loading' || props.fetching) ? 'true' : 'false'}
    >
      <header class="gs-panel-head">
        <div class="gs-panel-titles">
          <h3 id={headingId}>{props.title}</h3>
          {props.subtitle ? <p class="gs-panel-sub">{props.subtitle}</p> : null}
        </div>
        <div class="gs-panel-tags">
          {props.meta?.simulated ? (
            <span class="gs-tag gs-tag-demo" title="This panel includes data from the demo generator or a simulated model">
              demo data
            </span>
          ) : null}
          {ignored.length ? (
            <span class="gs-tag" title={`This panel cannot be filtered by ${ignored.map((f) => FILTER_LABELS[f] ?? f).join(', ')}; it shows all of them.`}>
              ignores {ignored.map((f) => FILTER_LABELS[f] ?? f).join(', ')}
            </span>
          ) : null}
          {props.meta?.exact === false ? (
            <span class="gs-tag" title="Percentiles from mergeable latency histograms (about ±9 % relative error)">
              ≈ histogram
            </span>
          ) : null}
          {props.fetching && state !== 'loading' ? <span class="gs-spinner" aria-label="updating" /> : null}
          {props.actions}
        </div>
      </header>
      <div class="gs-panel-body">
        {deferred ? (
          <div class="gs-skeleton gs-deferred" aria-label="Loads when scrolled into view" />
        ) : state === 'loading' ? (
          <div class="gs-skeleton" aria-label="Loading" />
        ) : state === 'empty' ? (
          <div class="gs-state gs-empty" role="status">
            {props.emptyText ?? <EmptyText />}
          </div>
        ) : state === 'error' ? (
          <div class="gs-state gs-error" role="alert">
            <p>
              <strong>Could not load this panel.</strong> {props.error?.message ?? 'Unknown error.'}
            </p>
            {props.onRetry ? (
              <button type="button" class="gs-btn" onClick={props.onRetry}>
                Retry
              </button>
            ) : null}
          </div>
        ) : (
          props.children
        )}
      </div>
    </section>
  );
}
