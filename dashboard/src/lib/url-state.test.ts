import { DEFAULT_VIEW, parseViewState, sameFilters, serializeViewState } from './url-state';
import type { ViewState } from './url-state';

describe('view state in the URL', () => {
  it('round-trips every field', () => {
    const v: ViewState = {
      filters: {
        range: { kind: 'custom', fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 0, 8) },
        componentTypes: ['button', 'card'],
        models: ['gpt-4o-mini'],
        stages: ['generate'],
        services: ['catalog-gen', 'checkout-gen'],
      },
      live: false,
      runId: '42',
      tz: 'local',
    };
    const q = serializeViewState(v);
    expect(q).toContain('type=button&type=card');
    expect(q).toContain('tz=local');
    expect(q).toContain('service=catalog-gen&service=checkout-gen');
    expect(parseViewState(q)).toEqual(v);
  });

  it('leaves defaults out so links stay short', () => {
    expect(serializeViewState(DEFAULT_VIEW)).toBe('');
    expect(parseViewState('')).toEqual(DEFAULT_VIEW);
    expect(serializeViewState({ ...DEFAULT_VIEW, filters: { ...DEFAULT_VIEW.filters, range: { kind: 'preset', preset: '1h' } } })).toBe('?range=1h');
  });

  it('ignores what it cannot use', () => {
    const v = parseViewState('?range=3w&from=yesterday&run=abc&type=&type=%20x%20&type=x');
    expect(v.filters.range).toEqual(DEFAULT_VIEW.filters.range);
    expect(v.runId).toBeNull();
    expect(v.filters.componentTypes).toEqual(['x']);
  });

  it('rejects a custom range that ends before it starts', () => {
    const v = parseViewState('?from=2025-01-08T00:00:00Z&to=2025-01-01T00:00:00Z&range=6h');
    expect(v.filters.range).toEqual({ kind: 'preset', preset: '6h' });
  });

  it('accepts epoch milliseconds for from/to', () => {
    const v = parseViewState('?from=1735689600000&to=1735776000000');
    expect(v.filters.range).toEqual({ kind: 'custom', fromMs: 1735689600000, toMs: 1735776000000 });
  });

  it('compares filters by value', () => {
    const a = parseViewState('?type=a&type=b&range=1h').filters;
    const b = parseViewState('?range=1h&type=b&type=a').filters;
    expect(sameFilters(a, b)).toBe(true);
    expect(sameFilters(a, parseViewState('?type=a&range=1h').filters)).toBe(false);
  });
});
