/**
 * Event markers on time charts: a dashed vertical line per event (alerts: degradation, cost spike)
 * and a small flag at the top whose title tells what happened. Markers outside the x range are
 * skipped. `getMarkers` is read on every draw, so new alerts appear with the next redraw.
 */
import type uPlot from 'uplot';

export interface ChartMarker {
  timeMs: number;
  color: string;
  /** Shown as the flag's tooltip and accessible name. */
  label: string;
}

export function markersPlugin(getMarkers: () => readonly ChartMarker[]): uPlot.Plugin {
  let layer: HTMLDivElement | null = null;
  return {
    hooks: {
      init: (u: uPlot) => {
        layer = document.createElement('div');
        layer.className = 'gs-markers';
        u.over.appendChild(layer);
      },
      draw: (u: uPlot) => {
        const markers = getMarkers();
        if (layer) layer.replaceChildren();
        if (markers.length === 0) return;
        const xMin = u.scales.x?.min ?? -Infinity;
        const xMax = u.scales.x?.max ?? Infinity;
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        for (const m of markers) {
          if (m.timeMs < xMin || m.timeMs > xMax) continue;
          const x = Math.round(u.valToPos(m.timeMs, 'x', true)) + 0.5;
          ctx.strokeStyle = m.color;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          if (layer) {
            const flag = document.createElement('div');
            flag.className = 'gs-marker-flag';
            flag.style.left = `${u.valToPos(m.timeMs, 'x')}px`;
            flag.style.borderTopColor = m.color;
            flag.title = m.label;
            flag.setAttribute('aria-label', m.label);
            flag.setAttribute('role', 'img');
            layer.appendChild(flag);
          }
        }
        ctx.restore();
      },
      destroy: () => {
        layer?.remove();
        layer = null;
      },
    },
  };
}
