/**
 * Latency heatmap as a uPlot plugin: time buckets on x, log-spaced latency buckets on y, one
 * rectangle per non-empty cell, coloured by count on a log scale. The plot itself carries no
 * visible series; the plugin draws the cells after the axes and answers the cursor with the
 * exact cell (time bucket, latency range, count). Geometry and colour are plain functions,
 * unit-tested without a canvas.
 */
import type uPlot from 'uplot';
import { placeTooltip } from './tooltip-plugin';

export interface HeatmapGrid {
  /** Start of each time bucket, epoch ms. */
  t: readonly number[];
  /** Width of a time bucket, ms. */
  bucketMs: number;
  /** Latency bucket edges, ms, ascending (length = latency buckets + 1). */
  edgesMs: readonly number[];
  /** counts[i][j]: spans in time bucket i with latency in [edgesMs[j], edgesMs[j+1]). */
  counts: readonly (readonly number[])[];
  maxCount: number;
}

/** Lowest latency drawn on a log axis when the first edge is 0. */
const MIN_LOG_MS = 0.01;

/** Latency range (ms) that holds every non-empty cell, for the log y scale; null when empty. */
export function heatmapLatencyRange(g: HeatmapGrid): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of g.counts) {
    for (let j = 0; j < row.length; j++) {
      if ((row[j] ?? 0) > 0) {
        if (j < lo) lo = j;
        if (j > hi) hi = j;
      }
    }
  }
  if (!Number.isFinite(lo)) return null;
  const low = g.edgesMs[lo] ?? MIN_LOG_MS;
  const high = g.edgesMs[hi + 1] ?? g.edgesMs[g.edgesMs.length - 1] ?? low * 10;
  // Bucket 0 starts at 0 ms: show it from a tenth of its upper edge.
  const lowPos = low > 0 ? low : Math.max(MIN_LOG_MS, (g.edgesMs[lo + 1] ?? 1) / 10);
  return [lowPos, Math.max(high, lowPos * 1.5)];
}

export function heatmapHasData(g: HeatmapGrid | null): boolean {
  return g != null && g.maxCount > 0 && heatmapLatencyRange(g) != null;
}

const RAMP = [
  [37, 99, 235], // blue
  [124, 58, 237], // violet
  [219, 39, 119], // pink
  [249, 115, 22], // orange
  [250, 204, 21], // yellow
] as const;

/** Colour of a cell with `count` (> 0) when the busiest cell holds `max`: log scale, low = faint blue. */
export function heatmapColor(count: number, max: number): string {
  const f = max <= 1 ? 1 : Math.log(count) / Math.log(max);
  const x = Math.min(1, Math.max(0, f)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const k = x - i;
  const a = RAMP[i] as readonly number[];
  const b = RAMP[i + 1] as readonly number[];
  const c = (n: number): number => Math.round((a[n] as number) + ((b[n] as number) - (a[n] as number)) * k);
  const alpha = 0.35 + 0.65 * Math.min(1, Math.max(0, f * 1.5));
  return `rgba(${c(0)}, ${c(1)}, ${c(2)}, ${alpha.toFixed(3)})`;
}

/** The cell under (xMs, yMs), or null. */
export function heatmapCellAt(g: HeatmapGrid, xMs: number, yMs: number): { i: number; j: number; count: number } | null {
  // t is ascending; binary search the last bucket starting at or before xMs.
  let lo = 0;
  let hi = g.t.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((g.t[mid] as number) <= xMs) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (i < 0 || xMs >= (g.t[i] as number) + g.bucketMs) return null;
  let j = -1;
  for (let k = 0; k < g.edgesMs.length - 1; k++) {
    if (yMs >= (g.edgesMs[k] as number) && yMs < (g.edgesMs[k + 1] as number)) {
      j = k;
      break;
    }
  }
  if (j < 0) return null;
  return { i, j, count: g.counts[i]?.[j] ?? 0 };
}

export interface HeatmapTooltipFormat {
  time(ms: number): string;
  latency(ms: number): string;
  count(n: number): string;
}

/**
 * The plugin. `getGrid` returns the grid currently shown; the chart swaps what it returns and
 * calls setData with the grid's time buckets. Cells are drawn in the `draw` hook (after grid and
 * axes), and the plugin keeps its own tooltip: the cell under the cursor with its exact count.
 */
export function latencyHeatmapPlugin(getGrid: () => HeatmapGrid | null, fmt: HeatmapTooltipFormat): uPlot.Plugin {
  let tip: HTMLDivElement | null = null;
  const hide = (): void => {
    if (tip) tip.style.display = 'none';
  };
  return {
    hooks: {
      init: (u: uPlot) => {
        tip = document.createElement('div');
        tip.className = 'gs-tooltip';
        tip.setAttribute('role', 'tooltip');
        tip.style.display = 'none';
        u.over.appendChild(tip);
        u.over.addEventListener('mouseleave', hide);
      },
      draw: (u: uPlot) => {
        const g = getGrid();
        if (!g || g.maxCount <= 0) return;
        const ctx = u.ctx;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        for (let i = 0; i < g.t.length; i++) {
          const row = g.counts[i];
          if (!row) continue;
          const t0 = g.t[i] as number;
          const x0 = Math.round(u.valToPos(t0, 'x', true));
          const x1 = Math.round(u.valToPos(t0 + g.bucketMs, 'x', true));
          if (x1 < left || x0 > left + width) continue;
          for (let j = 0; j < row.length; j++) {
            const c = row[j] ?? 0;
            if (c <= 0) continue;
            const lowEdge = (g.edgesMs[j] as number) > 0 ? (g.edgesMs[j] as number) : MIN_LOG_MS;
            const y0 = Math.round(u.valToPos(lowEdge, 'y', true));
            const y1 = Math.round(u.valToPos(g.edgesMs[j + 1] ?? lowEdge * 2, 'y', true));
            ctx.fillStyle = heatmapColor(c, g.maxCount);
            // One device pixel of spacing keeps neighbouring cells distinguishable.
            ctx.fillRect(x0, y1, Math.max(1, x1 - x0 - 1), Math.max(1, y0 - y1 - 1));
          }
        }
        ctx.restore();
      },
      setCursor: (u: uPlot) => {
        const g = getGrid();
        const left = u.cursor.left ?? -1;
        const top = u.cursor.top ?? -1;
        if (!tip || !g || left < 0 || top < 0) return hide();
        const cell = heatmapCellAt(g, u.posToVal(left, 'x'), u.posToVal(top, 'y'));
        if (!cell) return hide();
        const t0 = g.t[cell.i] as number;
        tip.replaceChildren();
        const title = document.createElement('div');
        title.className = 'gs-tooltip-title';
        title.textContent = `${fmt.time(t0)} – ${fmt.time(t0 + g.bucketMs)}`;
        const row = document.createElement('div');
        row.className = 'gs-tooltip-row';
        row.textContent = `latency ${fmt.latency(g.edgesMs[cell.j] as number)} – ${fmt.latency(g.edgesMs[cell.j + 1] as number)}`;
        const cnt = document.createElement('div');
        cnt.className = 'gs-tooltip-row';
        const strong = document.createElement('strong');
        strong.textContent = fmt.count(cell.count);
        cnt.append(strong, document.createTextNode(cell.count === 1 ? ' span' : ' spans'));
        tip.append(title, row, cnt);
        tip.style.display = 'block';
        const W = u.over.clientWidth;
        const H = u.over.clientHeight;
        const { x, y } = placeTooltip(left, top, tip.offsetWidth, tip.offsetHeight, W, H);
        tip.style.transform = `translate(${x}px, ${y}px)`;
      },
      destroy: (u: uPlot) => {
        u.over.removeEventListener('mouseleave', hide);
        tip?.remove();
        tip = null;
      },
    },
  };
}
