import { describe, expect, it } from 'vitest';
import { thresholdCurve, thresholdEffect, type ThresholdSample } from './thresholds.ts';

const s = (label: string, predicted: string, confidence: number): ThresholdSample => ({
  label,
  predicted,
  confidence,
});
// Four Bad images (one called Good), four Good ones (one called Bad at 0.6).
const samples = [
  s('Bad', 'Bad', 0.95),
  s('Bad', 'Bad', 0.8),
  s('Bad', 'Bad', 0.55),
  s('Bad', 'Good', 0.7),
  s('Good', 'Good', 0.9),
  s('Good', 'Good', 0.85),
  s('Good', 'Good', 0.52),
  s('Good', 'Bad', 0.6),
];
const thresholds = { Good: 0.5, Bad: 0.5 };

describe('a threshold on validation', () => {
  it('gives precision, recall and the share of Unconfirmed as inference would judge the images', () => {
    expect(thresholdEffect(samples, thresholds, 'Bad', 0.5)).toEqual({
      threshold: 0.5,
      precision: 3 / 4,
      recall: 3 / 4,
      unconfirmed: 0,
      confirmedAs: 4,
      unconfirmedCount: 0,
      total: 8,
    });
    // Above 0.6 the Good image called Bad is no longer confirmed, nor the Bad one at 0.55: both Unconfirmed.
    expect(thresholdEffect(samples, thresholds, 'Bad', 0.65)).toMatchObject({
      precision: 1,
      recall: 2 / 4,
      unconfirmed: 2 / 8,
      unconfirmedCount: 2,
    });
    // The other labels keep theirs: Good at 0.8 leaves the Good at 0.52 and the Bad called Good at 0.7 Unconfirmed.
    expect(thresholdEffect(samples, { ...thresholds, Good: 0.8 }, 'Bad', 0.65).unconfirmedCount).toBe(4);
  });

  it('confirms nothing at the top: no precision, no recall, everything of that label Unconfirmed', () => {
    expect(thresholdEffect(samples, thresholds, 'Bad', 0.99)).toMatchObject({
      precision: null,
      recall: 0,
      unconfirmedCount: 4,
    });
  });

  it('is a curve from 0 to 1 whose recall never rises', () => {
    const curve = thresholdCurve(samples, thresholds, 'Bad', 20);
    expect(curve).toHaveLength(21);
    expect(curve[0]!.threshold).toBe(0);
    expect(curve[20]!.threshold).toBe(1);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.recall).toBeLessThanOrEqual(curve[i - 1]!.recall);
  });
});
