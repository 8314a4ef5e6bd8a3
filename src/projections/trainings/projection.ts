import type { HydraEvent } from '../../events/catalog.ts';
import { defineProjection } from '../runtime/projection.ts';
import { trainings, type EpochRow, type TrainingRow } from './table.ts';

/** A run known only from a later event (its request is before a partial history): what that event tells. */
function bare(e: HydraEvent & { data: { trainingId: string; plotType: string } }): TrainingRow {
  return {
    trainingId: e.data.trainingId,
    plotType: e.data.plotType,
    status: 'requested',
    requester: '',
    reason: '',
    parameters: null,
    requestedAt: e.time,
    epochs: [],
    modelId: null,
    result: null,
    failureCode: null,
    failureReason: null,
    finishedAt: null,
  };
}

/** Epochs by number: a redelivered or retried epoch replaces the one stored. */
function withEpoch(epochs: readonly EpochRow[], next: EpochRow): EpochRow[] {
  return [...epochs.filter((x) => x.epoch !== next.epoch), next].sort((a, b) => a.epoch - b.epoch);
}

export function evolveTraining(current: TrainingRow | null, e: HydraEvent): TrainingRow | null {
  switch (e.type) {
    case 'training.requested': {
      const d = e.data;
      const base = current ?? bare(e);
      return {
        ...base,
        requester: d.requester,
        reason: d.reason,
        parameters: d.parameters,
        requestedAt: e.time,
      };
    }
    case 'training.progress': {
      const { trainingId: _t, plotType: _p, ...epoch } = e.data;
      const base = current ?? bare(e);
      return {
        ...base,
        status: base.status === 'requested' ? 'running' : base.status,
        epochs: withEpoch(base.epochs, { ...epoch, at: e.time }),
      };
    }
    case 'training.completed':
      return {
        ...(current ?? bare(e)),
        status: 'completed',
        parameters: current?.parameters ?? e.data.parameters,
        modelId: e.data.modelId,
        result: e.data,
        finishedAt: e.time,
      };
    case 'training.failed':
      return {
        ...(current ?? bare(e)),
        status: 'failed',
        failureCode: e.data.code,
        failureReason: e.data.reason,
        finishedAt: e.time,
      };
    default:
      return current;
  }
}

export const trainingsProjection = defineProjection({
  name: 'trainings',
  table: trainings,
  idColumn: 'trainingId',
  handles: ['training.requested', 'training.progress', 'training.completed', 'training.failed'],
  keyOf: (e) => (e.type.startsWith('training.') ? (e.data as { trainingId: string }).trainingId : null),
  evolve: (current, e) => evolveTraining(current, e),
});
