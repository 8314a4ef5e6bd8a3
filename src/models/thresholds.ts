/**
 * What a confirmation threshold does, pure, from the validation set's predictions (the trainer's softmax on every
 * validation image): a verdict is the top label, confirmed when its score is above that label's threshold, else
 * Unconfirmed (the rule of `decide` in src/inference/classify.ts).
 */

/** One validation image as the threshold sees it: its true label, the model's verdict and that verdict's score. */
export interface ThresholdSample {
  readonly label: string;
  readonly predicted: string;
  readonly confidence: number;
}

/** A label's threshold and what it gives on validation. */
export interface ThresholdEffect {
  readonly threshold: number;
  /** Of the images confirmed as this label, the share that are this label (null: none confirmed). */
  readonly precision: number | null;
  /** Of the images of this label, the share confirmed as it. */
  readonly recall: number;
  /** Of all validation images, the share left Unconfirmed (every other label keeping its threshold). */
  readonly unconfirmed: number;
  readonly confirmedAs: number;
  readonly unconfirmedCount: number;
  readonly total: number;
}

const confirmed = (s: ThresholdSample, thresholds: Readonly<Record<string, number>>): boolean =>
  s.confidence > (thresholds[s.predicted] ?? 0.5);

/** The precision, recall and share of Unconfirmed that `threshold` on `label` gives, the others unchanged. */
export function thresholdEffect(
  samples: readonly ThresholdSample[],
  thresholds: Readonly<Record<string, number>>,
  label: string,
  threshold: number,
): ThresholdEffect {
  const with_ = { ...thresholds, [label]: threshold };
  let confirmedAs = 0,
    right = 0,
    actual = 0,
    unconfirmedCount = 0;
  for (const s of samples) {
    const ok = confirmed(s, with_);
    if (!ok) unconfirmedCount++;
    if (s.label === label) actual++;
    if (ok && s.predicted === label) {
      confirmedAs++;
      if (s.label === label) right++;
    }
  }
  const total = samples.length;
  return {
    threshold,
    precision: confirmedAs > 0 ? right / confirmedAs : null,
    recall: actual > 0 ? right / actual : 0,
    unconfirmed: total > 0 ? unconfirmedCount / total : 0,
    confirmedAs,
    unconfirmedCount,
    total,
  };
}

/** The effect at `steps + 1` evenly spaced thresholds from 0 to 1: the label's precision/recall curve. */
export function thresholdCurve(
  samples: readonly ThresholdSample[],
  thresholds: Readonly<Record<string, number>>,
  label: string,
  steps = 50,
): ThresholdEffect[] {
  return Array.from({ length: steps + 1 }, (_, i) => thresholdEffect(samples, thresholds, label, i / steps));
}
