/**
 * Alert rules in the UI: the rules (default, config-file and API ones), each with mute/unmute
 * (the rule's `enabled`), edit and delete, and a form for a new rule or an edit. Writes go through
 * the API client, which sends the tab's key (lib/api-key.ts); a server with keys takes writes
 * from an admin key only, so a refusal offers to use one. Rule changes apply at the next
 * evaluation tick.
 */
import { useState } from 'preact/hooks';
import type { AlertRule, AlertRuleResponse, AlertRulesResponse } from '../../../schema/alerts';
import { Panel } from '../components/panel';
import { useLazy } from '../components/lazy';
import { AdminKey, writeError } from '../components/admin-key';
import type { WriteError } from '../components/admin-key';
import { API_BASE } from '../lib/api-params';
import { KIND_FIELDS, RULE_DIMENSIONS, RULE_KINDS, RULE_METRICS, formToBody, newRuleForm, ruleSummary, ruleToForm } from '../lib/alert-rule-form';
import type { RuleForm } from '../lib/alert-rule-form';
import { formatDateTime } from '../lib/format';
import { useApi } from '../lib/use-api';
import { useDashboard } from '../context';

const FIELD_LABELS: Record<string, string> = {
  operator: 'Operator',
  value: 'Value (metric units: ms, USD or 0–1)',
  minSamples: 'Fewest samples',
  baselineWindowMillis: 'Baseline window',
  changePercent: 'Change (%)',
  direction: 'Direction',
  test: 'Test',
  alpha: 'Alpha',
  minEffect: 'Smallest effect',
  bucketMillis: 'Baseline bucket',
  minRatio: 'Ratio at least',
  zThreshold: 'Robust z at least',
  minBaselineBuckets: 'Fewest baseline buckets',
};

const CHOICES: Record<string, readonly string[]> = {
  operator: ['>', '>=', '<', '<='],
  direction: ['', 'increase', 'decrease', 'either'],
  test: ['welch', 'mann_whitney'],
};

function RuleEditor(p: { initial: RuleForm; base?: AlertRule; onCancel: () => void; onSaved: (rule: AlertRule) => void }) {
  const { client, options } = useDashboard();
  const [form, setForm] = useState<RuleForm>(p.initial);
  const [error, setError] = useState<WriteError | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<RuleForm>): void => setForm((f) => ({ ...f, ...patch }));
  const setExtra = (k: string, v: string): void => setForm((f) => ({ ...f, extra: { ...f.extra, [k]: v } }));
  const save = (): void => {
    setSaving(true);
    setError(null);
    const body = formToBody(form, p.base);
    const req = p.base
      ? client.send<AlertRuleResponse>('PUT', `${API_BASE}/alerts/rules/${p.base.id}`, body)
      : client.send<AlertRuleResponse>('POST', `${API_BASE}/alerts/rules`, body);
    req.then(
      (r) => {
        setSaving(false);
        p.onSaved(r.rule);
      },
      (err: unknown) => {
        setSaving(false);
        setError(writeError(err, 'changing rules'));
      },
    );
  };
  const text = (id: string, label: string, value: string, onInput: (v: string) => void, hint?: string) => (
    <div class="gs-field">
      <label class="gs-field-label" for={id}>
        {label}
      </label>
      <input id={id} value={value} title={hint} onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)} />
    </div>
  );
  const select = (id: string, label: string, value: string, values: readonly string[], onChange: (v: string) => void) => (
    <div class="gs-field">
      <label class="gs-field-label" for={id}>
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        {values.map((v) => (
          <option key={v} value={v}>
            {v === '' ? '(any)' : v}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form
      class="gs-rule-editor"
      aria-label={p.base ? `Edit rule ${p.base.name}` : 'New alert rule'}
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div class="gs-rule-fields">
        {text('gs-rule-name', 'Name', form.name, (v) => set({ name: v }))}
        <div class="gs-field">
          <label class="gs-field-label" for="gs-rule-kind">
            Kind
          </label>
          <select
            id="gs-rule-kind"
            value={form.kind}
            onChange={(e) => {
              const kind = (e.currentTarget as HTMLSelectElement).value as RuleForm['kind'];
              set({ kind, extra: Object.fromEntries(KIND_FIELDS[kind].map((f) => [f, form.extra[f] ?? (f === 'operator' ? '>' : '')])) });
            }}
          >
            {RULE_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        {select('gs-rule-metric', 'Metric', form.metric, RULE_METRICS, (v) => set({ metric: v as RuleForm['metric'] }))}
        {select('gs-rule-severity', 'Severity', form.severity, ['info', 'warning', 'critical'], (v) => set({ severity: v as RuleForm['severity'] }))}
        {text('gs-rule-window', 'Window', form.windowMillis, (v) => set({ windowMillis: v }), 'e.g. 15m, 1h, 24h, 7d')}
        {KIND_FIELDS[form.kind].map((f) =>
          CHOICES[f]
            ? select(`gs-rule-${f}`, FIELD_LABELS[f] ?? f, form.extra[f] ?? '', CHOICES[f] ?? [], (v) => setExtra(f, v))
            : text(`gs-rule-${f}`, FIELD_LABELS[f] ?? f, form.extra[f] ?? '', (v) => setExtra(f, v), f.endsWith('Millis') ? 'e.g. 1h, 7d' : 'empty: the default'),
        )}
        {select('gs-rule-f-type', 'Component type', form.filterComponentType, ['', ...(options?.componentTypes ?? [])], (v) => set({ filterComponentType: v }))}
        {select('gs-rule-f-model', 'Model', form.filterModel, ['', ...(options?.models ?? [])], (v) => set({ filterModel: v }))}
        {select('gs-rule-f-stage', 'Stage', form.filterStage, ['', '(run)', ...(options?.stages ?? []).filter((s) => s !== '(run)')], (v) => set({ filterStage: v }))}
        {select('gs-rule-f-score', 'Score', form.filterScore, ['', ...(options?.scores ?? [])], (v) => set({ filterScore: v }))}
        {select('gs-rule-f-service', 'Service', form.filterService, ['', ...(options?.services ?? [])], (v) => set({ filterService: v }))}
        {text('gs-rule-for', 'Pending for', form.forDurationMillis, (v) => set({ forDurationMillis: v }), 'how long the condition must hold before firing (0: at once)')}
        {text('gs-rule-keep', 'Keep firing for', form.keepFiringForMillis, (v) => set({ keepFiringForMillis: v }), 'against flapping (0: resolve at once)')}
      </div>
      <fieldset class="gs-rule-group">
        <legend>One alert per</legend>
        {RULE_DIMENSIONS.map((d) => (
          <label key={d}>
            <input
              type="checkbox"
              checked={form.groupBy.includes(d)}
              onChange={(e) => set({ groupBy: (e.currentTarget as HTMLInputElement).checked ? [...form.groupBy, d] : form.groupBy.filter((x) => x !== d) })}
            />{' '}
            {d}
          </label>
        ))}
      </fieldset>
      {text('gs-rule-desc', 'Description', form.description, (v) => set({ description: v }))}
      <div class="gs-rule-actions">
        <button type="submit" class="gs-btn gs-btn-primary" disabled={saving}>
          {saving ? 'Saving…' : p.base ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" class="gs-btn" onClick={p.onCancel}>
          Cancel
        </button>
        {error ? (
          <span class="gs-error-text" role="alert" data-rule-error>
            {error.message}
          </span>
        ) : null}
        {error?.needsKey ? <AdminKey onSaved={save} /> : null}
      </div>
    </form>
  );
}

export function AlertRulesPanel() {
  const { client } = useDashboard();
  const id = 'alert-rules';
  const { near } = useLazy();
  const r = useApi<AlertRulesResponse>(client, `${API_BASE}/alerts/rules`, {}, { readyId: id, priority: 'low', enabled: near });
  const [editing, setEditing] = useState<{ rule?: AlertRule } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null);
  const [error, setError] = useState<WriteError | null>(null);
  const [lastAction, setLastAction] = useState<(() => void) | null>(null);
  if (r.error?.status === 404) return null;

  const act = (fn: () => Promise<unknown>): void => {
    const run = (): void => {
      setError(null);
      fn().then(
        () => r.retry(),
        (err: unknown) => setError(writeError(err, 'changing rules')),
      );
    };
    setLastAction(() => run);
    run();
  };
  const rules = r.data?.rules ?? [];
  return (
    <Panel
      id={id}
      title="Alert rules"
      subtitle="evaluated every minute; muting a rule stops its evaluation until unmuted"
      state={r.status === 'error' && !r.data ? 'error' : r.data ? 'ok' : 'loading'}
      error={r.error}
      onRetry={r.retry}
      selfReady
      span={12}
      actions={
        editing ? null : (
          <button type="button" class="gs-btn" data-new-rule onClick={() => setEditing({})}>
            New rule
          </button>
        )
      }
    >
      {editing ? (
        <RuleEditor
          key={editing.rule?.id ?? 'new'}
          initial={editing.rule ? ruleToForm(editing.rule) : newRuleForm()}
          base={editing.rule}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            r.retry();
          }}
        />
      ) : null}
      {error ? (
        <p class="gs-error-text" role="alert" data-rule-error>
          {error.message} {error.needsKey ? <AdminKey onSaved={() => lastAction?.()} /> : null}
        </p>
      ) : null}
      <ul class="gs-rules">
        {rules.map((rule) => (
          <li key={rule.id} class={`gs-rule ${rule.enabled ? '' : 'gs-rule-muted'}`} data-rule={rule.name}>
            <span class={`gs-tag ${rule.enabled ? '' : 'gs-tag-muted'}`}>{rule.enabled ? rule.severity : 'muted'}</span>
            <span class="gs-rule-name">
              <strong>{rule.name}</strong>
              <span class="gs-muted"> · {rule.source === 'default' ? 'default rule' : rule.source === 'config' ? 'from the config file' : 'made here or by the API'}</span>
              <br />
              <span class="gs-muted gs-small" title={rule.description}>
                {ruleSummary(rule)} · changed {formatDateTime(rule.updatedMs).slice(0, 16)}
              </span>
            </span>
            <span class="gs-rule-buttons">
              <button type="button" class="gs-btn" data-mute onClick={() => act(() => client.send('PATCH', `${API_BASE}/alerts/rules/${rule.id}`, { enabled: !rule.enabled }))}>
                {rule.enabled ? 'Mute' : 'Unmute'}
              </button>
              <button type="button" class="gs-btn" data-edit onClick={() => setEditing({ rule })}>
                Edit
              </button>
              {confirmDelete === rule.id ? (
                <>
                  <button
                    type="button"
                    class="gs-btn gs-btn-danger"
                    data-confirm-delete
                    onClick={() => {
                      setConfirmDelete(null);
                      act(() => client.send('DELETE', `${API_BASE}/alerts/rules/${rule.id}`));
                    }}
                  >
                    Delete {rule.name}?
                  </button>
                  <button type="button" class="gs-btn" onClick={() => setConfirmDelete(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" class="gs-btn" data-delete onClick={() => setConfirmDelete(rule.id)}>
                  Delete
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {rules.length === 0 && r.data ? <p class="gs-muted">No rules. Create one, or list rules in an alerts file (genscope serve --alerts FILE).</p> : null}
    </Panel>
  );
}
