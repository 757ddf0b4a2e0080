/**
 * The compare page (#/compare): two sides, each a model, a benchmark run or a time range, side
 * by side with the verdicts of /api/v1/compare (the gate's statistics): every KPI and score, per
 * component type, and the components that got better or worse, each with links to its runs.
 * The pickers write the API's parameters into the hash, so a comparison is a link.
 */
import { useDashboard } from '../context';
import { Panel } from '../components/panel';
import { useApi } from '../lib/use-api';
import { API_BASE } from '../lib/api-params';
import { emptyRunsFilter, serializeRoute } from '../lib/route';
import { formatChange, formatDurationMs, formatRatioAsPercent, formatScore, formatUsd, fromDateTimeLocal, toDateTimeLocal } from '../lib/format';
import type { CompareGroup, CompareMetric, CompareResponse } from '../../../schema/api';
import { PageHead } from '../components/page-head';

type Side = 'a' | 'b';
type Kind = 'model' | 'benchmarkRun' | 'range';
const RANGES = ['24h', '7d', '30d', '90d'] as const;

function sideKind(p: Map<string, string>, s: Side): Kind {
  if (p.has(`${s}.benchmarkRun`)) return 'benchmarkRun';
  if (p.has(`${s}.model`)) return 'model';
  return 'range';
}

function sideComplete(p: Map<string, string>, s: Side): boolean {
  return p.has(`${s}.model`) || p.has(`${s}.benchmarkRun`) || p.has(`${s}.range`) || p.has(`${s}.from`);
}

function formatMetric(unit: CompareMetric['unit'], v: number | null): string {
  if (v === null) return '–';
  if (unit === 'rate') return formatRatioAsPercent(v);
  if (unit === 'ms') return formatDurationMs(v);
  if (unit === 'usd') return formatUsd(v);
  return formatScore(v);
}

/** b - a with a sign (a real minus), in the metric's unit; rates in percentage points. */
function formatDifference(m: CompareMetric): string {
  if (m.difference === null) return '–';
  const sign = m.difference > 0 ? '+' : m.difference < 0 ? '−' : '±';
  const abs = Math.abs(m.difference);
  return m.unit === 'rate' ? `${sign}${(abs * 100).toFixed(1)} pp` : `${sign}${formatMetric(m.unit, abs)}`;
}

const BADGE: Record<CompareMetric['verdict'], string> = {
  better: 'better',
  worse: 'worse',
  'no significant change': 'no significant change',
  'insufficient data': 'too few samples',
};

function Verdict({ m }: { m: CompareMetric }) {
  return (
    <span class={`gs-verdict gs-verdict-${m.verdict.replace(/ /g, '-')}`} data-verdict={m.verdict} title={m.pValue === null ? 'not tested' : `p = ${m.pValue.toPrecision(3)}${m.test ? ` (${m.test})` : ''}`}>
      {BADGE[m.verdict]}
    </span>
  );
}

function MetricTable({ metrics, caption }: { metrics: readonly CompareMetric[]; caption: string }) {
  return (
    <div class="gs-table-wrap">
      <table class="gs-table" data-compare-metrics>
        <caption class="gs-sr-only">{caption}</caption>
        <thead>
          <tr>
            <th>metric</th>
            <th class="num">A</th>
            <th class="num">B</th>
            <th class="num">difference</th>
            <th class="num">change</th>
            <th class="num">p-value</th>
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.metric} data-metric={m.metric}>
              <td>{m.label}</td>
              <td class="num">{formatMetric(m.unit, m.a)}</td>
              <td class="num">{formatMetric(m.unit, m.b)}</td>
              <td class="num">{formatDifference(m)}</td>
              <td class="num">{m.changePercent === null ? '–' : formatChange(m.changePercent / 100)}</td>
              <td class="num">{m.pValue === null ? '–' : m.pValue < 0.0001 ? '<0.0001' : m.pValue.toFixed(4)}</td>
              <td>
                <Verdict m={m} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The changed metrics of a group as badges. */
function Changes({ g }: { g: CompareGroup }) {
  const changed = g.metrics.filter((m) => m.verdict === 'better' || m.verdict === 'worse');
  if (changed.length === 0) return <span class="gs-muted">no significant change</span>;
  return (
    <>
      {changed.map((m) => (
        <span key={m.metric} class="gs-compare-change">
          {m.label} <Verdict m={m} />
        </span>
      ))}
    </>
  );
}

export function ComparePage({ params }: { params: [string, string][] }) {
  const ctx = useDashboard();
  const p = new Map(params);
  const set = (changes: Record<string, string | null>) => {
    const next = new Map(p);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    ctx.navigate({ page: 'compare', params: [...next] });
  };
  const ready = sideComplete(p, 'a') && sideComplete(p, 'b');
  const query = Object.fromEntries(params);
  const state = useApi<CompareResponse>(ctx.client, `${API_BASE}/compare`, query, { readyId: 'compare', tick: ctx.tick, enabled: ready });
  const data = ready ? state.data : null;
  const models = ctx.options?.models ?? [];
  const runs = ctx.options?.benchmarkRuns ?? [];

  const picker = (s: Side) => {
    const kind = sideKind(p, s);
    const clear = { [`${s}.model`]: null, [`${s}.benchmarkRun`]: null, [`${s}.range`]: null, [`${s}.from`]: null, [`${s}.to`]: null };
    return (
      <fieldset class="gs-compare-side" data-side={s}>
        <legend>Side {s.toUpperCase()}</legend>
        <label>
          Compare by{' '}
          <select
            data-pick="kind"
            value={kind}
            onChange={(e) => {
              const k = (e.currentTarget as HTMLSelectElement).value as Kind;
              if (k === 'model') set({ ...clear, [`${s}.model`]: models[0] ?? null, [`${s}.range`]: '30d' });
              else if (k === 'benchmarkRun') set({ ...clear, [`${s}.benchmarkRun`]: runs[runs.length - 1]?.id ?? null });
              else set({ ...clear, [`${s}.range`]: '7d' });
            }}
          >
            <option value="model">model</option>
            <option value="benchmarkRun">benchmark run</option>
            <option value="range">time range</option>
          </select>
        </label>
        {kind === 'model' ? (
          <label>
            Model{' '}
            <select data-pick="model" value={p.get(`${s}.model`) ?? ''} onChange={(e) => set({ [`${s}.model`]: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">choose…</option>
              {models.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {kind === 'benchmarkRun' ? (
          <label>
            Benchmark run{' '}
            <select data-pick="benchmarkRun" value={p.get(`${s}.benchmarkRun`) ?? ''} onChange={(e) => set({ [`${s}.benchmarkRun`]: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">choose…</option>
              {[...runs].reverse().map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id}
                  {r.model ? ` (${r.model})` : ''}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {kind !== 'benchmarkRun' ? (
          <>
            <label>
              Last{' '}
              <select
                data-pick="range"
                value={p.has(`${s}.from`) ? 'custom' : (p.get(`${s}.range`) ?? '30d')}
                onChange={(e) => {
                  const v = (e.currentTarget as HTMLSelectElement).value;
                  if (v === 'custom') set({ [`${s}.range`]: null, [`${s}.from`]: String(ctx.filters.range.kind === 'custom' ? ctx.filters.range.fromMs : Date.now() - 7 * 86_400_000), [`${s}.to`]: String(Date.now()) });
                  else set({ [`${s}.range`]: v, [`${s}.from`]: null, [`${s}.to`]: null });
                }}
              >
                {RANGES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
                <option value="custom">from … to …</option>
              </select>
            </label>
            {p.has(`${s}.from`) ? (
              <>
                <label>
                  From{' '}
                  <input
                    type="datetime-local"
                    data-pick="from"
                    value={toDateTimeLocal(Number(p.get(`${s}.from`)))}
                    onChange={(e) => {
                      const v = fromDateTimeLocal((e.currentTarget as HTMLInputElement).value);
                      if (v !== null) set({ [`${s}.from`]: String(v) });
                    }}
                  />
                </label>
                <label>
                  To{' '}
                  <input
                    type="datetime-local"
                    data-pick="to"
                    value={toDateTimeLocal(Number(p.get(`${s}.to`) ?? Date.now()))}
                    onChange={(e) => {
                      const v = fromDateTimeLocal((e.currentTarget as HTMLInputElement).value);
                      if (v !== null) set({ [`${s}.to`]: String(v) });
                    }}
                  />
                </label>
              </>
            ) : null}
          </>
        ) : null}
      </fieldset>
    );
  };

  /** The runs of one side, narrowed to a component (a drill-down to the runs explorer). */
  const runsOf = (r: CompareResponse, s: Side, search: string, type?: string) => {
    const side = r[s];
    const now = Date.now();
    const range = side.fromMs !== null && side.toMs !== null ? { kind: 'custom' as const, fromMs: side.fromMs, toMs: side.toMs } : { kind: 'custom' as const, fromMs: now - 400 * 86_400_000 + 1, toMs: now };
    return serializeRoute({
      page: 'runs',
      runs: { ...emptyRunsFilter(range), models: side.model ? [side.model] : [], benchmarkRun: side.benchmarkRun, search, componentTypes: type ? [type] : [] },
    });
  };

  const k = data ? [data.a.kpis, data.b.kpis] : null;
  return (
    <section class="gs-section gs-page" aria-labelledby="compare-page-h" data-page="compare">
      <PageHead id="compare-page-h" title="Compare" />
      <p class="gs-muted gs-page-note">
        Two models, benchmark runs or time ranges, B against A, judged with the statistics of <code>genscope gate</code> (significance after a Holm adjustment at alpha{' '}
        {data?.meta.alpha ?? 0.01}, and a change of at least {data?.meta.minChangePercent ?? 5}%).
      </p>
      <form class="gs-compare-pickers" onSubmit={(e) => e.preventDefault()}>
        {picker('a')}
        {picker('b')}
      </form>
      {!ready ? (
        <p class="gs-muted" data-compare-hint>
          Choose both sides to compare.
        </p>
      ) : (
        <div class="gs-grid">
          <Panel
            id="compare"
            title={data ? `A: ${data.a.label} · B: ${data.b.label}` : 'Comparison'}
            subtitle={data ? `${data.a.kpis.runs} runs against ${data.b.kpis.runs}${data.meta.capped ? ` (capped at the newest ${data.meta.maxRunsPerSide} runs a side)` : ''}` : undefined}
            state={state.status === 'error' ? 'error' : !data ? 'loading' : data.a.kpis.runs + data.b.kpis.runs === 0 ? 'empty' : 'ok'}
            error={state.error}
            onRetry={state.retry}
            fetching={state.fetching}
            stale={state.stale}
            span={12}
            selfReady
            emptyText="Neither side has runs: choose another model, benchmark run or range."
          >
            {data && k ? (
              <>
                <div class="gs-table-wrap">
                  <table class="gs-table" data-compare-kpis>
                    <caption class="gs-sr-only">KPIs of each side</caption>
                    <thead>
                      <tr>
                        <th>side</th>
                        <th class="num">runs</th>
                        <th class="num">success</th>
                        <th class="num">accuracy</th>
                        <th class="num">p50</th>
                        <th class="num">p95</th>
                        <th class="num">cost / run</th>
                        <th class="num">total cost</th>
                      </tr>
                    </thead>
                    <tbody>
                      {k.map((x, i) => (
                        <tr key={i}>
                          <td>{i === 0 ? `A: ${data.a.label}` : `B: ${data.b.label}`}</td>
                          <td class="num">{x.runs}</td>
                          <td class="num">{formatRatioAsPercent(x.successRate)}</td>
                          <td class="num">{formatRatioAsPercent(x.accuracy)}</td>
                          <td class="num">{formatDurationMs(x.p50Ms)}</td>
                          <td class="num">{formatDurationMs(x.p95Ms)}</td>
                          <td class="num">{formatUsd(x.costPerRunUsd)}</td>
                          <td class="num">{formatUsd(x.totalCostUsd)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <h4>Every metric</h4>
                <MetricTable metrics={data.metrics} caption="Every metric, B against A" />
                <h4>By component type</h4>
                <div class="gs-table-wrap">
                  <table class="gs-table" data-compare-types>
                    <caption class="gs-sr-only">Changes by component type</caption>
                    <thead>
                      <tr>
                        <th>type</th>
                        <th class="num">runs A</th>
                        <th class="num">runs B</th>
                        <th>what changed</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.componentTypes.map((g) => (
                        <tr key={g.key} data-type={g.key} data-worse={g.worse} data-better={g.better}>
                          <td>{g.key ? <a href={`#/type/${encodeURIComponent(g.key)}`}>{g.key}</a> : '(none)'}</td>
                          <td class="num">{g.runsA}</td>
                          <td class="num">{g.runsB}</td>
                          <td class="gs-compare-changes">
                            <Changes g={g} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <h4>Components that changed ({data.components.length} of {data.componentsCompared})</h4>
                {data.components.length === 0 ? (
                  <p class="gs-muted" data-compare-no-components>
                    No component got significantly better or worse.
                  </p>
                ) : (
                  <div class="gs-table-wrap">
                    <table class="gs-table" data-compare-components>
                      <caption class="gs-sr-only">Components that got better or worse</caption>
                      <thead>
                        <tr>
                          <th>component</th>
                          <th>what changed</th>
                          <th>runs</th>
                        </tr>
                      </thead>
                      <tbody>
                        {data.components.map((g) => (
                          <tr key={g.key} data-component={g.key}>
                            <td>{g.key}</td>
                            <td class="gs-compare-changes">
                              <Changes g={g} />
                            </td>
                            <td>
                              <a href={runsOf(data, 'a', g.key)} data-runs-of="a">
                                A ({g.runsA})
                              </a>{' '}
                              <a href={runsOf(data, 'b', g.key)} data-runs-of="b">
                                B ({g.runsB})
                              </a>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </>
            ) : null}
          </Panel>
        </div>
      )}
    </section>
  );
}
