import type { AlertEvent as ApiAlertEvent } from '../../../schema/alerts';
import { alertTopic, firingSeries, matchesAlertFilters, normalizeAlertEvents, normalizeChanges } from './alerts';

function ev(id: number, timeMs: number, state: 'firing' | 'resolved', over: Partial<ApiAlertEvent> = {}): ApiAlertEvent {
  return {
    id,
    ruleId: 1,
    ruleName: 'quality drop',
    severity: 'warning',
    metric: 'quality_score',
    seriesKey: 'score=visual.pixel_similarity',
    labels: { score: 'visual.pixel_similarity' },
    state,
    timeMs,
    episodeStartMs: timeMs,
    value: 0.7,
    details: { value: 0.7, windowStartMs: 0, windowEndMs: 1 },
    message: 'pixel similarity fell 12 %',
    ...over,
  };
}

describe('alert events', () => {
  it('maps metrics to chart topics', () => {
    expect(alertTopic('latency_p95')).toBe('latency');
    expect(alertTopic('cost_per_hour')).toBe('cost');
    expect(alertTopic('success_rate')).toBe('success');
    expect(alertTopic('quality_score')).toBe('quality');
  });

  it('normalises newest first with labels, and knows which series still fire', () => {
    const events = normalizeAlertEvents({ events: [ev(1, 100, 'firing'), ev(2, 300, 'resolved'), ev(3, 200, 'firing', { seriesKey: 'other', labels: { component_type: 'card' } })] });
    expect(events.map((e) => e.id)).toEqual(['2', '3', '1']);
    expect(events[0]?.score).toBe('visual.pixel_similarity');
    expect(events[1]?.componentType).toBe('card');
    expect(firingSeries(events).map((e) => e.id)).toEqual(['3']);
    expect(normalizeAlertEvents(null)).toEqual([]);
  });
});

describe('detected changes', () => {
  it('turns findings and model switches into dated, topical markers', () => {
    const changes = normalizeChanges({
      fromMs: 0,
      toMs: 10,
      bucketMillis: 86_400_000,
      buckets: 1,
      series: { quality: 1, cost: 1 },
      findings: [
        {
          kind: 'quality_regression',
          day: '2025-01-02',
          endDay: '2025-01-02',
          startMs: 200,
          metric: 'quality_score',
          scope: { score: 'visual.pixel_similarity', componentType: '', model: 'm' },
          baseline: 0.9,
          current: 0.8,
          changePercent: -11,
          message: 'quality regression',
          related: [],
        },
        { kind: 'cost_spike', day: '2025-01-01', endDay: '2025-01-01', startMs: 100, metric: 'cost_per_day', scope: { model: 'm' }, baseline: 1, current: 3, changePercent: 200, message: 'spike', related: [] },
      ],
      modelSwitches: [{ day: '2025-01-03', startMs: 300, from: 'a', to: 'b' }],
    });
    expect(changes.map((c) => [c.kind, c.topic])).toEqual([
      ['model_switch', 'switch'],
      ['quality_regression', 'quality'],
      ['cost_spike', 'cost'],
    ]);
    expect(changes[1]).toMatchObject({ scores: ['visual.pixel_similarity'], componentType: null, model: 'm' });
    expect(normalizeChanges(undefined)).toEqual([]);
  });
});

describe('matchesAlertFilters', () => {
  const none = { componentTypes: [], models: [], stages: [] };
  it('keeps what the filter names or what is about every slice, drops the rest', () => {
    const cardA = { componentType: 'card', model: 'a', stage: null };
    expect(matchesAlertFilters(cardA, none)).toBe(true);
    expect(matchesAlertFilters(cardA, { ...none, componentTypes: ['card'] })).toBe(true);
    expect(matchesAlertFilters(cardA, { ...none, componentTypes: ['button'] })).toBe(false);
    expect(matchesAlertFilters(cardA, { ...none, models: ['b'] })).toBe(false);
    // A rule over all types and models concerns any slice.
    expect(matchesAlertFilters({ componentType: null, model: null }, { componentTypes: ['button'], models: ['b'], stages: ['generate'] })).toBe(true);
    expect(matchesAlertFilters({ componentType: null, model: null, stage: 'classify' }, { ...none, stages: ['generate'] })).toBe(false);
    expect(matchesAlertFilters({ componentType: null, model: null, stage: '(run)' }, { ...none, stages: ['generate'] })).toBe(true);
    // A model switch concerns both models.
    expect(matchesAlertFilters({ componentType: null, model: 'b', fromModel: 'a' }, { ...none, models: ['a'] })).toBe(true);
    expect(matchesAlertFilters({ componentType: null, model: 'b', fromModel: 'a' }, { ...none, models: ['c'] })).toBe(false);
  });
});
