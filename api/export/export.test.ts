import request from 'supertest';
import { EXPORT_COLUMNS, EXPORT_DATASETS, PANEL_IDS, PANELS } from '../../schema/api';
import { count, csvRecords, testWorld } from '../test-support';
import type { TestWorld } from '../test-support';

let w: TestWorld;
const DAY_NS = 86_400_000_000_000n;
let fromNs: bigint;
let toNs: bigint;

beforeAll(() => {
  w = testWorld(1500);
  toNs = BigInt(w.now) * 1_000_000n;
  fromNs = toNs - 2n * DAY_NS;
});

const STORED: Record<string, (filter: string) => string> = {
  spans: (f) => `SELECT count(*) AS n FROM span_view WHERE start_ns >= ? AND start_ns < ? ${f}`,
  runs: (f) => `SELECT count(*) AS n FROM span_view WHERE role = 'run' AND start_ns >= ? AND start_ns < ? ${f}`,
  scores: (f) => `SELECT count(*) AS n FROM score_view WHERE time_ns >= ? AND time_ns < ? ${f}`,
  'model-calls': (f) => `SELECT count(*) AS n FROM model_call_view WHERE time_ns >= ? AND time_ns < ? ${f.replace('model', 'response_model')}`,
};

async function fetchText(url: string): Promise<{ status: number; text: string; type: string; headers: Record<string, string> }> {
  const res = await request(w.app).get(url).buffer(true).parse((r, cb) => {
    let data = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (data += c));
    r.on('end', () => cb(null, data));
  });
  return { status: res.status, text: res.body as string, type: res.type, headers: res.headers as Record<string, string> };
}

function rowsOf(format: string, text: string): number {
  if (format === 'csv') return csvRecords(text).length - 1;
  if (format === 'json') return (JSON.parse(text) as unknown[]).length;
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown).length;
}

describe('dataset export', () => {
  it.each(EXPORT_DATASETS.flatMap((d) => (['csv', 'json', 'ndjson'] as const).map((f) => [d, f] as const)))(
    'exports every stored %s row as %s',
    async (dataset, format) => {
      const r = await fetchText(`/api/v1/export/${dataset}.${format}?range=2d`);
      expect(r.status).toBe(200);
      const stored = count(w.db, STORED[dataset]?.('') ?? '', fromNs, toNs);
      expect(stored).toBeGreaterThan(1000);
      expect(rowsOf(format, r.text)).toBe(stored);
      expect(r.headers['content-disposition']).toContain(`genscope-${dataset}`);
    },
  );

  it('keeps the documented columns and embeds JSON attributes', async () => {
    const csv = await fetchText('/api/v1/export/spans.csv?range=2d&limit=5');
    expect(csvRecords(csv.text)[0]).toEqual([...EXPORT_COLUMNS.spans]);
    const json = await fetchText('/api/v1/export/spans.json?range=2d&limit=5');
    const rows = JSON.parse(json.text) as Record<string, unknown>[];
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0] ?? {})).toEqual([...EXPORT_COLUMNS.spans]);
    expect(typeof rows[0]?.attributes).toBe('object');
  });

  it('applies the same filters as the panels', async () => {
    const filters: [string, string, (string | bigint)[]][] = [
      ['componentType=card', 'AND component_type = ?', ['card']],
      ['model=gpt-4o-mini', 'AND model = ?', ['gpt-4o-mini']],
      ['componentType=card,modal&model=gpt-4o-mini', "AND component_type IN ('card','modal') AND model = ?", ['gpt-4o-mini']],
    ];
    for (const dataset of EXPORT_DATASETS) {
      for (const [qs, sql, params] of filters) {
        const r = await fetchText(`/api/v1/export/${dataset}.ndjson?range=2d&${qs}`);
        const stored = count(w.db, STORED[dataset]?.(sql) ?? '', fromNs, toNs, ...params);
        expect({ dataset, qs, n: rowsOf('ndjson', r.text) }).toEqual({ dataset, qs, n: stored });
      }
    }
    const bench = w.fixture.benchmarkRuns[1] ?? '';
    const r = await fetchText(`/api/v1/export/runs.csv?range=2d&benchmarkRun=${bench}`);
    expect(rowsOf('csv', r.text)).toBe(count(w.db, "SELECT count(*) AS n FROM span_view WHERE role = 'run' AND benchmark_run_id = ?", bench));
  });

  it('pages through chunks without losing or repeating rows', async () => {
    const r = await fetchText('/api/v1/export/spans.ndjson?range=2d');
    const ids = r.text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    const limited = await fetchText('/api/v1/export/spans.ndjson?range=2d&limit=2500');
    expect(rowsOf('ndjson', limited.text)).toBe(2500);
  });

  it('answers an empty window with a header or an empty array', async () => {
    const csv = await fetchText('/api/v1/export/runs.csv?from=2000-01-01&to=2000-01-02');
    expect(csvRecords(csv.text)).toEqual([[...EXPORT_COLUMNS.runs]]);
    const json = await fetchText('/api/v1/export/runs.json?from=2000-01-01&to=2000-01-02');
    expect(JSON.parse(json.text)).toEqual([]);
  });
});

describe('panel export', () => {
  it.each(PANEL_IDS.map((p) => [p]))('exports %s as csv and json', async (panel) => {
    const csv = await fetchText(`/api/v1/export/panel/${panel}.csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv');
    const records = csvRecords(csv.text);
    expect(records.length).toBeGreaterThan(1);
    const width = records[0]?.length ?? 0;
    expect(width).toBeGreaterThan(1);
    for (const r of records) expect(r).toHaveLength(width);
    const json = await request(w.app).get(`/api/v1/export/panel/${panel}.json`);
    expect(json.status).toBe(200);
    const direct = await request(w.app).get(`/api/v1${PANELS[panel]}`);
    expect(json.body).toEqual(direct.body);
  });

  it('takes the panel query parameters and validates them', async () => {
    const ok = await fetchText('/api/v1/export/panel/cost-breakdown.csv?groupBy=model');
    expect(csvRecords(ok.text)[0]?.[0]).toBe('groups');
    const bad = await request(w.app).get('/api/v1/export/panel/cost-breakdown.csv?groupBy=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('groupBy');
  });
});

describe('CSV cells a spreadsheet would evaluate', () => {
  const HOSTILE = ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'];

  it('are prefixed with a quote in CSV and exact in JSON and NDJSON', async () => {
    const ids = w.db.prepare<[], { span_id: string }>("SELECT span_id FROM span_view WHERE role = 'run' ORDER BY start_ns DESC LIMIT 6").all();
    // Names are shared strings (migration 042): each run gets a string of its own.
    const add = w.db.prepare<[string], { id: number }>("INSERT INTO strings (value, last_ns) VALUES (?, 9e18) RETURNING id");
    const rename = w.db.prepare('UPDATE spans_rows SET name_ref = ? WHERE lower(hex(span_id)) = ?');
    HOSTILE.forEach((name, i) => rename.run(add.get(name)?.id ?? 0, ids[i]?.span_id ?? ''));
    const csv = csvRecords((await fetchText('/api/v1/export/spans.csv?range=2d')).text);
    const nameAt = csv[0]?.indexOf('name') ?? -1;
    const names = new Set(csv.slice(1).map((r) => r[nameAt] ?? ''));
    for (const h of HOSTILE) {
      expect(names.has(`'${h}`)).toBe(true);
      expect(names.has(h)).toBe(false);
    }
    for (const cells of csv.slice(1)) for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
    const json = JSON.parse((await fetchText('/api/v1/export/spans.json?range=2d')).text) as { name: string }[];
    const nd = (await fetchText('/api/v1/export/spans.ndjson?range=2d')).text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { name: string });
    for (const h of HOSTILE) {
      expect(json.some((r) => r.name === h)).toBe(true);
      expect(nd.some((r) => r.name === h)).toBe(true);
    }
  });
});
