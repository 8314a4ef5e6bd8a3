import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { bestF1Threshold, bin, evaluate, expectedCalibrationError, recallAtSpecificity } from './evaluate.ts';

const id = (i: number): string => createHash('sha256').update(String(i)).digest('hex');

describe('evaluate', () => {
  // 6 samples, labels Good/Bad/NoData.
  const labels = ['Good', 'Bad', 'NoData'];
  const trueLabels = [0, 0, 1, 1, 2, 0];
  const probabilities = [
    [0.9, 0.05, 0.05], // Good -> Good (0.9)
    [0.35, 0.6, 0.05], // Good -> Bad  (0.6) misclassified
    [0.1, 0.85, 0.05], // Bad  -> Bad  (0.85)
    [0.2, 0.75, 0.05], // Bad  -> Bad  (0.75)
    [0.1, 0.1, 0.8], //   NoData -> NoData (0.8)
    [0.55, 0.4, 0.05], // Good -> Good (0.55)
  ];
  const ev = evaluate({ labels, trueLabels, probabilities, imageIds: trueLabels.map((_, i) => id(i)) });

  it('counts the confusion matrix with true labels as rows', () => {
    expect(ev.confusion).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [0, 0, 1],
    ]);
    expect(ev.accuracy).toBeCloseTo(5 / 6);
  });

  it('keeps a 10-bin histogram of the confidence in every cell, summing to the cell count', () => {
    expect(ev.confidenceHistograms[0]![0]).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(ev.confidenceHistograms[0]![1]).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(ev.confidenceHistograms[1]![1]![7]! + ev.confidenceHistograms[1]![1]![8]!).toBe(2);
    ev.confidenceHistograms.forEach((row, t) =>
      row.forEach((h, p) => expect(h.reduce((a, b) => a + b, 0)).toBe(ev.confusion[t]![p])),
    );
  });

  it('gives per-class precision and recall', () => {
    expect(ev.precision).toEqual({ Good: 1, Bad: 2 / 3, NoData: 1 });
    expect(ev.recall.Good).toBeCloseTo(2 / 3);
    expect(ev.recall.Bad).toBe(1);
  });

  it('picks thresholds maximising F1 of "score > t" for each label', () => {
    // Bad scores: positives 0.85, 0.75; negatives 0.6, 0.4, ... -> cut between 0.75 and 0.6.
    expect(ev.thresholds.Bad).toBeCloseTo(0.675);
    // Good scores: positives 0.9, 0.55, 0.35; negatives 0.2, 0.1, 0.1 -> all three in: cut between 0.35 and 0.2.
    expect(ev.thresholds.Good).toBeCloseTo(0.275);
    expect(ev.thresholds.NoData).toBeCloseTo((0.8 + 0.05) / 2);
  });

  it('lists the misclassified images, most confident first', () => {
    expect(ev.misclassified).toEqual([{ imageId: id(1), label: 'Good', predicted: 'Bad', confidence: 0.6 }]);
  });

  it('rejects inconsistent input', () => {
    expect(() => evaluate({ labels, trueLabels: [0], probabilities: [[1, 0]], imageIds: [id(0)] })).toThrow(RangeError);
    expect(() => evaluate({ labels, trueLabels: [0, 1], probabilities: [[1, 0, 0]], imageIds: [id(0)] })).toThrow(
      RangeError,
    );
  });
});

describe('bestF1Threshold', () => {
  it('separates perfectly separable scores with F1 1, midway', () => {
    expect(bestF1Threshold([0.9, 0.8, 0.3, 0.1], [true, true, false, false])).toEqual({ threshold: 0.55, f1: 1 });
  });
  it('trades precision against recall when the classes overlap', () => {
    // positives 0.9, 0.5; negatives 0.6, 0.1. Cut at 0.75: F1 2/3; at 0.3 (3 in): F1 0.8; all in: 2/3.
    const r = bestF1Threshold([0.9, 0.6, 0.5, 0.1], [true, false, true, false]);
    expect(r.f1).toBeCloseTo(0.8);
    expect(r.threshold).toBeCloseTo(0.3);
  });
  it('treats equal scores as one group, and falls back to 0.5 with no positives', () => {
    expect(bestF1Threshold([0.7, 0.7, 0.2], [true, false, false]).threshold).toBeCloseTo(0.45);
    expect(bestF1Threshold([0.7, 0.2], [false, false])).toEqual({ threshold: 0.5, f1: 0 });
  });
});

describe('recallAtSpecificity', () => {
  const good = Array.from({ length: 100 }, (_, i) => i / 100); // 0.00 .. 0.99
  it('thresholds so that at most 2 % of Good score above it at 0.98', () => {
    expect(recallAtSpecificity([0.985, 0.99, 0.975, 0.5], good, 0.98)).toBe(0.75); // threshold 0.97
    expect(recallAtSpecificity([0.97], good, 0.98)).toBe(0); // at the threshold is not above it
    expect(recallAtSpecificity([0.5, 0.45], good, 0.5)).toBe(0.5); // threshold 0.49
  });
  it('is 1 with no Bad images', () => {
    expect(recallAtSpecificity([], good, 0.98)).toBe(1);
  });
});

describe('calibration', () => {
  it('is zero when confidence matches accuracy in every bin, and grows when it does not', () => {
    expect(expectedCalibrationError([0.75, 0.75, 0.75, 0.75], [true, true, true, false])).toBeCloseTo(0);
    expect(expectedCalibrationError([0.95, 0.95], [false, false])).toBeCloseTo(0.95);
    expect([bin(0), bin(0.099), bin(0.1), bin(1)]).toEqual([0, 0, 1, 9]);
  });
});
