/**
 * The model-calls panel: every GenAI call (genscope's own or any instrumentation's), one row per
 * model identity, provider and operation, with latency percentiles, error rate, each token kind,
 * time to first token and cost. Unpriced calls are counted and marked (never shown as $0), and
 * where senders sent their own cost the difference to the price book is shown.
 */
import type { ModelCallGroup, ModelCallsResponse } from '../../../schema/api';
import { Panel } from '../components/panel';
import { timeParams } from '../lib/api-params';
import type { Params } from '../lib/api-params';
import type * as Api from '../../../schema/api';
import { formatCount, formatDurationMs, formatRatioAsPercent, formatUsd } from '../lib/format';
import { useDashboard } from '../context';
import { panelStatus, usePanelData } from './use-panel-data';

function CostCell({ g }: { g: ModelCallGroup }) {
  return (
    <td data-col="cost">
      {g.costUsd !== null ? formatUsd(g.costUsd) : null}
      {g.unpricedCalls > 0 ? (
        <span class="gs-tag" data-unpriced={g.unpricedCalls} title="No price for these calls: add a price override">
          {formatCount(g.unpricedCalls)} unpriced
        </span>
      ) : null}
      {g.senderDiffUsd !== null ? (
        <div class="gs-muted" data-sender-diff={g.senderDiffUsd} title="The sender's own cost minus the price book's cost of the same calls">
          sender {formatUsd(g.senderCostUsd)} ({g.senderDiffUsd >= 0 ? '+' : '−'}
          {formatUsd(Math.abs(g.senderDiffUsd))} vs prices)
        </div>
      ) : null}
    </td>
  );
}

export function ModelCallsPanel() {
  const { filters } = useDashboard();
  const id = 'performance-models';
  const params: Params<typeof Api.ModelCallsQuery> = { ...timeParams(filters), ...(filters.models.length ? { model: filters.models } : {}) };
  const r = usePanelData<ModelCallsResponse>(id, '/performance/models', params);
  const d = r.data;
  return (
    <Panel
      id={id}
      title="Model calls"
      subtitle="by model, provider and operation · latency, errors, tokens, cost (any instrumentation)"
      {...panelStatus(r, (x) => x.groups.length > 0)}
      span={12}
      selfReady
      emptyText="No model calls in this range. GenAI spans from genscope or any instrumentation (OTel GenAI, OpenInference, OpenLLMetry, Vercel AI SDK, Langfuse) show here."
    >
      {d && d.unpricedHint ? (
        <div class="gs-muted" role="note" data-unpriced-total={d.unpricedCalls}>
          {formatCount(d.unpricedCalls)} unpriced call{d.unpricedCalls === 1 ? '' : 's'}: {d.unpricedHint}
        </div>
      ) : null}
      {d ? (
        <div class="gs-table-wrap">
          <table class="gs-table" aria-label="Model calls by model, provider and operation">
            <thead>
              <tr>
                <th>model</th>
                <th>provider</th>
                <th>operation</th>
                <th>calls</th>
                <th>errors</th>
                <th>p50</th>
                <th>p95</th>
                <th>p99</th>
                <th>first token p50</th>
                <th>input</th>
                <th>output</th>
                <th>cache read</th>
                <th>cache write</th>
                <th>reasoning</th>
                <th>cost</th>
              </tr>
            </thead>
            <tbody>
              {d.groups.map((g) => (
                <tr key={`${g.model}|${g.provider}|${g.operation}`} data-model={g.model ?? ''}>
                  <td title={g.responseModels.length ? `response models: ${g.responseModels.join(', ')}` : undefined}>{g.model ?? '–'}</td>
                  <td>{g.provider ?? '–'}</td>
                  <td>{g.operation ?? '–'}</td>
                  <td data-col="calls">{formatCount(g.calls)}</td>
                  <td data-col="errors">
                    {formatCount(g.errors)} ({formatRatioAsPercent(g.errorRate)})
                  </td>
                  <td>{formatDurationMs(g.p50Ms)}</td>
                  <td>{formatDurationMs(g.p95Ms)}</td>
                  <td>{formatDurationMs(g.p99Ms)}</td>
                  <td>{g.ttftP50Ms !== null ? formatDurationMs(g.ttftP50Ms) : '–'}</td>
                  <td>{formatCount(g.inputTokens)}</td>
                  <td>{formatCount(g.outputTokens)}</td>
                  <td>{formatCount(g.cacheReadTokens)}</td>
                  <td>{formatCount(g.cacheWriteTokens)}</td>
                  <td>{formatCount(g.reasoningTokens)}</td>
                  <CostCell g={g} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Panel>
  );
}
