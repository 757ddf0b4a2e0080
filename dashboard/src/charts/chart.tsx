/**
 * One uPlot chart: created once when it mounts (or when its series shape changes), then fed with
 * setData; resized with its container (ResizeObserver); destroyed on unmount. A click (not a
 * drag) reports the point under the cursor, which panels turn into a drill-down to the runs. Reports 'drawn' to
 * the readiness registry after a draw that had real data points, never for an empty canvas.
 */
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { buildOptions, hasPoints, sameData, specShapeKey, stackData } from './chart-options';
import type { ChartSpec } from './chart-options';
import { onThemeChange } from '../lib/theme';
import { setViewStatus } from '../lib/ready';
import { pickSeries } from './point-pick';

export interface ChartProps {
  /** Readiness id (the panel's id). */
  readyId: string;
  spec: ChartSpec;
  /** Columnar data: [xs, ys1, ys2, ...] in the order of spec.series. */
  data: uPlot.AlignedData;
  /** Time window to show on a time x axis (epoch ms), so every chart spans the selected range. */
  xRange?: [number, number] | null;
  height: number;
  /** Plugins created by the caller (heatmap, markers); fixed for the chart's life. */
  plugins?: uPlot.Plugin[];
  /** Data considered "has data" when given (e.g. heatmap cells); default: any finite y value. */
  hasData?: boolean;
  /** The data belongs to the previous filters: a draw does not count as drawn. */
  stale?: boolean;
  /** Accessible description of what the chart shows. */
  ariaLabel: string;
  /** Redraw request for plugins whose input changed without new data (alert markers). */
  redrawKey?: unknown;
  /** Called with an x range (epoch ms) when the person drags across a time chart. */
  onSelectRange?: (fromMs: number, toMs: number) => void;
  /** Called on a click (not a drag) on the plot: the data index under the cursor and the series it picked. */
  onPointClick?: (p: PointClick) => void;
}

export interface PointClick {
  /** Data index under the cursor. */
  idx: number;
  /** 0-based index in spec.series of the series picked (nearest line, or the stacked band), or null. */
  seriesIdx: number | null;
  /** x and y values at the click (x in epoch ms on a time axis). */
  xVal: number;
  yVal: number;
}

/** Pointer travel (px) past which a press-and-release is a drag, not a click. */
const CLICK_SLOP_PX = 4;

export function Chart(props: ChartProps) {
  const { spec, height } = props;
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const shapeKey = specShapeKey(spec);
  const fedData = useRef<uPlot.AlignedData | null>(null);

  const plotted = (): uPlot.AlignedData => (latest.current.spec.stacked ? stackData(latest.current.data) : latest.current.data);
  const dataHasPoints = (): boolean => latest.current.hasData ?? hasPoints(latest.current.data);

  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const opts = buildOptions(spec, {
      width: Math.max(50, el.clientWidth),
      height,
      getXRange: () => latest.current.xRange ?? null,
      getRawData: () => latest.current.data,
      plugins: props.plugins,
    });
    opts.hooks = {
      draw: [
        () => {
          if (!latest.current.stale && dataHasPoints()) setViewStatus(latest.current.readyId, 'drawn', 'chart');
        },
      ],
      setSelect: [
        (u: uPlot) => {
          const cb = latest.current.onSelectRange;
          if (!cb || u.select.width < 4) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          cb(Math.round(a), Math.round(b));
        },
      ],
    };
    if (spec.x.kind === 'time' && props.onSelectRange) {
      opts.cursor = { ...opts.cursor, drag: { x: true, y: false, setScale: false } };
    }
    const data = plotted();
    fedData.current = latest.current.data;
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(50, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: latest.current.height });
    });
    ro.observe(el);
    // Drill-down: a click picks the point under the cursor; a drag (zoom) does not count.
    let down: { x: number; y: number } | null = null;
    const onDown = (e: MouseEvent): void => {
      down = { x: e.clientX, y: e.clientY };
    };
    const onClick = (e: MouseEvent): void => {
      const cb = latest.current.onPointClick;
      if (!cb || (down && Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_SLOP_PX)) return;
      const idx = u.cursor.idx;
      const left = u.cursor.left ?? -1;
      const top = u.cursor.top ?? -1;
      if (idx == null || left < 0 || top < 0) return;
      const yVal = u.posToVal(top, 'y');
      const values = u.series.slice(1).map((sr, i) => (sr.show === false ? null : ((u.data[i + 1] as (number | null | undefined)[] | undefined)?.[idx] ?? null)));
      cb({ idx, seriesIdx: pickSeries(values, yVal, latest.current.spec.stacked === true), xVal: u.posToVal(left, 'x'), yVal });
    };
    u.over.addEventListener('mousedown', onDown);
    u.over.addEventListener('click', onClick);
    if (props.onPointClick) u.over.classList.add('gs-clickable');
    const offTheme = onThemeChange(() => u.redraw(false, true));
    return () => {
      u.over.removeEventListener('mousedown', onDown);
      u.over.removeEventListener('click', onClick);
      offTheme();
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The plot is rebuilt only when its shape changes; everything else is fed through refs.
  }, [shapeKey]);

  // New data: feed the existing plot. The same numbers again (a re-render, or a refetch that
  // changed nothing) are not fed (setData redraws), but the plot shows them: drawn for this answer.
  const mounted = useRef(false);
  useEffect(() => {
    const u = plot.current;
    const first = !mounted.current;
    mounted.current = true;
    if (!u || first) return;
    if (sameData(fedData.current, props.data)) {
      if (!props.stale && dataHasPoints()) setViewStatus(props.readyId, 'drawn', 'chart');
      return;
    }
    fedData.current = props.data;
    u.setData(plotted());
  }, [props.data]);

  useEffect(() => {
    const u = plot.current;
    if (u && u.height !== height) u.setSize({ width: u.width, height });
  }, [height]);

  useEffect(() => {
    // A new window (live tick) or new markers without new data: rescale and redraw.
    const u = plot.current;
    if (!u) return;
    const r = props.xRange;
    if (r && spec.x.kind === 'time') u.setScale('x', { min: r[0], max: r[1] });
    else u.redraw(false);
  }, [props.xRange?.[0], props.xRange?.[1], props.redrawKey]);

  return <div class="gs-chart" ref={container} role="figure" aria-label={props.ariaLabel} />;
}
