/**
 * pipeline/README.md lists every attribute name the convention mapping modules read: each
 * `<NAMESPACE>.<key>` a module uses (schema/names.ts) must appear in the table, with that module.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as names from '../../schema/names';

const MODULES = ['otel-genai', 'openinference', 'openllmetry', 'vercel-ai', 'langfuse', 'read', 'index'];
/** Namespaces of attribute names (AGENT_OPERATION and OPERATION hold operation values, not names). */
const NAMESPACES = ['GEN_AI', 'FOREIGN', 'OTEL_GENAI_IN', 'OPENINFERENCE', 'OPENLLMETRY', 'VERCEL_AI', 'LANGFUSE', 'ATTR', 'EXCEPTION'];

function namesRead(module: string): string[] {
  const src = fs.readFileSync(path.join(__dirname, `${module}.ts`), 'utf8');
  const out = new Set<string>();
  for (const m of src.matchAll(/\b([A-Z_]+)\.([a-zA-Z0-9]+)\b/g)) {
    const [, ns, key] = m;
    if (!ns || !key || !NAMESPACES.includes(ns)) continue;
    const value = (names as unknown as Record<string, Record<string, unknown>>)[ns]?.[key];
    if (typeof value === 'string') out.add(value);
  }
  return [...out];
}

function table(): Map<string, string[]> {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'pipeline', 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- convention-names:start -->');
  const end = readme.indexOf('<!-- convention-names:end -->');
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, string[]>();
  for (const line of readme.slice(start, end).split('\n')) {
    const m = /^\| `([^`]+)` \| ([^|]+) \|$/.exec(line.trim());
    if (m?.[1] && m[2]) rows.set(m[1], m[2].split(',').map((s) => s.trim()));
  }
  return rows;
}

describe('pipeline/README.md names table', () => {
  const rows = table();
  it.each(MODULES)('lists every name %s reads, under that module', (module) => {
    const read = namesRead(module);
    const missing = read.filter((n) => !(rows.get(n) ?? []).includes(module));
    expect(missing).toEqual([]);
  });

  it('lists no name that no module reads', () => {
    const all = new Set(MODULES.flatMap(namesRead));
    expect([...rows.keys()].filter((n) => !all.has(n))).toEqual([]);
    expect(rows.size).toBeGreaterThan(0);
  });
});
