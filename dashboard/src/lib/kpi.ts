/** KPI semantics: whether a change is good or bad for a KPI (pure, unit-tested). */

/** 'good' when the change goes the KPI's better way, 'bad' the other way, 'flat' under 0.5 % or when direction does not matter. */
export function changeTone(change: number | null | undefined, better: 'up' | 'down' | 'neutral'): 'good' | 'bad' | 'flat' {
  if (change == null || better === 'neutral' || Math.abs(change) < 0.005) return 'flat';
  const up = change > 0;
  return (better === 'up') === up ? 'good' : 'bad';
}
