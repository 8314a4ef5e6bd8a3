export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export interface Verdict {
  readonly scores: Record<string, number>;
  readonly verdict: string;
  readonly verdictIndex: number;
  readonly confidence: number;
  /** The verdict's score exceeds that label's confirmation threshold; otherwise the image is Unconfirmed. */
  readonly confirmed: boolean;
}

/** Scores to a verdict: the top label, confirmed only above its own threshold. Pure. */
export function decide(
  labels: readonly string[],
  probabilities: readonly number[],
  thresholds: Readonly<Record<string, number>>,
): Verdict {
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[best]!) best = i;
  const verdict = labels[best]!;
  const confidence = probabilities[best]!;
  const scores = Object.fromEntries(labels.map((l, i) => [l, round(probabilities[i]!)]));
  return {
    scores,
    verdict,
    verdictIndex: best,
    confidence: round(confidence),
    confirmed: confidence > (thresholds[verdict] ?? 0.5),
  };
}

const round = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 1e6) / 1e6;
