import { AlertRuleInput } from '../../../schema/alerts';
import type { AlertRule } from '../../../schema/alerts';
import { durationText, formToBody, newRuleForm, ruleDefinitionOf, ruleSummary, ruleToForm } from './alert-rule-form';

function stored(body: unknown): AlertRule {
  return { ...AlertRuleInput.parse(body), id: 7, source: 'api', createdMs: 1, updatedMs: 2 };
}

describe('alert rule form', () => {
  it('writes durations the API reads back', () => {
    expect(durationText(86_400_000)).toBe('1d');
    expect(durationText(90_000)).toBe('90s');
    expect(durationText(1_800_000)).toBe('30m');
    expect(durationText(1234)).toBe('1234ms');
    expect(durationText(0)).toBe('0');
  });

  it('round-trips a stored rule through the form unchanged, fields the form does not show included', () => {
    const rule = stored({
      kind: 'statistical',
      name: 'q',
      metric: 'quality_score',
      filters: { score: 'code.quality', model: 'm' },
      groupBy: ['component_type'],
      windowMillis: '1d',
      baselineWindowMillis: '7d',
      alpha: 0.001,
      maxSamples: 777,
      forDurationMillis: '30m',
    });
    const body = formToBody(ruleToForm(rule), rule);
    expect(AlertRuleInput.parse(body)).toEqual(AlertRuleInput.parse(ruleDefinitionOf(rule)));
    expect(AlertRuleInput.parse(body)).toMatchObject({ maxSamples: 777, alpha: 0.001, forDurationMillis: 1_800_000 });
  });

  it('builds a valid new rule, leaves empty fields to the defaults, and drops the old kind’s fields on a kind change', () => {
    const f = { ...newRuleForm(), name: 'slow', extra: { operator: '>', value: '2500', minSamples: '' } };
    const parsed = AlertRuleInput.parse(formToBody(f));
    expect(parsed).toMatchObject({ kind: 'threshold', metric: 'latency_p95', operator: '>', value: 2500, minSamples: 1, windowMillis: 3_600_000 });
    const rule = stored({ kind: 'threshold', name: 't', metric: 'latency_p95', operator: '>', value: 1, windowMillis: '1h' });
    const changed = { ...ruleToForm(rule), kind: 'relative' as const, extra: { baselineWindowMillis: '7d', changePercent: '20', direction: '', minSamples: '' } };
    const body = formToBody(changed, rule) as Record<string, unknown>;
    expect(body).not.toHaveProperty('operator');
    expect(AlertRuleInput.parse(body)).toMatchObject({ kind: 'relative', changePercent: 20, baselineWindowMillis: 604_800_000 });
  });

  it('sends text that is not a number as typed, so the API names the field', () => {
    const body = formToBody({ ...newRuleForm(), name: 'x', extra: { operator: '>', value: 'fast', minSamples: '' } });
    const r = AlertRuleInput.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['value']);
  });

  it('summarizes what a rule watches', () => {
    expect(ruleSummary(stored({ kind: 'relative', name: 'l', metric: 'latency_p95', filters: { stage: '(run)' }, groupBy: ['model'], windowMillis: '24h', baselineWindowMillis: '7d', changePercent: 50 }))).toBe(
      'latency_p95 (stage (run)) per model over 1d: ±50 % vs 1w before',
    );
  });
});
