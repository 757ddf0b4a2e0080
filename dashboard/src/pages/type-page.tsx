/**
 * The page of one component type (#/type/card): the dashboard's own panels with the component
 * type fixed to it (accuracy, its row of the confusion matrix, similarity and code-quality
 * scores, cost, latency) and its worst runs. The same panels and the same API answers as the
 * dashboard under a type filter, so the numbers agree with it by construction.
 */
import { DashboardCtx, useDashboard } from '../context';
import type { DashboardContext } from '../context';
import { AccuracyPanel, CodeQualityPanel, ConfusionPanel, SimilarityPanel } from '../panels/quality';
import { LatencyPanel } from '../panels/performance';
import { CostByModelPanel, CostOverTimePanel } from '../panels/cost';
import { RunDetailPanel, RunsPanel } from '../panels/runs';
import { runsFilterFrom } from '../lib/route';
import { colorFor } from '../lib/colors';
import { PageHead } from '../components/page-head';

/** Runs in the worst-runs table. */
const WORST_RUNS = 10;

export function TypePage({ type }: { type: string }) {
  const ctx = useDashboard();
  const filters = { ...ctx.filters, componentTypes: [type] };
  const inner: DashboardContext = {
    ...ctx,
    filters,
    runsHref: (extra) => ctx.runsHref({ componentTypes: [type], ...extra }),
  };
  return (
    <DashboardCtx.Provider value={inner}>
      <section class="gs-section gs-page" aria-labelledby="type-page-h" data-page="type" data-type={type}>
        <PageHead
          id="type-page-h"
          title={
            <>
              <span class="gs-swatch" style={{ background: colorFor('type', type) }} />
              Component type: {type}
            </>
          }
        >
          <a class="gs-btn" href={inner.runsHref()}>
            All {type} runs →
          </a>
        </PageHead>
        <p class="gs-muted gs-page-note">The dashboard's filters apply (time range, models, stages); the component type is fixed to {type}.</p>
        <div class="gs-grid">
          <AccuracyPanel />
          <ConfusionPanel />
          <SimilarityPanel />
          <CodeQualityPanel />
          <LatencyPanel />
          <CostOverTimePanel />
          <CostByModelPanel />
          <RunsPanel
            id="type-worst-runs"
            filter={runsFilterFrom(filters, { sort: 'worst', score: 'visual.pixel_similarity' })}
            limit={WORST_RUNS}
            title={`Worst ${type} runs`}
            subtitle={`the ${WORST_RUNS} runs with the lowest pixel similarity in the window; select one for its waterfall`}
            actions={
              <a class="gs-btn" href={inner.runsHref({ status: 'error' })}>
                Failed {type} runs →
              </a>
            }
          />
          <RunDetailPanel />
        </div>
      </section>
    </DashboardCtx.Provider>
  );
}
