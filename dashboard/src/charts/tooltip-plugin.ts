/**
 * Cursor tooltip: exact values of every visible series at the hovered x, with units, in a small
 * box that follows the cursor and stays inside the plot. Values come from `rawData` when the plot
 * shows transformed data (stacked series), so the tooltip tells the real numbers.
 */
import type uPlot from 'uplot';

export interface TooltipOptions {
  /** Header line for data index idx (usually the formatted x value). */
  title(u: uPlot, idx: number): string;
  /** Formatted value of series s at idx, or null to leave the series out. */
  value(u: uPlot, seriesIdx: number, idx: number): string | null;
  /** Optional extra line under the values (e.g. a total). */
  footer?(u: uPlot, idx: number): string | null;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/** Places a box of size (w, h) near (left, top) inside a (W, H) area, flipping sides as needed. */
export function placeTooltip(left: number, top: number, w: number, h: number, W: number, H: number): { x: number; y: number } {
  const GAP = 12;
  let x = left + GAP;
  if (x + w > W) x = left - GAP - w;
  if (x < 0) x = Math.max(0, Math.min(W - w, left - w / 2));
  let y = top + GAP;
  if (y + h > H) y = top - GAP - h;
  if (y < 0) y = 0;
  return { x, y };
}

export function tooltipPlugin(opts: TooltipOptions): uPlot.Plugin {
  let box: HTMLDivElement | null = null;

  function hide(): void {
    if (box) box.style.display = 'none';
  }

  return {
    hooks: {
      init: (u: uPlot) => {
        box = el('div', 'gs-tooltip');
        box.setAttribute('role', 'tooltip');
        box.style.display = 'none';
        u.over.appendChild(box);
        u.over.addEventListener('mouseleave', hide);
      },
      setCursor: (u: uPlot) => {
        if (!box) return;
        const idx = u.cursor.idx;
        const left = u.cursor.left ?? -1;
        const top = u.cursor.top ?? -1;
        if (idx == null || left < 0) return hide();
        box.replaceChildren();
        box.appendChild(el('div', 'gs-tooltip-title', opts.title(u, idx)));
        let rows = 0;
        for (let s = 1; s < u.series.length; s++) {
          const series = u.series[s];
          if (!series || series.show === false) continue;
          const v = opts.value(u, s, idx);
          if (v == null) continue;
          const row = el('div', 'gs-tooltip-row');
          const sw = el('span', 'gs-swatch');
          const stroke = series.stroke;
          sw.style.background = typeof stroke === 'function' ? String(stroke(u, s)) : String(stroke ?? '#888');
          row.append(sw, el('span', 'gs-tooltip-label', typeof series.label === 'string' ? series.label : `series ${s}`), el('span', 'gs-tooltip-value', v));
          box.appendChild(row);
          rows++;
        }
        const footer = opts.footer?.(u, idx);
        if (footer) box.appendChild(el('div', 'gs-tooltip-footer', footer));
        if (rows === 0 && !footer) return hide();
        box.style.display = 'block';
        const W = u.over.clientWidth;
        const H = u.over.clientHeight;
        const { x, y } = placeTooltip(left, top, box.offsetWidth, box.offsetHeight, W, H);
        box.style.transform = `translate(${x}px, ${y}px)`;
      },
      destroy: (u: uPlot) => {
        u.over.removeEventListener('mouseleave', hide);
        box?.remove();
        box = null;
      },
    },
  };
}
