/**
 * The precision every engine states for its percentiles (ResponseMeta.percentiles): exact when
 * computed from raw durations, otherwise the relative error bound of the latency sketch codec
 * (store/histogram.ts; ClickHouse: its quantilesDD accuracy), taken from the codec's own constant,
 * never written down twice.
 */
import { SKETCH_RELATIVE_ERROR } from './histogram';
import type { PercentilePrecision } from '../schema/api';

/** `relativeError`: the bound of the engine's sketch (default this store's codec). */
export function percentilePrecision(exact: boolean, relativeError: number = SKETCH_RELATIVE_ERROR): PercentilePrecision {
  return exact ? { method: 'exact' } : { method: 'sketch', relativeError: Math.round(relativeError * 1e6) / 1e6 };
}
