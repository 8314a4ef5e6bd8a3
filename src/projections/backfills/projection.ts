import { outcomeOf } from '../../verdicts/semantics.ts';
import { defineProjection } from '../runtime/projection.ts';
import { backfills, backfillVerdicts, type BackfillRow, type BackfillVerdictRow } from './table.ts';

const final = (r: BackfillRow) => r.status === 'completed' || r.status === 'failed';

/** Every backfill with where it stands: requested, running (how many arrivals done of how many), its outcome. */
export const backfillsProjection = defineProjection({
  name: 'backfills',
  table: backfills,
  idColumn: 'backfillId',
  handles: ['backfill.requested', 'backfill.started', 'backfill.verdicts', 'backfill.completed', 'backfill.failed'],
  keyOf: (e) =>
    e.type === 'backfill.requested' ||
    e.type === 'backfill.started' ||
    e.type === 'backfill.verdicts' ||
    e.type === 'backfill.completed' ||
    e.type === 'backfill.failed'
      ? e.data.backfillId
      : null,
  evolve(current: BackfillRow | null, e): BackfillRow | null {
    if (e.type === 'backfill.requested') {
      if (current) return current;
      const d = e.data;
      return {
        backfillId: d.backfillId,
        plotType: d.plotType,
        modelId: d.modelId,
        requestedBy: d.user,
        runFrom: d.runFrom ?? null,
        runTo: d.runTo ?? null,
        fromAt: d.from ?? null,
        toAt: d.to ?? null,
        maxImages: d.limit,
        status: 'requested',
        total: null,
        done: 0,
        judged: null,
        unreadable: null,
        compared: null,
        agreed: null,
        changed: null,
        pairs: null,
        failureCode: null,
        failureReason: null,
        requestedAt: e.time,
        startedAt: null,
        finishedAt: null,
      };
    }
    if (!current || final(current)) return current;
    switch (e.type) {
      case 'backfill.started':
        return { ...current, status: 'running', total: e.data.total, startedAt: current.startedAt ?? e.time };
      case 'backfill.verdicts':
        // A batch redelivered after a restart covers the same arrivals again: progress never counts twice.
        return { ...current, status: 'running', done: Math.max(current.done, e.data.offset + e.data.size) };
      case 'backfill.completed': {
        const d = e.data;
        return {
          ...current,
          status: 'completed',
          total: d.total,
          done: d.total,
          judged: d.judged,
          unreadable: d.unreadable,
          compared: d.compared,
          agreed: d.agreed,
          changed: d.changed,
          pairs: d.pairs,
          finishedAt: e.time,
        };
      }
      case 'backfill.failed':
        return {
          ...current,
          status: 'failed',
          failureCode: e.data.code,
          failureReason: e.data.reason,
          finishedAt: e.time,
        };
      default:
        return current;
    }
  },
});

/** The id of one arrival's row in a backfill. */
export const backfillVerdictId = (backfillId: string, arrivalId: string) => `${backfillId}:${arrivalId}`;

/** What a backfill's model said of each arrival, beside the verdict the arrival had; the first record stands. */
export const backfillVerdictsProjection = defineProjection({
  name: 'backfill_verdicts',
  table: backfillVerdicts,
  idColumn: 'id',
  handles: ['backfill.verdicts'],
  keyOf: (e) =>
    e.type === 'backfill.verdicts'
      ? e.data.verdicts.map((v) => backfillVerdictId(e.data.backfillId, v.arrivalId))
      : null,
  evolve(current: BackfillVerdictRow | null, e, id): BackfillVerdictRow | null {
    if (current || e.type !== 'backfill.verdicts') return current;
    const v = e.data.verdicts.find((x) => backfillVerdictId(e.data.backfillId, x.arrivalId) === id);
    if (!v) return current;
    const outcome = outcomeOf(v);
    return {
      id,
      backfillId: e.data.backfillId,
      arrivalId: v.arrivalId,
      imageId: v.imageId,
      run: v.run ?? null,
      at: v.at,
      verdict: v.verdict,
      confidence: v.confidence,
      confirmed: v.confirmed,
      outcome,
      scores: v.scores,
      hadOutcome: v.had.outcome,
      hadModelId: v.had.modelId ?? null,
      hadVerdict: v.had.verdict ?? null,
      hadConfidence: v.had.confidence ?? null,
      hadConfirmed: v.had.confirmed ?? null,
      changed: outcome !== v.had.outcome,
      seq: e.seq,
    };
  },
});
