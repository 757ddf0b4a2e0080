/**
 * The precision every engine states for its percentiles (ResponseMeta.percentiles): exact when
 * computed from raw durations, otherwise the relative error bound of the latency sketch codec
 * (store/histogram.ts), taken from the codec's own constant, never written down twice.
 */
import { SKETCH_RELATIVE_ERROR } from './histogram';
import type { PercentilePrecision } from '../schema/api';

export function percentilePrecision(exact: boolean): PercentilePrecision {
  return exact ? { method: 'exact' } : { method: 'sketch', relativeError: Math.round(SKETCH_RELATIVE_ERROR * 1e6) / 1e6 };
}
