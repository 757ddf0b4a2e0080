import { budgetRunway, dayStartMillis, projectMonthEnd } from './projection';

const days = (from: number, to: number, usd: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ day: `2024-03-${String(from + i).padStart(2, '0')}`, usd }));

describe('projectMonthEnd', () => {
  it('adds the trailing daily rate for the days left', () => {
    // $10 a day on March 1-9, asOf March 10 00:00: 90 spent + 10 * 22 days left = 310
    const p = projectMonthEnd(days(1, 9, 10), Date.UTC(2024, 2, 10));
    expect(p).toMatchObject({ month: '2024-03', monthToDateUsd: 90, dailyRateUsd: 10, daysInMonth: 31, daysElapsed: 9, daysRemaining: 22, rateDays: 7 });
    expect(p.projectedUsd).toBeCloseTo(310, 10);
  });

  it('averages only the trailing days, and counts missing days as zero', () => {
    // Rate = mean of March 3-9 = (5 * 10 + 2 * 24) / 7 = 14; March 5 missing counts 0 -> (4*10 + 0 + 48)/7
    const spend = [...days(1, 4, 10), ...days(6, 7, 10), ...days(8, 9, 24)];
    const p = projectMonthEnd(spend, new Date(Date.UTC(2024, 2, 10, 12)));
    expect(p.dailyRateUsd).toBeCloseTo((4 * 10 + 48) / 7, 10);
    expect(p.daysRemaining).toBeCloseTo(21.5, 10);
    expect(p.monthToDateUsd).toBe(108);
  });

  it('uses month-to-date over elapsed time on the first day of data', () => {
    // $6 spent by 06:00 on the first day: 24 a day, 30.75 days left.
    const p = projectMonthEnd([{ day: '2024-04-01', usd: 6 }], Date.UTC(2024, 3, 1, 6));
    expect(p.rateDays).toBe(0);
    expect(p.dailyRateUsd).toBeCloseTo(24, 10);
    expect(p.projectedUsd).toBeCloseTo(6 + 24 * 29.75, 10);
  });

  it('rejects malformed days', () => {
    expect(() => projectMonthEnd([{ day: '03/10/2024', usd: 1 }], 0)).toThrow(/YYYY-MM-DD/);
    expect(dayStartMillis('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
});

describe('budgetRunway', () => {
  it('divides what is left by the mean daily spend', () => {
    expect(budgetRunway(1000, 400, [20, 30, 40], { asOf: Date.UTC(2024, 2, 10) })).toEqual({
      remainingUsd: 600,
      dailyRateUsd: 30,
      runwayDays: 20,
      exhausted: false,
      exhaustionDay: '2024-03-30',
    });
  });

  it('is infinite at zero spend and zero when exhausted', () => {
    expect(budgetRunway(100, 10, 0).runwayDays).toBe(Number.POSITIVE_INFINITY);
    expect(budgetRunway(100, 120, 5)).toMatchObject({ runwayDays: 0, exhausted: true, remainingUsd: -20 });
  });
});
