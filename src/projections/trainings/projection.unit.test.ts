import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { shaOf } from '../../../test/support/events.ts';
import { trainingParametersSchema, type Evaluation } from '../../events/training.ts';
import { modelsProjection } from '../models/projection.ts';
import { trainingsProjection } from './projection.ts';

const parameters = trainingParametersSchema.parse({ epochs: 3 });
const evaluation: Evaluation = {
  labels: ['Good', 'Bad'],
  confusion: [
    [9, 1],
    [0, 10],
  ],
  confidenceHistograms: [
    [
      [0, 0, 0, 0, 0, 0, 0, 0, 1, 8],
      [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
    ],
    [
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
    ],
  ],
  precision: { Good: 1, Bad: 10 / 11 },
  recall: { Good: 0.9, Bad: 1 },
  thresholds: { Good: 0.5, Bad: 0.5 },
  accuracy: 0.95,
  calibrationError: 0.02,
  misclassified: [{ imageId: shaOf('x'), label: 'Good', predicted: 'Bad', confidence: 0.55 }],
};

function run(trainingId: string) {
  const e = eventStream();
  const progress = (epoch: number, loss: number) =>
    e('training.progress', { trainingId, plotType: 'CDC_occ', epoch, epochs: 3, loss, valAccuracy: 0.5 + epoch / 10 });
  return {
    e,
    requested: e('training.requested', {
      trainingId,
      plotType: 'CDC_occ',
      parameters,
      reason: 'more Bad labels',
      requester: 'ann',
    }),
    progress,
    completed: (other?: { trainingId: string; modelId: string }) =>
      e('training.completed', {
        trainingId: other?.trainingId ?? trainingId,
        plotType: 'CDC_occ',
        modelId: other?.modelId ?? 'CDC_occ-t1',
        onnx: shaOf('onnx'),
        input: { width: 16, height: 12, channels: 1 },
        labels: ['Good', 'Bad'],
        evaluation,
        dataset: { size: 20, train: 16, validation: 4, manifestHash: shaOf('m'), perLabel: { Good: 10, Bad: 10 } },
        parameters,
        frameworks: { torch: '2.1' },
        durationSeconds: 12,
      }),
  };
}

describe('trainings projection', () => {
  it('keeps each run with its request, every epoch once (a repeated epoch replaces the first) and its outcome', () => {
    const r = run('t1');
    const rows = project(trainingsProjection, [
      r.requested,
      r.progress(1, 0.9),
      r.progress(2, 0.5),
      r.progress(1, 0.8), // a retried attempt starts again
      r.progress(3, 0.3),
      r.completed(),
    ]);
    const row = rows.get('t1')!;
    expect(row).toMatchObject({
      plotType: 'CDC_occ',
      status: 'completed',
      requester: 'ann',
      reason: 'more Bad labels',
      modelId: 'CDC_occ-t1',
      failureCode: null,
    });
    expect(row.epochs.map((x) => [x.epoch, x.loss])).toEqual([
      [1, 0.8],
      [2, 0.5],
      [3, 0.3],
    ]);
    expect(row.result?.dataset.perLabel).toEqual({ Good: 10, Bad: 10 });
    expect(row.parameters?.epochs).toBe(3);
  });

  it('records a failure with its code, and is running between the first epoch and the outcome', () => {
    const r = run('t2');
    expect(project(trainingsProjection, [r.requested, r.progress(1, 0.9)]).get('t2')?.status).toBe('running');
    const failed = r.e('training.failed', { trainingId: 't2', plotType: 'CDC_occ', code: 'nan-loss', reason: 'NaN' });
    expect(project(trainingsProjection, [r.requested, failed]).get('t2')).toMatchObject({
      status: 'failed',
      failureCode: 'nan-loss',
      failureReason: 'NaN',
    });
  });

  it('takes a run whose request it never saw from its later events', () => {
    const r = run('t3');
    const row = project(trainingsProjection, [r.progress(1, 0.9), r.completed()]).get('t3')!;
    expect(row).toMatchObject({ status: 'completed', requester: '', parameters });
  });
});

describe('models projection: what the Library shows of a model', () => {
  it('keeps when it was signed off, the model an activation replaced, and who retired it', () => {
    const a = run('ta');
    const e = a.e;
    const rows = project(modelsProjection, [
      a.completed(),
      a.completed({ trainingId: 'tb', modelId: 'CDC_occ-t2' }),
      e('model.signed-off', { modelId: 'CDC_occ-t1', plotType: 'CDC_occ', user: 'ann' }),
      e('model.activated', { modelId: 'CDC_occ-t1', plotType: 'CDC_occ', user: 'ann' }),
      e('model.signed-off', { modelId: 'CDC_occ-t2', plotType: 'CDC_occ', user: 'bob' }),
      e('model.activated', {
        modelId: 'CDC_occ-t2',
        plotType: 'CDC_occ',
        user: 'bob',
        previousModelId: 'CDC_occ-t1',
      }),
      e('model.retired', { modelId: 'CDC_occ-t1', plotType: 'CDC_occ', user: 'cy', reason: 'old' }),
    ]);
    expect(rows.get('CDC_occ-t2')).toMatchObject({
      status: 'active',
      replacedModelId: 'CDC_occ-t1',
      activatedBy: 'bob',
    });
    expect(rows.get('CDC_occ-t2')?.signedOffAt).toMatch(/^2026-11-26T10:00:/);
    expect(rows.get('CDC_occ-t1')).toMatchObject({ status: 'retired', retiredBy: 'cy', replacedModelId: null });
  });
});
