import { Writable } from 'node:stream';
import { openDatabase } from '../store';
import type { Db } from '../store';
import { benchmarkRecord, gaussian, runRecords, seededRandom, writeRecords } from '../alerts/test-fixtures';
import { runGate } from './gate';

const T0 = Date.UTC(2024, 4, 1);
const TYPES = ['button', 'card', 'input', 'modal', 'table'];

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

async function gate(db: Db, argv: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runGate(argv, { db, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

interface BenchOptions {
  qualityDrop?: number;
  latencyFactor?: number;
  costFactor?: number;
}

/** One simulated benchmark run over a 30-component corpus (same corpus, fresh noise each run). */
function bench(db: Db, index: number, seed: number, o: BenchOptions = {}): string {
  const random = seededRandom(seed);
  const id = `run-${index}`;
  const start = T0 + index * 3_600_000;
  let t = start;
  const records = [];
  for (let i = 0; i < 30; i++) {
    const offset = (i % 5) * 0.03 - 0.06;
    const q = (v: number) => Math.min(1, Math.max(0, v - (o.qualityDrop ?? 0)));
    records.push(
      ...runRecords({
        startMs: t,
        durationMs: (900 + 300 * (i % 3) + gaussian(random, 80)) * (o.latencyFactor ?? 1),
        componentId: `comp-${i}`,
        componentType: TYPES[i % TYPES.length] ?? 'button',
        model: 'model-a',
        benchmarkRunId: id,
        scores: {
          'mapping.confidence': q(0.8 + offset + gaussian(random, 0.04)),
          'code.quality': q(0.75 + offset + gaussian(random, 0.06)),
          'classification.accuracy': random() < 0.93 ? 1 : 0,
        },
        calls: [{ costUsd: (0.002 + (i % 4) * 0.0005) * (1 + gaussian(random, 0.05)) * (o.costFactor ?? 1) }],
      }),
    );
    t += 2000;
  }
  records.push(benchmarkRecord({ id, startMs: start, endMs: t, model: 'model-a', components: 30 }));
  writeRecords(db, records);
  return id;
}

describe('genscope gate', () => {
  it('exits 0 on two runs of the same configuration, with a readable table', async () => {
    const db = openDatabase(':memory:');
    bench(db, 0, 1);
    bench(db, 1, 2);
    const r = await gate(db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^genscope gate: run run-1 \(2024-05-01 01:00 UTC, model-a, 30 components, simulated\)$/);
    expect(lines[1]).toMatch(/against baseline run-0/);
    const header = lines.find((l) => l.startsWith('metric'));
    expect(header?.split(/\s{2,}/)).toEqual(['metric', 'baseline', 'current', 'change', 'p-value', 'verdict']);
    for (const label of ['quality classification.accuracy', 'quality code.quality', 'quality mapping.confidence', 'success rate', 'latency p50', 'latency p95', 'cost per component']) {
      expect(lines.some((l) => l.startsWith(label))).toBe(true);
    }
    // Columns line up: every row is as wide as the header's rule line.
    const rule = lines[lines.indexOf(header ?? '') + 1] ?? '';
    expect(rule).toMatch(/^-+( +-+){5}$/);
    expect(r.stdout).toMatch(/PASS: no significant regression/);
    db.close();
  });

  it('stays at 0 across many same-configuration pairs (no crying wolf)', async () => {
    for (let seed = 10; seed < 22; seed += 2) {
      const db = openDatabase(':memory:');
      bench(db, 0, seed);
      bench(db, 1, seed + 1);
      const r = await gate(db);
      expect([r.code, r.stdout.match(/REGRESSED.*/g)]).toEqual([0, null]);
      db.close();
    }
  });

  it('exits 1 on a run with a quality regression, naming the metrics', async () => {
    const db = openDatabase(':memory:');
    bench(db, 0, 1);
    bench(db, 1, 2);
    bench(db, 2, 3, { qualityDrop: 0.12 });
    const r = await gate(db);
    expect(r.code).toBe(1);
    const row = r.stdout.split('\n').find((l) => l.startsWith('quality mapping.confidence')) ?? '';
    expect(row).toMatch(/-1\d\.\d%\s+<?0\.\d+\s+REGRESSED$/);
    expect(r.stdout).toMatch(/FAIL: \d metrics? regressed: .*quality mapping\.confidence/);
    // The same run against the first one, named; and the two clean runs named the other way round.
    expect((await gate(db, ['--baseline', 'run-0'])).code).toBe(1);
    expect((await gate(db, ['--run', 'run-1', '--baseline', 'run-0'])).code).toBe(0);
    db.close();
  });

  it('exits 1 on latency and on cost regressions', async () => {
    const slow = openDatabase(':memory:');
    bench(slow, 0, 1);
    bench(slow, 1, 2, { latencyFactor: 1.5 });
    const s = await gate(slow, ['--json']);
    expect(s.code).toBe(1);
    const json = JSON.parse(s.stdout) as { regressions: string[]; metrics: { metric: string; verdict: string; pValue: number }[] };
    expect(json.regressions).toContain('latency p50');
    expect(json.metrics.find((m) => m.metric === 'latency_p50')?.pValue).toBeLessThan(0.001);
    slow.close();

    const dear = openDatabase(':memory:');
    bench(dear, 0, 1);
    bench(dear, 1, 2, { costFactor: 1.3 });
    const c = await gate(dear);
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/cost per component .*REGRESSED/);
    // A cheaper run is an improvement, not a failure.
    bench(dear, 2, 3, { costFactor: 0.7 });
    const better = await gate(dear, ['--baseline', 'run-0']);
    expect(better.code).toBe(0);
    expect(better.stdout).toMatch(/cost per component .*improved/);
    dear.close();
  });

  it('exits 2 with the fix when there are fewer than two runs or an unknown id', async () => {
    const db = openDatabase(':memory:');
    const none = await gate(db);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/holds 0\. Run the benchmark twice/);
    bench(db, 0, 1);
    expect((await gate(db)).stderr).toMatch(/holds 1\. Run the benchmark once more/);
    bench(db, 1, 2);
    const unknown = await gate(db, ['--run', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no benchmark run with id "nope" \(--run\)\. Recent runs: run-0, run-1\./);
    expect((await gate(db, ['--run', 'run-0'])).stderr).toMatch(/oldest benchmark run/);
    db.close();
  });

  it('exits 2 on bad options and prints help', async () => {
    const db = openDatabase(':memory:');
    expect((await gate(db, ['--alpha', '2'])).code).toBe(2);
    expect((await gate(db, ['--alpha', '0'])).stderr).toMatch(/--alpha must be greater than 0/);
    expect((await gate(db, ['--colour'])).code).toBe(2);
    expect((await gate(db, ['extra'])).stderr).toMatch(/unexpected argument "extra"/);
    const help = await gate(db, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: genscope gate/);
    db.close();
  });

  it('opens the database named by --db read-only, and says when it is missing', async () => {
    const out = sink();
    const err = sink();
    const code = await runGate(['--db', '/nonexistent/dir/genscope.db'], { stdout: out.stream, stderr: err.stream, env: {} });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/genscope gate: cannot open the database at \/nonexistent\/dir\/genscope\.db/);
  });
});
