/** Time axis of the span waterfall (pure, unit-tested). */

/** Tick positions (ms) for a time axis of `totalMs`: 4-6 round steps. */
export function waterfallTicks(totalMs: number): number[] {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / 5;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= totalMs + 1e-9; v += step) out.push(v);
  return out;
}
