import type { HydraEvent } from '../../events/catalog.ts';
import { defineProjection } from '../runtime/projection.ts';
import { models, type ModelRow } from './table.ts';

/** Thresholds a model starts with when its evaluation gives none: a label is confirmed above 0.5. */
const defaultThresholds = (labels: readonly string[]) => Object.fromEntries(labels.map((l) => [l, 0.5]));

/**
 * One row per model. An activation touches two rows (the new active model and the one it replaces),
 * which the event names, so the fold stays per-row and pure.
 */
export function evolveModel(current: ModelRow | null, e: HydraEvent, id: string): ModelRow | null {
  switch (e.type) {
    case 'training.completed': {
      const d = e.data;
      return (
        current ?? {
          modelId: d.modelId,
          plotType: d.plotType,
          status: 'trained',
          origin: 'trained',
          onnx: d.onnx,
          labels: d.labels,
          input: d.input,
          thresholds: d.evaluation.thresholds,
          evaluation: d.evaluation,
          parameters: d.parameters,
          trainingId: d.trainingId,
          datasetSize: d.dataset.size,
          signedOffBy: null,
          signOffComment: null,
          signedOffAt: null,
          replacedModelId: null,
          activatedBy: null,
          createdAt: e.time,
          activatedAt: null,
          retiredAt: null,
          retiredBy: null,
        }
      );
    }
    case 'model.imported': {
      const d = e.data;
      return (
        current ?? {
          modelId: d.modelId,
          plotType: d.plotType,
          status: 'trained',
          origin: 'imported',
          onnx: d.onnx,
          labels: d.labels,
          input: d.input,
          thresholds: d.evaluation?.thresholds ?? defaultThresholds(d.labels),
          evaluation: d.evaluation ?? null,
          parameters: null,
          trainingId: null,
          datasetSize: null,
          signedOffBy: null,
          signOffComment: null,
          signedOffAt: null,
          replacedModelId: null,
          activatedBy: null,
          createdAt: e.time,
          activatedAt: null,
          retiredAt: null,
          retiredBy: null,
        }
      );
    }
    case 'model.signed-off':
      if (!current) throw new Error(`sign-off of unknown model ${e.data.modelId}`);
      return {
        ...current,
        status: current.status === 'trained' ? 'signed-off' : current.status,
        signedOffBy: e.data.user,
        signOffComment: e.data.comment ?? null,
        signedOffAt: e.time,
      };
    case 'model.activated':
      if (!current) return null; // the replaced model may be unknown to a partial history
      if (id === e.data.modelId)
        return {
          ...current,
          status: 'active',
          activatedBy: e.data.user,
          activatedAt: e.time,
          replacedModelId: e.data.previousModelId ?? null,
        };
      return current.status === 'active'
        ? { ...current, status: current.signedOffBy ? 'signed-off' : 'trained' }
        : current;
    case 'model.retired':
      if (!current) return null;
      return { ...current, status: 'retired', retiredAt: e.time, retiredBy: e.data.user };
    case 'model.thresholds-changed':
      if (!current) return null;
      return { ...current, thresholds: e.data.thresholds };
    default:
      return current;
  }
}

export const modelsProjection = defineProjection({
  name: 'models',
  table: models,
  idColumn: 'modelId',
  handles: [
    'training.completed',
    'model.imported',
    'model.signed-off',
    'model.activated',
    'model.retired',
    'model.thresholds-changed',
  ],
  keyOf: (e) => {
    switch (e.type) {
      case 'model.activated':
        return e.data.previousModelId && e.data.previousModelId !== e.data.modelId
          ? [e.data.modelId, e.data.previousModelId]
          : e.data.modelId;
      case 'training.completed':
      case 'model.imported':
      case 'model.signed-off':
      case 'model.retired':
      case 'model.thresholds-changed':
        return e.data.modelId;
      default:
        return null;
    }
  },
  evolve: evolveModel,
});
