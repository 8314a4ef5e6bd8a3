import { describe, expect, it } from 'vitest';
import { shaOf } from '../../test/support/events.ts';
import { evaluate } from './evaluate.ts';
import { cellOf, misclassifiedOf, samplesOf } from './report.ts';
import type { ValPredictions } from './trainer-output.ts';

const preds: ValPredictions = {
  labels: ['Good', 'Bad'],
  samples: [
    { index: 0, imageId: shaOf('a'), label: 0, probabilities: [0.9, 0.1] },
    { index: 1, imageId: shaOf('b'), label: 0, probabilities: [0.3, 0.7] },
    { index: 2, imageId: shaOf('c'), label: 1, probabilities: [0.2, 0.8] },
    { index: 3, imageId: shaOf('d'), label: 1, probabilities: [0.6, 0.4] },
  ],
};
const evaluation = evaluate({
  labels: preds.labels,
  trueLabels: preds.samples.map((s) => s.label),
  probabilities: preds.samples.map((s) => s.probabilities),
  imageIds: preds.samples.map((s) => s.imageId),
});

describe('training report samples', () => {
  it('puts every validation image in exactly its confusion-matrix cell, with every score', () => {
    const samples = samplesOf(evaluation, preds);
    for (const [t, label] of preds.labels.entries())
      for (const [p, predicted] of preds.labels.entries())
        expect(cellOf(samples, label, predicted)).toHaveLength(evaluation.confusion[t]![p]!);
    expect(cellOf(samples, 'Good', 'Bad').map((s) => s.imageId)).toEqual([shaOf('b')]);
    expect(cellOf(samples, 'Good', 'Bad')[0]?.scores).toEqual({ Good: 0.3, Bad: 0.7 });
  });

  it('lists the misclassified ones as the evaluation does, most confident first', () => {
    const wrong = misclassifiedOf(samplesOf(evaluation, preds));
    expect(wrong.map((s) => s.imageId)).toEqual(evaluation.misclassified.map((m) => m.imageId));
  });

  it('falls back to the evaluation’s misclassified images when the run kept no predictions', () => {
    const samples = samplesOf(evaluation, null);
    expect(samples.map((s) => [s.label, s.predicted])).toEqual([
      ['Good', 'Bad'],
      ['Bad', 'Good'],
    ]);
    expect(samples[0]?.scores).toEqual({});
  });
});
