/**
 * analysis/: pure statistics on plain arrays (no I/O, no clock, nothing of ours imported).
 * Percentiles and trends for the panels, two-sample tests and spike rules for alerts and the CI
 * gate, change scans for history, month-end projection and budget runway for cost.
 */
export {
  mean,
  variance,
  standardDeviation,
  median,
  medianAbsoluteDeviation,
  percentile,
  percentiles,
  quantileSorted,
  rollingMean,
  linearTrend,
} from './descriptive';
export type { LinearTrend, RollingMeanOptions } from './descriptive';
export { logGamma, regularizedIncompleteBeta, studentTCdf, erfc, normalCdf } from './distributions';
export { welchTTest, mannWhitneyU, twoProportionTest, compareSamples, holmSignificant } from './two-sample';
export type {
  Alternative,
  WelchResult,
  MannWhitneyResult,
  ProportionTestResult,
  SampleTest,
  CompareSamplesOptions,
  CompareSamplesResult,
} from './two-sample';
export { MAD_TO_SIGMA, robustZScore, detectSpike, iqrFences } from './spikes';
export type { RobustZ, RobustZOptions, SpikeOptions, SpikeResult, IqrFences } from './spikes';
export { scanLevelShifts, scanSpikes } from './change-points';
export type { ShiftDirection, LevelShiftOptions, LevelShift, SpikeScanOptions, SpikeEpisode } from './change-points';
export { DAY_MILLIS, utcDay, dayStartMillis, projectMonthEnd, budgetRunway } from './projection';
export type { DailySpend, ProjectMonthEndOptions, MonthEndProjection, BudgetRunwayOptions, BudgetRunway } from './projection';
export { findOpportunities, DEFAULT_OPPORTUNITY_OPTIONS } from './opportunities';
export type { ModelStats, TypeStats, Opportunity, OpportunityOptions } from './opportunities';
