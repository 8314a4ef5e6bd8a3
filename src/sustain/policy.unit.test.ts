import { describe, expect, it } from 'vitest';
import {
  compareModels,
  DEFAULT_RETRAIN_POLICY,
  decideRetrain,
  type LabelledSample,
  labelFreshness,
  type ModelEvidence,
  trailingAccuracy,
} from './policy.ts';
import { prng as random } from '../training/split.ts';

const t0 = Date.parse('2026-12-01T00:00:00Z');
const at = (i: number) => new Date(t0 + i * 60_000).toISOString();

function sample(i: number, right: boolean, label = 'Good'): LabelledSample {
  const other = label === 'Good' ? 'Bad' : 'Good';
  return { label, predicted: right ? label : other, sampledAt: at(i), labelledAt: at(i + 5) };
}

function evidence(samples: LabelledSample[], extra: Partial<ModelEvidence> = {}): ModelEvidence {
  return {
    modelId: 'm1',
    validationAccuracy: 0.97,
    samples,
    trainingConfidences: [],
    recentConfidences: [],
    lastRequestAt: null,
    ...extra,
  };
}

describe('trailingAccuracy', () => {
  it('counts the last window only, with per-label recall', () => {
    const samples = [
      ...Array.from({ length: 10 }, (_, i) => sample(i, false)),
      ...Array.from({ length: 8 }, (_, i) => sample(10 + i, true)),
      sample(18, false, 'Bad'),
      sample(19, true, 'Bad'),
    ];
    const t = trailingAccuracy(samples, 10);
    expect(t.n).toBe(10);
    expect(t.correct).toBe(9);
    expect(t.accuracy.estimate).toBeCloseTo(0.9);
    expect(t.recall.Good?.n).toBe(8);
    expect(t.recall.Good?.recall.estimate).toBe(1);
    expect(t.recall.Bad?.recall.estimate).toBe(0.5);
    expect(t.from).toBe(at(10));
    expect(t.to).toBe(at(19));
  });
});

describe('labelFreshness', () => {
  it('is stale once the oldest waiting sample waited too long', () => {
    const now = new Date(t0 + 3 * 3600_000);
    const policy = { maxWaitMs: 2 * 3600_000 };
    expect(labelFreshness({ count: 2, oldest: at(100) }, at(90), now, policy)).toMatchObject({
      waiting: 2,
      oldestWaitingMs: 80 * 60_000,
      stale: false,
    });
    expect(labelFreshness({ count: 1, oldest: at(30) }, at(20), now, policy).stale).toBe(true);
    expect(labelFreshness({ count: 0, oldest: null }, at(20), now, policy)).toMatchObject({ waiting: 0, stale: false });
  });
});

describe('decideRetrain', () => {
  const now = new Date(t0 + 10_000 * 60_000);

  it('does not speak before enough samples', () => {
    const d = decideRetrain(evidence([sample(0, false), sample(1, false)]), now, DEFAULT_RETRAIN_POLICY);
    expect(d.retrain).toBe(false);
    expect(d.why).toMatch(/2 of 20 labelled samples/);
    expect(d.evidence.pValue).toBeNull();
  });

  it('detects a detector change within 50 unbiased labels and says why', () => {
    const rnd = random(7);
    const before = Array.from({ length: 200 }, (_, i) => sample(i, rnd() < 0.97));
    let detectedAfter: number | null = null;
    const samples = [...before];
    for (let k = 1; k <= 50 && detectedAfter === null; k++) {
      samples.push(sample(200 + k, rnd() < 0.6));
      if (decideRetrain(evidence(samples), now, DEFAULT_RETRAIN_POLICY).retrain) detectedAfter = k;
    }
    expect(detectedAfter).not.toBeNull();
    expect(detectedAfter).toBeLessThanOrEqual(50);
    const d = decideRetrain(evidence(samples), now, DEFAULT_RETRAIN_POLICY);
    expect(d.why).toMatch(/trailing accuracy .* below validation 97\.0 %/);
    expect(d.evidence.pValue).toBeLessThan(DEFAULT_RETRAIN_POLICY.alpha);
  });

  it('never asks on an unchanged detector over a long run', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const samples: LabelledSample[] = [];
      let requests = 0;
      for (let i = 0; i < 3000; i++) {
        samples.push(sample(i, rnd() < 0.97));
        if (decideRetrain(evidence(samples), now, DEFAULT_RETRAIN_POLICY).retrain) requests++;
      }
      expect(requests).toBe(0);
    }
  });

  it('reports drift of the confidences ahead of the labels, but asks for a training only on the labels', () => {
    const samples = Array.from({ length: 30 }, (_, i) => sample(i, true));
    const drifted = evidence(samples, {
      trainingConfidences: [0, 0, 0, 0, 0, 0, 10, 30, 160, 800],
      recentConfidences: [20, 40, 60, 80, 100, 100, 60, 20, 10, 10],
    });
    const d = decideRetrain(drifted, now, DEFAULT_RETRAIN_POLICY);
    expect(d).toMatchObject({ retrain: false, drifting: true });
    expect(d.why).toMatch(/confidence drift .* needs labels/);
    const wrong = evidence(
      Array.from({ length: 30 }, (_, i) => sample(i, i % 2 === 0)),
      { trainingConfidences: drifted.trainingConfidences, recentConfidences: drifted.recentConfidences },
    );
    const asked = decideRetrain(wrong, now, DEFAULT_RETRAIN_POLICY);
    expect(asked).toMatchObject({ retrain: true, drifting: true });
    expect(asked.why).toMatch(/below validation .*; confidence drift/);
    const soon = decideRetrain(
      { ...wrong, lastRequestAt: new Date(now.getTime() - 3600_000).toISOString() },
      now,
      DEFAULT_RETRAIN_POLICY,
    );
    expect(soon.retrain).toBe(false);
    expect(soon.why).toMatch(/cooling down: retraining was requested 60 min ago/);
  });

  it('lets the same confidences through', () => {
    const same = evidence([], {
      trainingConfidences: [0, 0, 0, 0, 0, 0, 10, 30, 160, 800],
      recentConfidences: [0, 0, 0, 0, 0, 1, 2, 6, 30, 161],
    });
    const d = decideRetrain(same, now, DEFAULT_RETRAIN_POLICY);
    expect(d.retrain).toBe(false);
    expect(d.evidence.drift).toBeLessThan(0.1);
  });

  it('says nothing of drift against a validation set too small to stand for the training data', () => {
    const tiny = evidence([], {
      trainingConfidences: [0, 0, 0, 0, 0, 0, 0, 1, 5, 4],
      recentConfidences: [0, 0, 0, 0, 0, 0, 0, 0, 0, 500],
    });
    expect(decideRetrain(tiny, now, DEFAULT_RETRAIN_POLICY).evidence.drift).toBeNull();
  });
});

describe('compareModels', () => {
  it('prefers the challenger only when it is right significantly more often where they disagree', () => {
    const clear = [
      ...Array.from({ length: 30 }, () => ({ label: 'Good', champion: 'Bad', challenger: 'Good' })),
      ...Array.from({ length: 2 }, () => ({ label: 'Good', champion: 'Good', challenger: 'Bad' })),
      ...Array.from({ length: 18 }, () => ({ label: 'Bad', champion: 'Bad', challenger: 'Bad' })),
    ];
    const c = compareModels(clear);
    expect(c).toMatchObject({ n: 50, challengerOnly: 30, championOnly: 2, challengerBetter: true });
    expect(c.challengerAccuracy).toBeCloseTo(48 / 50);
    const tie = compareModels([
      { label: 'Good', champion: 'Bad', challenger: 'Good' },
      { label: 'Good', champion: 'Good', challenger: 'Bad' },
    ]);
    expect(tie.challengerBetter).toBe(false);
    expect(compareModels([]).challengerBetter).toBe(false);
  });
});
