/**
 * Cost-saving opportunities: for each component type, the model used most (the "current" one)
 * against every other model whose quality on that type is within a tolerance on every score
 * and whose cost per call is lower. Pure, so the rule is unit-tested; the panel feeds it the
 * per-type quality and cost breakdowns.
 */

export interface ModelStats {
  model: string;
  /** Mean per score name (0..1), null when the model has no such score. */
  quality: Readonly<Record<string, number | null>>;
  /** Number of scored runs (the smallest count over the scores). */
  samples: number;
  costUsd: number;
  calls: number;
}

export interface TypeStats {
  componentType: string;
  models: readonly ModelStats[];
}

export interface Opportunity {
  componentType: string;
  currentModel: string;
  candidateModel: string;
  /** candidate - current per score (negative = candidate is worse). */
  qualityDelta: Record<string, number>;
  /** The worst of the deltas, for sorting and display. */
  worstDelta: number;
  currentCostPerCall: number;
  candidateCostPerCall: number;
  /** (current - candidate) per call x current calls in the window. */
  savingsUsd: number;
  savingsShare: number;
}

export interface OpportunityOptions {
  /** Allowed quality drop per score (absolute, on 0..1). */
  tolerance: number;
  /** Models with fewer scored runs on a type are not trusted either way. */
  minSamples: number;
}

export const DEFAULT_OPPORTUNITY_OPTIONS: OpportunityOptions = { tolerance: 0.02, minSamples: 20 };

export function findOpportunities(types: readonly TypeStats[], opts: OpportunityOptions = DEFAULT_OPPORTUNITY_OPTIONS): Opportunity[] {
  const out: Opportunity[] = [];
  for (const t of types) {
    const usable = t.models.filter((m) => m.calls > 0 && m.samples >= opts.minSamples);
    if (usable.length < 2) continue;
    const current = usable.reduce((a, b) => (b.calls > a.calls ? b : a));
    const curCpc = current.costUsd / current.calls;
    for (const cand of usable) {
      if (cand === current) continue;
      const cpc = cand.costUsd / cand.calls;
      if (!(cpc < curCpc)) continue;
      const deltas: Record<string, number> = {};
      let ok = true;
      let worst = Infinity;
      for (const [score, curVal] of Object.entries(current.quality)) {
        if (curVal == null) continue;
        const v = cand.quality[score];
        if (v == null) {
          ok = false; // unknown quality on a score the current model has: not comparable
          break;
        }
        const d = v - curVal;
        deltas[score] = d;
        worst = Math.min(worst, d);
        if (d < -opts.tolerance) ok = false;
      }
      if (!ok || !Number.isFinite(worst)) continue;
      const savings = (curCpc - cpc) * current.calls;
      out.push({
        componentType: t.componentType,
        currentModel: current.model,
        candidateModel: cand.model,
        qualityDelta: deltas,
        worstDelta: worst,
        currentCostPerCall: curCpc,
        candidateCostPerCall: cpc,
        savingsUsd: savings,
        savingsShare: curCpc > 0 ? (curCpc - cpc) / curCpc : 0,
      });
    }
  }
  return out.sort((a, b) => b.savingsUsd - a.savingsUsd);
}
