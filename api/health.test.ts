import { selfHealth } from './health';
import { IngestGate } from './ingest-gate';
import type { StoreWriterStats } from '../store/sqlite/writer';

const NOW = Date.UTC(2026, 4, 1);

function writerStats(over: Partial<StoreWriterStats> = {}): { stats: StoreWriterStats } {
  return {
    stats: {
      batches: 3,
      spans: 30,
      metricPoints: 4,
      logRecords: 0,
      evaluationScores: 0,
      rejected: 0,
      duplicates: 0,
      busyRetries: 2,
      failures: 0,
      foldedValues: 0,
      lastError: null,
      lastFailureAtMillis: null,
      ...over,
    },
  };
}

describe('selfHealth', () => {
  it('is ok and JSON-safe with every counter when nothing fails', () => {
    const gate = new IngestGate({ maxInFlightRequests: 4 });
    const h = selfHealth(
      { writer: writerStats(), ingest: gate, spanProcessor: () => ({ queued: 1, exported: 9, failedSpans: 0 }) },
      { clock: () => NOW },
    );
    expect(h).toMatchObject({
      status: 'ok',
      problems: [],
      timeMs: NOW,
      store: { spans: 30, busyRetries: 2 },
      spanProcessor: { queued: 1, exported: 9, failedSpans: 0 },
      ingest: { inFlight: 0, maxInFlightRequests: 4 },
      retention: null,
    });
    expect(h.process.rssBytes).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });

  it('is degraded while a store failure is recent, ok again later', () => {
    const failed = writerStats({ failures: 1, lastError: 'database or disk is full', lastFailureAtMillis: NOW - 60_000 });
    const recent = selfHealth({ writer: failed }, { clock: () => NOW });
    expect(recent.status).toBe('degraded');
    expect(recent.problems[0]).toMatch(/store: a write failed 60 s ago .*disk is full/);
    expect(selfHealth({ writer: failed }, { clock: () => NOW + 3_600_000 }).status).toBe('ok');
  });

  it('reports spans the exporter could not store', () => {
    const h = selfHealth({ spanProcessor: () => ({ queued: 0, exported: 5, failedSpans: 7 }) }, { clock: () => NOW });
    expect(h.status).toBe('degraded');
    expect(h.problems).toEqual(['exporter: 7 spans could not be stored']);
  });

  it('reports spans dropped on a full queue and records given up on a busy store', () => {
    const h = selfHealth(
      {
        spanProcessor: () => ({ queued: 40, exported: 5, failedSpans: 0, dropped: 12 }),
        queue: { stats: { pendingJobs: 1, pendingRecords: 30, retries: 9, gaveUp: 1, gaveUpRecords: 3 } },
      },
      { clock: () => NOW },
    );
    expect(h.status).toBe('degraded');
    expect(h.spanProcessor).toEqual({ queued: 40, exported: 5, failedSpans: 0, dropped: 12 });
    expect(h.writeQueue).toEqual({ pendingJobs: 1, pendingRecords: 30, retries: 9, gaveUp: 1, gaveUpRecords: 3 });
    expect(h.problems).toEqual([
      'exporter: 12 spans dropped on a full queue while the store was busy',
      'store: 3 records given up after the database stayed busy past the retry limit',
    ]);
  });
});
