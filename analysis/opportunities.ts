/**
 * Cost-saving opportunities: for each component type, the model that ran it most (the current
 * one) against every other model that is cheaper per run and whose quality on that type is
 * within a tolerance of the current model's on every score. Pure: the API feeds it per-type
 * statistics from the rollups.
 */

export interface ModelStats {
  model: string;
  /** Mean per score name (0..1); null when the model has no such score on the type. */
  quality: Readonly<Record<string, number | null>>;
  /** Scored runs: the smallest count over the scores. */
  samples: number;
  /** Model cost of the runs, USD. */
  costUsd: number;
  runs: number;
}

export interface TypeStats {
  componentType: string;
  models: readonly ModelStats[];
}

export interface Opportunity {
  componentType: string;
  currentModel: string;
  candidateModel: string;
  /** candidate - current per score (negative: the candidate is worse). */
  qualityDelta: Record<string, number>;
  /** The worst of the deltas. */
  worstDelta: number;
  currentCostPerRunUsd: number;
  candidateCostPerRunUsd: number;
  /** Runs of the current model on the type in the window. */
  currentRuns: number;
  /** (current - candidate) cost per run x the current model's runs. */
  savingsUsd: number;
  /** Saving as a share of the current cost per run. */
  savingsShare: number;
}

export interface OpportunityOptions {
  /** Largest allowed quality drop per score (absolute, on 0..1). */
  tolerance: number;
  /** Models with fewer scored runs on a type are not trusted either way. */
  minSamples: number;
}

export const DEFAULT_OPPORTUNITY_OPTIONS: OpportunityOptions = { tolerance: 0.02, minSamples: 20 };

export function findOpportunities(
  types: readonly TypeStats[],
  opts: OpportunityOptions = DEFAULT_OPPORTUNITY_OPTIONS,
): Opportunity[] {
  const out: Opportunity[] = [];
  for (const t of types) {
    const usable = t.models.filter((m) => m.runs > 0 && m.samples >= opts.minSamples);
    if (usable.length < 2) continue;
    const current = usable.reduce((a, b) => (b.runs > a.runs ? b : a));
    const currentCpr = current.costUsd / current.runs;
    for (const cand of usable) {
      if (cand === current) continue;
      const cpr = cand.costUsd / cand.runs;
      if (!(cpr < currentCpr)) continue;
      const deltas: Record<string, number> = {};
      let comparable = true;
      let worst = Infinity;
      for (const [score, curVal] of Object.entries(current.quality)) {
        if (curVal == null) continue;
        const v = cand.quality[score];
        // Unknown quality on a score the current model has: not comparable.
        if (v == null) {
          comparable = false;
          break;
        }
        const d = v - curVal;
        deltas[score] = d;
        worst = Math.min(worst, d);
        if (d < -opts.tolerance) comparable = false;
      }
      if (!comparable || !Number.isFinite(worst)) continue;
      out.push({
        componentType: t.componentType,
        currentModel: current.model,
        candidateModel: cand.model,
        qualityDelta: deltas,
        worstDelta: worst,
        currentCostPerRunUsd: currentCpr,
        candidateCostPerRunUsd: cpr,
        currentRuns: current.runs,
        savingsUsd: (currentCpr - cpr) * current.runs,
        savingsShare: currentCpr > 0 ? (currentCpr - cpr) / currentCpr : 0,
      });
    }
  }
  return out.sort((a, b) => b.savingsUsd - a.savingsUsd);
}
