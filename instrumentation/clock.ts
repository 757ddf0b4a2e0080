/**
 * Clocks. Span, event and duration times come from an injected clock, so that history can be
 * recorded with past timestamps (the demo) and tests control time.
 */
import { performance } from 'node:perf_hooks';
import type { HrTime } from '@opentelemetry/api';
import { nsToHrTime } from '../exporter';

export interface Clock {
  /** Now, in nanoseconds since the Unix epoch. */
  nowNs(): bigint;
  /** Waits ms of this clock's time. */
  sleep(ms: number): Promise<void>;
}

const originNs = BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n;

/** The wall clock, with sub-millisecond resolution from the monotonic timer. */
export const systemClock: Clock = {
  nowNs: () => originNs + BigInt(Math.round(performance.now() * 1e6)),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

// systemClock's origin split into whole seconds and the nanoseconds past them, as numbers.
const originSeconds = Number(originNs / 1_000_000_000n);
const originSubNs = Number(originNs % 1_000_000_000n);

/**
 * Now on the clock as an OTel HrTime: nsToHrTime(clock.nowNs()), but for the system clock in
 * plain numbers (the same value to the nanosecond: every term is an integer below 2^53), since
 * the BigInt arithmetic was a noticeable part of a stage call.
 */
export function clockHrTime(clock: Clock): HrTime {
  if (clock !== systemClock) return nsToHrTime(clock.nowNs());
  const ns = originSubNs + Math.round(performance.now() * 1e6);
  const seconds = Math.floor(ns / 1e9);
  return [originSeconds + seconds, ns - seconds * 1e9];
}

/** Seconds from one HrTime to another, exactly Number(endNs - startNs) / 1e9. */
export function hrSecondsBetween(start: HrTime, end: HrTime): number {
  return ((end[0] - start[0]) * 1e9 + (end[1] - start[1])) / 1e9;
}

export interface SimulatedClockOptions {
  /** Also let real elapsed time pass (so real computation has real durations). Default true. */
  realTime?: boolean;
}

/**
 * A clock that starts at a chosen instant. sleep() advances it at once instead of waiting, so a
 * simulated model call "takes" its latency without delaying the process. Data recorded through
 * it is simulated and must be labelled so.
 */
export class SimulatedClock implements Clock {
  private baseNs: bigint;
  private realStart: number;
  private readonly realTime: boolean;

  constructor(startNs: bigint, options: SimulatedClockOptions = {}) {
    this.baseNs = startNs;
    this.realStart = performance.now();
    this.realTime = options.realTime ?? true;
  }

  nowNs(): bigint {
    if (!this.realTime) return this.baseNs;
    return this.baseNs + BigInt(Math.round((performance.now() - this.realStart) * 1e6));
  }

  advance(ms: number): void {
    this.baseNs += BigInt(Math.round(Math.max(0, ms) * 1e6));
  }

  /** Jumps to an instant (e.g. the start of the next simulated benchmark run). */
  set(ns: bigint): void {
    this.baseNs = ns;
    this.realStart = performance.now();
  }

  sleep(ms: number): Promise<void> {
    this.advance(ms);
    return Promise.resolve();
  }
}
