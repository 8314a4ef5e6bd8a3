import type { HydraEvent } from '../../events/catalog.ts';
import { defineProjection } from '../runtime/projection.ts';
import { OUTCOME, outcomeOf } from '../../verdicts/semantics.ts';
import { verdicts, type VerdictRow } from './table.ts';
import { utc } from './time.ts';

type Completed = Extract<HydraEvent, { type: 'inference.completed' }>;

type Of = { readonly arrivalId: string; readonly imageId: string; readonly plotType: string };

function blank(d: Of, seq: number, at: string): VerdictRow {
  return {
    arrivalId: d.arrivalId,
    imageId: d.imageId,
    plotType: d.plotType,
    run: null,
    runPeriod: null,
    chunk: null,
    pad: null,
    arrivedAt: null,
    at,
    status: 'pending',
    outcome: OUTCOME.pending,
    decidedAt: null,
    modelId: null,
    verdict: null,
    confidence: null,
    confirmed: null,
    scores: null,
    heatmap: null,
    masks: null,
    reason: null,
    timings: null,
    worker: null,
    seq,
  };
}

function decided(row: VerdictRow, e: Completed): VerdictRow {
  const d = e.data;
  return {
    ...row,
    status: 'classified',
    outcome: outcomeOf(d),
    decidedAt: e.time,
    modelId: d.modelId,
    verdict: d.verdict,
    confidence: d.confidence,
    confirmed: d.confirmed,
    scores: d.scores,
    heatmap: d.heatmap ?? null,
    masks: d.masks?.length ? d.masks.map(({ x, y, width, height }) => ({ x, y, width, height })) : null,
    reason: null,
    timings: { ...d.timings },
    worker: d.worker ?? null,
    seq: e.seq,
  };
}

/**
 * One row per arrival with its verdict: the Log, the detail view's history and the Timeline's raw points.
 * A verdict is final: a later skip or failure for an arrival already classified changes nothing.
 */
export const verdictsProjection = defineProjection({
  name: 'verdicts',
  table: verdicts,
  idColumn: 'arrivalId',
  handles: ['image.arrived', 'inference.completed', 'inference.skipped', 'inference.failed'],
  keyOf: (e) =>
    e.type === 'image.arrived' ||
    e.type === 'inference.completed' ||
    e.type === 'inference.skipped' ||
    e.type === 'inference.failed'
      ? e.data.arrivalId
      : null,
  evolve(current: VerdictRow | null, e): VerdictRow | null {
    switch (e.type) {
      case 'image.arrived': {
        const d = e.data;
        const arrivedAt = utc(d.arrivedAt);
        const row = current ?? blank(d, e.seq, arrivedAt);
        // An arrival is recorded once (a retried delivery is the same arrival): the first record stands.
        if (row.arrivedAt !== null) return current;
        return {
          ...row,
          plotType: d.plotType,
          run: d.run,
          runPeriod: d.runPeriod ?? null,
          chunk: d.chunk,
          pad: d.pad,
          arrivedAt,
          at: arrivedAt,
        };
      }
      case 'inference.completed':
        return decided(current ?? blank(e.data, e.seq, e.time), e);
      case 'inference.skipped':
      case 'inference.failed': {
        const row = current ?? blank(e.data, e.seq, e.time);
        if (row.status === 'classified') return current;
        const failed = e.type === 'inference.failed';
        return {
          ...row,
          status: failed ? 'failed' : 'skipped',
          outcome: failed ? OUTCOME.failed : OUTCOME.skipped,
          decidedAt: e.time,
          reason: e.data.reason,
          modelId: e.type === 'inference.failed' ? (e.data.modelId ?? null) : null,
          seq: e.seq,
        };
      }
      default:
        return current;
    }
  },
});
