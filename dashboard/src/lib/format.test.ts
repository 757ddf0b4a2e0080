import {
  durationAxisUnit,
  formatChange,
  formatDurationMs,
  formatRatioAsPercent,
  formatAttributeValue,
  formatUsd,
  formatValue,
  fromDateTimeLocal,
  logSplits,
  relativeChange,
  toDateTimeLocal,
} from './format';

describe('formatDurationMs', () => {
  it('picks a readable unit', () => {
    expect(formatDurationMs(0.25)).toBe('250 µs');
    expect(formatDurationMs(4.5)).toBe('4.5 ms');
    expect(formatDurationMs(250)).toBe('250 ms');
    expect(formatDurationMs(2500)).toBe('2.5 s');
    expect(formatDurationMs(90_000)).toBe('1.5 min');
    expect(formatDurationMs(2 * 3_600_000)).toBe('2 h');
  });
  it('shows a dash for missing values', () => {
    expect(formatDurationMs(null)).toBe('–');
    expect(formatDurationMs(Number.NaN)).toBe('–');
  });
});

describe('formatUsd', () => {
  it('keeps significant digits of tiny per-call costs', () => {
    expect(formatUsd(0.00042)).toBe('$0.00042');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(12_345)).toBe('$12.3k');
    expect(formatUsd(0)).toBe('$0');
  });

  it('shows three significant digits between one and ten cents and below a dollar', () => {
    expect(formatUsd(0.01375)).toBe('$0.0138');
    expect(formatUsd(0.0562)).toBe('$0.0562');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.125)).toBe('$0.125');
    expect(formatUsd(0.0000318599)).toBe('$0.0000319');
    expect(formatUsd(-0.01)).toBe('-$0.01');
  });
});

describe('formatValue', () => {
  it('formats ratios as percentages and days', () => {
    expect(formatRatioAsPercent(0.8734)).toBe('87.3 %');
    expect(formatValue(0.5, 'ratio')).toBe('50 %');
    expect(formatValue(12.34, 'days')).toBe('12 days');
    expect(formatValue(1234, 'count')).toBe('1,234');
  });
});

describe('relativeChange', () => {
  it('is null without a comparable previous value', () => {
    expect(relativeChange(5, null)).toBeNull();
    expect(relativeChange(5, 0)).toBeNull();
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(110, 100)).toBeCloseTo(0.1);
    expect(formatChange(0.1234)).toBe('+12 %');
    expect(formatChange(-0.042)).toBe('−4.2 %');
    expect(formatChange(null)).toBe('no previous data');
  });
});

describe('datetime-local round trip', () => {
  it('parses what it formats (minute precision, local time)', () => {
    const ms = new Date(2025, 0, 31, 13, 45).getTime();
    expect(fromDateTimeLocal(toDateTimeLocal(ms))).toBe(ms);
    expect(fromDateTimeLocal('not a date')).toBeNull();
  });
});

describe('axis helpers', () => {
  it('chooses the duration unit from the axis maximum', () => {
    expect(durationAxisUnit(900).label).toBe('ms');
    expect(durationAxisUnit(4000)).toEqual({ label: 's', divisor: 1000 });
    expect(durationAxisUnit(30 * 60_000).label).toBe('min');
    expect(durationAxisUnit(5 * 3_600_000).label).toBe('h');
  });
  it('puts log splits on 1-2-5 steps inside a narrow range, fewer steps in wider ones', () => {
    expect(logSplits(0.3, 9)).toEqual([0.5, 1, 2, 5]);
    expect(logSplits(0.3, 30)).toEqual([0.3, 1, 3, 10, 30]);
    expect(logSplits(1, 1e7)).toEqual([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000]);
    expect(logSplits(0, 10)).toEqual([]);
  });
});

describe('formatAttributeValue', () => {
  it('cuts floating-point noise, keeps integers and strings', () => {
    expect(formatAttributeValue(0.0001 + 0.0002186)).toBe('0.0003186');
    expect(formatAttributeValue(0.1 + 0.2)).toBe('0.3');
    expect(formatAttributeValue(9007199254740991)).toBe('9007199254740991');
    expect(formatAttributeValue('0.1')).toBe('0.1');
    expect(formatAttributeValue([0.1 + 0.2, 'a'])).toBe('[0.3,"a"]');
    expect(formatAttributeValue(null)).toBe('–');
  });
});
