/**
 * Consistent colours: one colour per model, per stage, per component type, per cost operation,
 * per percentile, the same on every chart, table and legend. Stages and operations of the
 * reference pipeline have fixed colours; other names get the next free palette slot in the
 * order the filter options list them (sorted), so a name keeps its colour across panels.
 * The palette is mid-saturation so it reads on both the light and the dark theme.
 */

export const PALETTE = [
  '#3b82f6', // blue
  '#f59e0b', // amber
  '#10b981', // emerald
  '#ef4444', // red
  '#8b5cf6', // violet
  '#06b6d4', // cyan
  '#ec4899', // pink
  '#84cc16', // lime
  '#f97316', // orange
  '#a0785a', // brown
  '#64748b', // slate
  '#c026d3', // fuchsia
] as const;

export type ColorKind = 'model' | 'stage' | 'type' | 'operation' | 'series';

const FIXED: Record<ColorKind, Record<string, string>> = {
  model: {},
  stage: { classify: '#3b82f6', map: '#8b5cf6', generate: '#f59e0b', validate: '#10b981', '(run)': '#64748b' },
  type: {},
  operation: {
    embedding: '#06b6d4',
    embeddings: '#06b6d4',
    generation: '#f59e0b',
    chat: '#f59e0b',
    text_completion: '#f97316',
    validation: '#10b981',
    other: '#64748b',
  },
  series: {
    p50: '#10b981',
    p95: '#f59e0b',
    p99: '#ef4444',
    success: '#10b981',
    errors: '#ef4444',
    pixel: '#3b82f6',
    structural: '#8b5cf6',
    semantic: '#f97316',
    quality: '#10b981',
    budget: '#ef4444',
    projection: '#a855f7',
    actual: '#3b82f6',
  },
};

const assigned: Record<ColorKind, Map<string, string>> = {
  model: new Map(),
  stage: new Map(),
  type: new Map(),
  operation: new Map(),
  series: new Map(),
};

function hashIndex(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % PALETTE.length;
}

/**
 * Fixes the colours of a kind from the full, sorted list of its values (the filter options), so
 * that colours do not depend on which subset a chart happens to show.
 */
export function registerColorOrder(kind: ColorKind, names: readonly string[]): void {
  const fixed = FIXED[kind];
  const used = new Set(Object.values(fixed));
  const map = assigned[kind];
  map.clear();
  let slot = 0;
  for (const name of names) {
    if (fixed[name]) continue;
    // Prefer palette slots no fixed colour of this kind uses, then wrap around.
    while (slot < PALETTE.length && used.has(PALETTE[slot] as string)) slot++;
    const color = slot < PALETTE.length ? (PALETTE[slot] as string) : (PALETTE[hashIndex(name)] as string);
    slot++;
    map.set(name, color);
  }
}

export function colorFor(kind: ColorKind, name: string): string {
  return FIXED[kind][name] ?? assigned[kind].get(name) ?? (PALETTE[hashIndex(name)] as string);
}

/** `#rrggbb` with an alpha, for area fills. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1] as string, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
