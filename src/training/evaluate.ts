import { evaluationSchema, type Evaluation } from '../events/training.ts';

/**
 * Pure evaluation of a model on its validation set, from the true labels and the model's probabilities:
 * what the registry stores with the model and the Library page shows.
 */

export const HISTOGRAM_BINS = 10;

export interface EvaluationInput {
  readonly labels: readonly string[];
  /** Per sample: index into labels. */
  readonly trueLabels: readonly number[];
  /** Per sample: one probability per label. */
  readonly probabilities: readonly (readonly number[])[];
  readonly imageIds: readonly string[];
}

export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** Which of `bins` equal-width bins over [0, 1] a confidence falls in (1.0 goes in the last). */
export function bin(confidence: number, bins = HISTOGRAM_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
}

/**
 * The threshold t maximising F1 of "score > t" against `positive`. Candidates lie midway between
 * consecutive distinct scores (so a confirmed score never sits right at the boundary); on a tie the
 * higher threshold wins (asking a human costs less than a wrong confirmed verdict). With no positive
 * sample F1 is undefined and the threshold is 0.5.
 */
export function bestF1Threshold(
  scores: readonly number[],
  positive: readonly boolean[],
): { threshold: number; f1: number } {
  const total = positive.filter(Boolean).length;
  if (total === 0) return { threshold: 0.5, f1: 0 };
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0,
    fp = 0,
    best = { threshold: 1, f1: 0 };
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (positive[i]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue; // take a group of equal scores whole
    const f1 = (2 * tp) / (2 * tp + fp + (total - tp));
    const threshold = next === undefined ? scores[i]! / 2 : (scores[i]! + scores[next]!) / 2;
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best;
}

/** Expected calibration error: sum over confidence bins of (bin share) * |accuracy - mean confidence|. */
export function expectedCalibrationError(
  confidence: readonly number[],
  correct: readonly boolean[],
  bins = HISTOGRAM_BINS,
): number {
  const n = confidence.length;
  if (n === 0) return 0;
  const count = new Array<number>(bins).fill(0),
    conf = new Array<number>(bins).fill(0),
    hits = new Array<number>(bins).fill(0);
  confidence.forEach((c, i) => {
    const b = bin(c, bins);
    count[b]! += 1;
    conf[b]! += c;
    if (correct[i]) hits[b]! += 1;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++)
    if (count[b]! > 0) ece += (count[b]! / n) * Math.abs(hits[b]! / count[b]! - conf[b]! / count[b]!);
  return ece;
}

/** Mean per-label recall: a model that calls everything one label scores 1/K, however imbalanced the set. */
export function balancedAccuracy(e: Pick<Evaluation, 'labels' | 'recall'>): number {
  return e.labels.reduce((s, l) => s + (e.recall[l] ?? 0), 0) / Math.max(1, e.labels.length);
}

/** Labels the model never recognised on validation (recall 0): such a model must not be signed off as is. */
export function unrecognisedLabels(e: Pick<Evaluation, 'labels' | 'recall'>): string[] {
  return e.labels.filter((l) => (e.recall[l] ?? 0) === 0);
}

/** The least a model must show on validation to be activated without an explicit override (a plot type's). */
export interface ActivationBar {
  readonly minBalancedAccuracy: number;
  readonly minRecall: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Why a model is under its plot type's bar, one line per reason; none when it clears it. A model that
 * calls everything one label fails both: its balanced accuracy is 1/K and the other labels' recall is 0.
 */
export function barProblems(e: Pick<Evaluation, 'labels' | 'recall'>, bar: ActivationBar): string[] {
  const out: string[] = [];
  const balanced = balancedAccuracy(e);
  if (balanced < bar.minBalancedAccuracy)
    out.push(`balanced accuracy ${pct(balanced)} is under the plot type's minimum ${pct(bar.minBalancedAccuracy)}`);
  const blind = unrecognisedLabels(e);
  if (blind.length)
    out.push(`it never recognised ${blind.join(', ')} on validation (recall 0): it calls everything something else`);
  const weak = e.labels.filter((l) => (e.recall[l] ?? 0) > 0 && (e.recall[l] ?? 0) < bar.minRecall);
  if (weak.length)
    out.push(
      `recall of ${weak.map((l) => `${l} ${pct(e.recall[l] ?? 0)}`).join(', ')} is under the minimum ${pct(bar.minRecall)}`,
    );
  return out;
}

/**
 * Bad recall at a Good specificity (from P(Bad) of Bad and of Good images) of at least `specificity`: the threshold on P(Bad) is the smallest that
 * keeps that share of the Good images under it (so at most 2 % of Good would be called Bad at 0.98).
 */
export function recallAtSpecificity(bad: readonly number[], good: readonly number[], specificity: number): number {
  if (bad.length === 0) return 1;
  const sorted = [...good].sort((a, b) => a - b);
  const k = Math.min(sorted.length - 1, Math.ceil(specificity * sorted.length) - 1);
  const threshold = sorted.length ? sorted[Math.max(0, k)]! : 0.5;
  return bad.filter((s) => s > threshold).length / bad.length;
}

export function evaluate(input: EvaluationInput): Evaluation {
  const { labels, trueLabels, probabilities, imageIds } = input;
  const K = labels.length,
    n = trueLabels.length;
  if (probabilities.length !== n || imageIds.length !== n)
    throw new RangeError('trueLabels, probabilities and imageIds must have one entry per sample');
  const confusion = labels.map(() => new Array<number>(K).fill(0));
  const histograms = labels.map(() => labels.map(() => new Array<number>(HISTOGRAM_BINS).fill(0)));
  const predicted = probabilities.map((p) => argmax(p));
  const confidence = probabilities.map((p, i) => p[predicted[i]!]!);
  const misclassified: Evaluation['misclassified'] = [];
  for (let i = 0; i < n; i++) {
    const t = trueLabels[i]!,
      p = predicted[i]!;
    if (t < 0 || t >= K || probabilities[i]!.length !== K)
      throw new RangeError(`sample ${i}: label or probabilities do not match ${K} labels`);
    confusion[t]![p]! += 1;
    histograms[t]![p]![bin(confidence[i]!)]! += 1;
    if (t !== p)
      misclassified.push({
        imageId: imageIds[i]!,
        label: labels[t]!,
        predicted: labels[p]!,
        confidence: confidence[i]!,
      });
  }
  misclassified.sort((a, b) => b.confidence - a.confidence); // the most confidently wrong first
  const precision: Record<string, number> = {},
    recall: Record<string, number> = {},
    thresholds: Record<string, number> = {};
  labels.forEach((name, k) => {
    const tp = confusion[k]![k]!;
    const predictedK = confusion.reduce((s, row) => s + row[k]!, 0);
    const actualK = confusion[k]!.reduce((s, v) => s + v, 0);
    precision[name] = predictedK > 0 ? tp / predictedK : 0;
    recall[name] = actualK > 0 ? tp / actualK : 0;
    thresholds[name] = bestF1Threshold(
      probabilities.map((p) => p[k]!),
      trueLabels.map((t) => t === k),
    ).threshold;
  });
  const correct = predicted.map((p, i) => p === trueLabels[i]);
  return evaluationSchema.parse({
    labels: [...labels],
    confusion,
    confidenceHistograms: histograms,
    precision,
    recall,
    thresholds,
    accuracy: n > 0 ? correct.filter(Boolean).length / n : 0,
    calibrationError: expectedCalibrationError(confidence, correct),
    misclassified,
  });
}
