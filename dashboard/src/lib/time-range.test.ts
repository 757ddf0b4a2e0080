import { previousPeriod, resolveRange } from './time-range';

describe('resolveRange', () => {
  it('ends a preset at the next whole second of now', () => {
    const r = resolveRange({ kind: 'preset', preset: '1h' }, 1_000_000_500);
    expect(r).toEqual({ fromMs: 1_000_001_000 - 3_600_000, toMs: 1_000_001_000 });
  });
  it('keeps a custom range as it is, and the previous period has the same length', () => {
    const r = resolveRange({ kind: 'custom', fromMs: 100, toMs: 400 }, 9_999);
    expect(r).toEqual({ fromMs: 100, toMs: 400 });
    expect(previousPeriod(r)).toEqual({ fromMs: -200, toMs: 100 });
  });
});
