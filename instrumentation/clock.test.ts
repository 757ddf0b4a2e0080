import { hrTimeToNs, nsToHrTime } from '../exporter';
import { clockHrTime, hrSecondsBetween, SimulatedClock, systemClock } from './clock';

describe('clockHrTime', () => {
  it('reads the system clock in numbers as nowNs does, to the nanosecond', () => {
    for (let i = 0; i < 1000; i++) {
      const before = systemClock.nowNs();
      const hr = clockHrTime(systemClock);
      const after = systemClock.nowNs();
      expect(hr[1]).toBeGreaterThanOrEqual(0);
      expect(hr[1]).toBeLessThan(1e9);
      expect(Number.isInteger(hr[0]) && Number.isInteger(hr[1])).toBe(true);
      const ns = hrTimeToNs(hr);
      expect(ns >= before && ns <= after).toBe(true);
    }
  });

  it('reads any other clock through nowNs', () => {
    const clock = new SimulatedClock(1_768_478_400_123_456_789n, { realTime: false });
    expect(clockHrTime(clock)).toEqual([1_768_478_400, 123_456_789]);
    clock.advance(2.5);
    expect(clockHrTime(clock)).toEqual(nsToHrTime(1_768_478_400_125_956_789n));
  });
});

describe('hrSecondsBetween', () => {
  it('is exactly Number(endNs - startNs) / 1e9', () => {
    const start = 1_768_478_400_999_999_999n;
    for (const d of [0n, 1n, 999n, 1_000_000_001n, 86_400_000_000_123n, 123_456_789_012n]) {
      expect(hrSecondsBetween(nsToHrTime(start), nsToHrTime(start + d))).toBe(Number(d) / 1e9);
    }
  });
});
