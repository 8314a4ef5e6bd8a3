import { mixText, type VerdictMix, verdictMixOf } from './mix.ts';
import { binomialLowerTail, type Interval, populationStabilityIndex, wilsonInterval } from './statistics.ts';

/**
 * The self-sustaining loop's decisions, pure: how well the active model does on the unbiased, human-labelled
 * sample (never the Bad/Unconfirmed queues, which are biased towards what the model found), whether labelling
 * is fresh enough to trust that, whether the model's confidences drifted from its training set's or its verdicts'
 * mix from its own first live verdicts', and whether that is evidence enough to retrain. The clock comes in from
 * the caller.
 */

/** One unbiased sample an expert labelled, judged against the verdict the model gave it. */
export interface LabelledSample {
  readonly label: string;
  readonly predicted: string;
  /** When the sample was taken (the image arrived) and when it was labelled, ISO 8601. */
  readonly sampledAt: string;
  readonly labelledAt: string;
}

export interface TrailingAccuracy {
  /** Samples counted: the last `window` labelled, or all if fewer. */
  readonly n: number;
  readonly correct: number;
  readonly accuracy: Interval;
  /** Per true label: how many samples and the share the model got right. */
  readonly recall: Readonly<Record<string, { readonly n: number; readonly recall: Interval }>>;
  /** The sampling times the window covers (null when empty). */
  readonly from: string | null;
  readonly to: string | null;
}

/** Accuracy over the last `window` labelled samples (ordered oldest first), with Wilson intervals. */
export function trailingAccuracy(samples: readonly LabelledSample[], window: number): TrailingAccuracy {
  const recent = samples.slice(Math.max(0, samples.length - window));
  const perLabel = new Map<string, { n: number; right: number }>();
  let correct = 0;
  for (const s of recent) {
    const right = s.label === s.predicted;
    if (right) correct++;
    const c = perLabel.get(s.label) ?? { n: 0, right: 0 };
    c.n++;
    if (right) c.right++;
    perLabel.set(s.label, c);
  }
  const recall: Record<string, { n: number; recall: Interval }> = {};
  for (const [label, c] of [...perLabel].sort(([a], [b]) => a.localeCompare(b))) {
    recall[label] = { n: c.n, recall: wilsonInterval(c.right, c.n) };
  }
  return {
    n: recent.length,
    correct,
    accuracy: wilsonInterval(correct, recent.length),
    recall,
    from: recent[0]?.sampledAt ?? null,
    to: recent.at(-1)?.sampledAt ?? null,
  };
}

export interface Freshness {
  /** Unbiased samples still waiting for a label. */
  readonly waiting: number;
  /** How long the oldest waiting sample has waited, in ms (0 when none waits). */
  readonly oldestWaitingMs: number;
  /** The newest labelled sample's sampling time (null: nothing labelled yet). */
  readonly labelledThrough: string | null;
  /** True when the trailing figure describes the past rather than now: too old to show as current. */
  readonly stale: boolean;
}

export interface FreshnessPolicy {
  /** A sample waiting longer than this makes the figure stale. */
  readonly maxWaitMs: number;
}

/** The unbiased samples still waiting for a label: how many, and when the oldest was taken (null: none). */
export interface Waiting {
  readonly count: number;
  readonly oldest: string | null;
}

export function labelFreshness(
  waiting: Waiting,
  labelledThrough: string | null,
  now: Date,
  policy: FreshnessPolicy,
): Freshness {
  const oldestWaitingMs = waiting.oldest === null ? 0 : Math.max(0, now.getTime() - Date.parse(waiting.oldest));
  return {
    waiting: waiting.count,
    oldestWaitingMs,
    labelledThrough,
    stale: oldestWaitingMs > policy.maxWaitMs,
  };
}

export interface RetrainPolicy {
  /** Labelled samples since activation before the accuracy test may speak. */
  readonly minSamples: number;
  /** Samples the trailing accuracy is measured over. */
  readonly window: number;
  /** How unlikely the trailing result must be for a model as good as validation said (one-sided). */
  readonly alpha: number;
  /** Validation accuracy is itself measured on few images: test against it less this margin. */
  readonly margin: number;
  /** Population stability index of the confidences beyond which the model is drifting. */
  readonly driftThreshold: number;
  /** Recent verdicts before the drift signal may speak. */
  readonly minVerdicts: number;
  /** Validation images the reference histogram must hold: a PSI against a handful of them is noise. */
  readonly minReference: number;
  /** The latest verdicts both drift signals look at. */
  readonly driftWindow: number;
  /** The model's first live verdicts that are the verdict mix's reference (the mix is judged once there are this many). */
  readonly mixReference: number;
  /** Verdicts after the reference before the mix is judged. */
  readonly mixMinVerdicts: number;
  /** How unlikely the recent mix must be if the model still saw what it saw at first (G-test). */
  readonly mixAlpha: number;
  /** And how far at least one label's share must have moved (0–1): a huge window makes a trifle significant. */
  readonly mixMinShift: number;
  /** After a request, none again for this long (ms), whatever the evidence. */
  readonly coolDownMs: number;
}

export const DEFAULT_RETRAIN_POLICY: RetrainPolicy = {
  minSamples: 20,
  window: 50,
  alpha: 0.01,
  margin: 0.05,
  driftThreshold: 0.25,
  minVerdicts: 200,
  minReference: 100,
  driftWindow: 500,
  mixReference: 100,
  mixMinVerdicts: 50,
  mixAlpha: 0.001,
  mixMinShift: 0.15,
  coolDownMs: 6 * 3600_000,
};

/** What the loop knows about one plot type's active model at a moment. */
export interface ModelEvidence {
  readonly modelId: string;
  readonly validationAccuracy: number;
  /** Unbiased labelled samples judged against this model's verdicts, oldest first. */
  readonly samples: readonly LabelledSample[];
  /** The training set's (validation) confidence histogram and the recent verdicts' one, same bins. */
  readonly trainingConfidences: readonly number[];
  readonly recentConfidences: readonly number[];
  /**
   * How many verdicts of each label the model gave first when live (its reference) and lately, after those. A model
   * that is confidently wrong keeps its confidences but not its mix: it calls the new normal Bad.
   */
  readonly referenceMix?: Readonly<Record<string, number>>;
  readonly recentMix?: Readonly<Record<string, number>>;
  /** When the loop last asked to retrain this plot type (null: never). */
  readonly lastRequestAt: string | null;
}

/** `drifting`: the confidences or the verdict mix moved past the threshold (said whether or not a training is asked for). */
export interface RetrainDecision {
  readonly retrain: boolean;
  readonly drifting: boolean;
  readonly why: string;
  readonly evidence: Evidence;
}

export interface Evidence {
  readonly modelId: string;
  readonly validationAccuracy: number;
  readonly trailing: TrailingAccuracy;
  /** P(this few right | the model is as good as validation less the margin). */
  readonly pValue: number | null;
  readonly drift: number | null;
  readonly mix: VerdictMix | null;
}

/**
 * Whether the evidence says retrain, and why (said either way, so the pages can show it). Only labels can ask
 * for a training; drift of the confidences is reported as such, ahead of the labels.
 */
export function decideRetrain(evidence: ModelEvidence, now: Date, policy: RetrainPolicy): RetrainDecision {
  const trailing = trailingAccuracy(evidence.samples, policy.window);
  const expected = Math.max(0, evidence.validationAccuracy - policy.margin);
  const pValue = trailing.n >= policy.minSamples ? binomialLowerTail(trailing.correct, trailing.n, expected) : null;
  const verdicts = evidence.recentConfidences.reduce((a, b) => a + b, 0);
  const drift =
    verdicts >= policy.minVerdicts && evidence.trainingConfidences.reduce((a, b) => a + b, 0) >= policy.minReference
      ? populationStabilityIndex(evidence.trainingConfidences, evidence.recentConfidences)
      : null;
  const mix = verdictMixOf(evidence.referenceMix, evidence.recentMix, policy);
  const facts: Evidence = {
    modelId: evidence.modelId,
    validationAccuracy: evidence.validationAccuracy,
    trailing,
    pValue,
    drift,
    mix,
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const below = pValue !== null && pValue < policy.alpha;
  const confidenceDrifted = drift !== null && drift > policy.driftThreshold;
  const drifted = confidenceDrifted || mix?.drifting === true;
  const driftSigns = [
    ...(confidenceDrifted ? [`confidence drift ${drift?.toFixed(2)} over ${policy.driftThreshold}`] : []),
    ...(mix?.drifting ? [`verdict mix moved: ${mixText(mix)}`] : []),
  ].join('; ');
  // Drift alone asks for labels, not for a training: until experts label the changed plots, a retraining would
  // learn from the same labels as the model it replaces (and its cool-down would then hold off the one that can).
  const driftNote = drifted
    ? `${driftSigns}: the detector may have changed; the unbiased sample needs labels to tell`
    : null;
  if (!below) {
    const why =
      pValue === null
        ? `${trailing.n} of ${policy.minSamples} labelled samples needed to judge accuracy`
        : `trailing accuracy ${pct(trailing.accuracy.estimate)} over ${trailing.n} is consistent with validation ${pct(evidence.validationAccuracy)}`;
    return { retrain: false, drifting: drifted, why: driftNote ? `${driftNote}; ${why}` : why, evidence: facts };
  }
  if (evidence.lastRequestAt !== null) {
    const since = now.getTime() - Date.parse(evidence.lastRequestAt);
    if (since < policy.coolDownMs) {
      return {
        retrain: false,
        drifting: drifted,
        why: `cooling down: retraining was requested ${Math.round(since / 60_000)} min ago`,
        evidence: facts,
      };
    }
  }
  const reasons = [
    `trailing accuracy ${pct(trailing.accuracy.estimate)} (${trailing.correct}/${trailing.n}, 95 % ${pct(trailing.accuracy.low)}–${pct(trailing.accuracy.high)}) is below validation ${pct(evidence.validationAccuracy)} (p = ${pValue?.toExponential(1)})`,
  ];
  if (drifted) reasons.push(driftSigns);
  return { retrain: true, drifting: drifted, why: reasons.join('; '), evidence: facts };
}

export interface Comparison {
  readonly n: number;
  /** Samples only the challenger got right, and only the champion. */
  readonly challengerOnly: number;
  readonly championOnly: number;
  readonly championAccuracy: number;
  readonly challengerAccuracy: number;
  /** Exact McNemar (sign) test: P(challenger at least this much better | they are equal). */
  readonly pValue: number;
  readonly challengerBetter: boolean;
}

/**
 * Champion against challenger on the same recent labelled samples. Only the samples where they disagree
 * tell them apart; the challenger wins when it is right on significantly more of them.
 */
export function compareModels(
  samples: readonly { readonly label: string; readonly champion: string; readonly challenger: string }[],
  alpha = 0.05,
): Comparison {
  let challengerOnly = 0;
  let championOnly = 0;
  let champ = 0;
  let chall = 0;
  for (const s of samples) {
    const a = s.champion === s.label;
    const b = s.challenger === s.label;
    if (a) champ++;
    if (b) chall++;
    if (b && !a) challengerOnly++;
    if (a && !b) championOnly++;
  }
  const discordant = challengerOnly + championOnly;
  // P(X ≥ challengerOnly) for X ~ Bin(discordant, ½) = P(Y ≤ championOnly), Y the champion's wins.
  const pValue = discordant === 0 ? 1 : binomialLowerTail(championOnly, discordant, 0.5);
  const n = samples.length;
  return {
    n,
    challengerOnly,
    championOnly,
    championAccuracy: n === 0 ? 0 : champ / n,
    challengerAccuracy: n === 0 ? 0 : chall / n,
    pValue,
    challengerBetter: challengerOnly > championOnly && pValue < alpha,
  };
}
