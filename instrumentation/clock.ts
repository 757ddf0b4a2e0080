/**
 * Clocks. Span, event and duration times come from an injected clock, so that history can be
 * recorded with past timestamps (the demo) and tests control time.
 */
import { performance } from 'node:perf_hooks';

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
