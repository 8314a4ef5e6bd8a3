import { describe, expect, it } from 'vitest';
import { validateData } from '../events/catalog.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { trainingParametersSchema } from '../events/training.ts';
import { balancedAccuracy, evaluate, unrecognisedLabels } from './evaluate.ts';
import { completedData, failedData, newTrainingId, planDataset, progressLine, salvageRequestIds } from './plan.ts';
import { importedModelId, trainedModelId } from '../models/ids.ts';
import { evaluationSummary, failureSummary } from './summary.ts';

const spec = plotTypeSpecSchema.parse({
  name: 'FCAL_occupancy',
  detector: 'FCAL',
  pattern: '^(?<plot>.+)-(?<pad>\\d+)_(?<chunk>\\d+)\\.png$',
  sampling: 'weighted',
  labels: ['Good', 'Bad', 'NoData', 'LED'].map((name) => ({ name, colour: '#000000' })),
  input: { width: 64, height: 48, channels: 3 },
});
const params = trainingParametersSchema.parse({ minPerClass: 5 });
const hex = (i: number) => i.toString(16).padStart(64, '0');
const rows = (counts: Record<string, number>) => {
  let k = 1000;
  return Object.entries(counts).flatMap(([label, n]) =>
    Array.from({ length: n }, () => ({ imageId: hex(k--), label })),
  );
};

describe('planDataset', () => {
  it("trains on the plot type's labels that have images, in the plot type's order, sorted by image", () => {
    const p = planDataset(spec, rows({ LED: 6, Good: 9, Retired: 4, Bad: 5 }), params);
    if (!p.ok) throw new Error(p.reason);
    expect(p.labels).toEqual(['Good', 'Bad', 'LED']);
    expect(p.perLabel).toEqual({ Good: 9, Bad: 5, LED: 6 });
    expect(p.unused).toEqual(['NoData']);
    expect(p.ignored).toBe(4);
    expect(p.items).toHaveLength(20);
    expect(p.items.map((i) => i.imageId)).toEqual([...p.items.map((i) => i.imageId)].sort());
    expect(p.sampling).toBe('weighted'); // the plot type's, since the request named none
    const q = planDataset(spec, rows({ Good: 5, Bad: 5 }), { ...params, sampling: 'none' });
    expect(q.ok && q.sampling).toBe('none');
  });

  it('fails with too-few-labels below the minimum per label, or with one label only', () => {
    expect(planDataset(spec, rows({ Good: 40, Bad: 3 }), params)).toEqual({
      ok: false,
      code: 'too-few-labels',
      reason:
        'each label needs at least 5 labelled images; too few for Bad: 3 (FCAL_occupancy has Good: 40, Bad: 3, NoData: 0, LED: 0)',
    });
    const one = planDataset(spec, rows({ Good: 40 }), params);
    expect(one).toMatchObject({ ok: false, code: 'too-few-labels' });
    expect(!one.ok && one.reason).toContain('at least two labels');
  });
});

describe('ids', () => {
  it('names models after their plot type, derived from the training or the bytes', () => {
    expect(trainedModelId('CDC_occupancy', 'x')).toBe(trainedModelId('CDC_occupancy', 'x'));
    expect(trainedModelId('CDC_occupancy', 'x')).not.toBe(trainedModelId('CDC_occupancy', 'y'));
    expect(trainedModelId('CDC_occupancy', 'x')).toMatch(/^CDC_occupancy-t[0-9a-f]{10}$/);
    expect(importedModelId('CDC_occupancy', 'ab'.repeat(32))).toBe('CDC_occupancy-iababababab');
    expect(newTrainingId('CDC_occupancy', new Date('2026-11-26T10:11:12.345Z'), 'a1b2c3d4')).toBe(
      'CDC_occupancy-20261126-101112-a1b2c3',
    );
    const long = 'P'.repeat(128);
    for (const id of [
      trainedModelId(long, long),
      importedModelId(long, 'ab'.repeat(32)),
      newTrainingId(long, new Date(), 'ffffff'),
    ])
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  });

  it('salvages the ids of an unusable request, falling back to its sequence', () => {
    expect(
      salvageRequestIds(JSON.stringify({ data: { trainingId: 't-1', plotType: 'RF', parameters: 'nonsense' } }), 9),
    ).toEqual({ trainingId: 't-1', plotType: 'RF' });
    expect(salvageRequestIds('{"data": {"trainingId": "bad id!", "plotType": 3}}', 9)).toEqual({
      trainingId: 'invalid-9',
      plotType: 'unknown',
    });
    expect(salvageRequestIds('not json', 12)).toEqual({ trainingId: 'invalid-12', plotType: 'unknown' });
  });
});

describe('outcome events', () => {
  const evaluation = evaluate({
    labels: ['Good', 'Bad'],
    trueLabels: [0, 0, 1, 1],
    imageIds: [hex(1), hex(2), hex(3), hex(4)],
    probabilities: [
      [0.9, 0.1],
      [0.4, 0.6],
      [0.2, 0.8],
      [0.3, 0.7],
    ],
  });
  const plan = planDataset(spec, rows({ Good: 5, Bad: 5 }), params);
  if (!plan.ok) throw new Error('plan');
  const request = {
    trainingId: 'T1',
    plotType: 'FCAL_occupancy',
    parameters: params,
    reason: 'test',
    requester: 'alice',
  };
  const data = completedData({
    request,
    spec,
    plan,
    parameters: params,
    evaluation,
    onnx: hex(7),
    dataset: { size: 10, train: 6, validation: 4, manifestHash: hex(8), perLabel: { Good: 5, Bad: 5 } },
    frameworks: { torch: '1.13.1', python: '3.11.2' },
    durationSeconds: 12.5,
    trainer: { device: 'cpu', epochsRun: 9, bestEpoch: 7, imagesPerSecond: 412.3 },
    artifacts: { valPredictions: hex(9), info: hex(10) },
    skipped: 1,
  });

  it('training.completed carries the model, evaluation, dataset, parameters (sampling resolved) and frameworks', () => {
    const valid = validateData('training.completed', data);
    expect(valid).toMatchObject({
      modelId: trainedModelId('FCAL_occupancy', 'T1'),
      labels: ['Good', 'Bad'],
      input: spec.input,
      parameters: { sampling: 'weighted' },
      dataset: { skipped: 1 },
    });
    expect(valid.evaluation.thresholds).toHaveProperty('Bad');
    expect(
      validateData('training.failed', failedData(request, 'too-few-labels', 'x'.repeat(5000))).reason,
    ).toHaveLength(4000);
  });

  it('prints an evaluation summary with the confusion matrix and the misclassified images', () => {
    const text = evaluationSummary(validateData('training.completed', data)).join('\n');
    expect(text).toContain('validation accuracy 75.0%, balanced accuracy 75.0%');
    expect(text).toContain('on cpu, 9 epochs (best 7), 412 images/s');
    expect(text).toMatch(/Good\s+1\s+1\n/);
    expect(text).toMatch(/Bad\s+0\s+2\n/);
    expect(text).toContain(`${hex(2).slice(0, 16)}  Good -> Bad (0.60)`);
    expect(
      failureSummary({ trainingId: 'T1', plotType: 'X', code: 'nan-loss', reason: 'loss became nan\ntry less' }).join(
        '\n',
      ),
    ).toBe('training T1 (X) failed: nan-loss\n  loss became nan\n  try less');
    expect(progressLine('T1', { epoch: 3, epochs: 10, loss: 0.51234, valAccuracy: 0.875, imagesPerSecond: 99.6 })).toBe(
      'training T1: epoch 3/10 loss 0.5123 val acc 87.5%, 100 img/s',
    );
  });

  it('scores a model that calls everything Bad at 1/K balanced accuracy and names the label it never recognised', () => {
    const allBad = evaluate({
      labels: ['Good', 'Bad'],
      trueLabels: [0, 1, 1, 1, 1],
      probabilities: [
        [0.2, 0.8],
        [0.1, 0.9],
        [0.3, 0.7],
        [0.2, 0.8],
        [0.4, 0.6],
      ],
      imageIds: [1, 2, 3, 4, 5].map(hex),
    });
    expect(allBad.accuracy).toBe(0.8);
    expect(balancedAccuracy(allBad)).toBe(0.5);
    expect(unrecognisedLabels(allBad)).toEqual(['Good']);
  });
});
