/**
 * Which series a click on a chart meant, from the plotted values at the clicked x: the nearest
 * line, or for stacked series the band the click fell in. Pure, so it is tested without a canvas.
 */

/**
 * Index (0-based, in series order) of the series a click at value `y` picks among `values` (the
 * plotted values at the clicked x; null where a series has none), or null when none has a value.
 * Stacked values are cumulative with series 0 on top (see stackData): the band of series s runs
 * from the next visible value below it (or 0) up to values[s].
 */
export function pickSeries(values: readonly (number | null | undefined)[], y: number, stacked: boolean): number | null {
  if (stacked) {
    for (let s = values.length - 1; s >= 0; s--) {
      const v = values[s];
      if (v != null && y <= v) return s;
    }
    // Above the top of the stack: the top band.
    for (let s = 0; s < values.length; s++) if (values[s] != null) return s;
    return null;
  }
  let best: number | null = null;
  let dist = Infinity;
  values.forEach((v, s) => {
    if (v == null || !Number.isFinite(v)) return;
    const d = Math.abs(v - y);
    if (d < dist) {
      dist = d;
      best = s;
    }
  });
  return best;
}

/** [start, end) of time bucket idx: the next bucket's start, else the bucket size, else one step like the previous. */
export function bucketBounds(t: readonly number[], idx: number, bucketMs: number | null): [number, number] | null {
  const start = t[idx];
  if (start == null) return null;
  if (bucketMs != null && bucketMs > 0) return [start, start + bucketMs];
  const next = t[idx + 1];
  if (next != null && next > start) return [start, next];
  const prev = t[idx - 1];
  if (prev != null && prev < start) return [start, start + (start - prev)];
  return [start, start + 60_000];
}
