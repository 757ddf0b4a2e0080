/**
 * Test support for the contract suite: how two stores' answers are compared (numbers with a
 * tolerance chosen by path, everything else equal) and what of a panel's meta is the engine's
 * business.
 */
/** Differences between two JSON values, numbers compared with a tolerance chosen by path. */
export function differences(
  a: unknown,
  b: unknown,
  tol: (path: string) => number,
  path = '$',
  out: string[] = [],
): string[] {
  if (out.length > 20) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    const t = tol(path);
    if (Math.abs(a - b) > t * Math.max(1, Math.abs(a), Math.abs(b)) + 1e-9)
      out.push(`${path}: sqlite ${a} clickhouse ${b}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: length ${a.length} vs ${b.length}`);
    else a.forEach((x, i) => differences(x, b[i], tol, `${path}[${i}]`, out));
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        tol,
        `${path}.${k}`,
        out,
      );
    return out;
  }
  if (a !== b) out.push(`${path}: sqlite ${JSON.stringify(a)} clickhouse ${JSON.stringify(b)}`);
  return out;
}

/** Which store read rollups or raw rows and whether percentiles were exact is the engine's business. */
export function withoutEngineMeta(x: object): object {
  const copy = JSON.parse(JSON.stringify(x)) as { meta?: Record<string, unknown> };
  if (copy.meta) {
    delete copy.meta.source;
    delete copy.meta.exact;
  }
  return copy;
}


/** A JSON value's shape: object keys (sorted) and value types, recursively; an array by its first item. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return v === null ? 'null' : typeof v;
}
