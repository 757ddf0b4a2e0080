/**
 * Load: a bounded load test on loopback with the official OTLP exporter (bench/ingest-bench.ts
 * runs the same for 20 s). Reports the sustained rate; fails if any acknowledged span is missing,
 * if an export failed for good, or if the server's memory passed its documented bound.
 */
import { INGEST_RSS_BOUND_BYTES, runIngestLoad } from '../../bench/ingest-bench';

describe('sustained OTLP ingest under load', () => {
  it('stores every acknowledged span and stays under the memory bound', async () => {
    const r = await runIngestLoad({ durationMillis: 5000, senders: 2, concurrency: 4, spansPerBatch: 512 });
    process.stdout.write(
      `load: ${Math.round(r.spansPerSec)} spans/s sustained over ${r.durationMillis} ms, ${r.spansAcknowledged} acknowledged, ` +
        `${r.spansLost} lost, ${r.failedExports} failed exports, ${r.refused} answered 503, peak RSS ${Math.round(r.peakRssBytes / 1048576)} MiB\n`,
    );
    expect(r.spansAcknowledged).toBeGreaterThan(0);
    expect(r.spansLost).toBe(0);
    expect(r.spansStored).toBe(r.spansAcknowledged);
    expect(r.failedExports).toBe(0);
    expect(r.peakRssBytes).toBeGreaterThan(0);
    expect(r.peakRssBytes).toBeLessThan(INGEST_RSS_BOUND_BYTES);
  });
});
