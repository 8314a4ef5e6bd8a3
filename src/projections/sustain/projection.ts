import { defineProjection } from '../runtime/projection.ts';
import { sustainDecisions, type SustainDecisionRow } from './table.ts';

/** Every decision of the self-sustaining loop, as it was taken (see the table); a row never changes. */
export const sustainProjection = defineProjection({
  name: 'sustain_decisions',
  table: sustainDecisions,
  idColumn: 'seq',
  handles: ['sustain.assessed', 'sustain.compared'],
  keyOf: (e) => String(e.seq),
  evolve(current: SustainDecisionRow | null, e): SustainDecisionRow | null {
    if (current) return current;
    const base = { seq: String(e.seq), at: e.time } as const;
    switch (e.type) {
      case 'sustain.assessed':
        return {
          ...base,
          plotType: e.data.plotType,
          kind: 'assessed',
          modelId: e.data.modelId,
          championId: null,
          status: e.data.status,
          why: e.data.why,
          trainingId: e.data.trainingId ?? null,
          evidence: e.data.evidence,
          comparison: null,
        };
      case 'sustain.compared':
        return {
          ...base,
          plotType: e.data.plotType,
          kind: 'compared',
          modelId: e.data.challengerId,
          championId: e.data.championId,
          status: e.data.outcome,
          why: e.data.why,
          trainingId: e.data.trainingId,
          evidence: null,
          comparison: e.data,
        };
      default:
        return null;
    }
  },
});
