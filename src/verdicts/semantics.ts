import type { PlotTypeSpec } from '../events/plottype.ts';

/**
 * What a verdict means, in one place, for inference (heatmaps, the labelling queue), the read models
 * (plot status, verdicts), the alarm policy and the pages:
 *
 * - A plot type's **problem labels** are the labels flagged `alarms` plus those its alarm policy names.
 *   Before a plot type's configuration is known, only `Bad` is one.
 * - A verdict is **bad** when it is confirmed (its score passed its label's threshold) and its label is a
 *   problem label; **unconfirmed** when its score did not pass; **good** otherwise (Good, or a label such as
 *   NoData that is not a problem here).
 * - For alarms, a bad verdict is **alarming** when its confidence is at least the policy's minConfidence
 *   (else **neutral**, like an unconfirmed one); a good verdict is **clear**.
 */

export type Meaning = 'bad' | 'unconfirmed' | 'good';

/** The part of a verdict its meaning depends on. */
export interface VerdictLike {
  readonly verdict: string;
  readonly confirmed: boolean;
}

/** The part of a plot type's configuration that gives its verdicts their meaning. */
export type VerdictSemantics = Pick<PlotTypeSpec, 'labels' | 'alarmPolicy'>;

/** A label as the pages draw it: its colour, and whether a confirmed verdict with it is a problem. */
export interface LabelMeaning {
  readonly name: string;
  readonly colour: string;
  readonly bad: boolean;
}

const UNKNOWN_PLOT_TYPE: ReadonlySet<string> = new Set(['Bad']);

/** The labels that are a problem in this plot type (`Bad` alone when the plot type is not known). */
export function problemLabels(spec: VerdictSemantics | null | undefined): ReadonlySet<string> {
  if (!spec) return UNKNOWN_PLOT_TYPE;
  return new Set([...spec.labels.filter((l) => l.alarms).map((l) => l.name), ...spec.alarmPolicy.labels]);
}

/** Every label of the plot type with its colour and problem flag, for read models that keep no spec. */
export function labelMeanings(spec: VerdictSemantics): LabelMeaning[] {
  const problems = problemLabels(spec);
  return spec.labels.map((l) => ({ name: l.name, colour: l.colour, bad: problems.has(l.name) }));
}

/** The problem labels recorded in `labelMeanings` (none recorded: the plot type is not known, so `Bad`). */
export function problemsOf(labels: readonly LabelMeaning[]): ReadonlySet<string> {
  return labels.length === 0 ? UNKNOWN_PLOT_TYPE : new Set(labels.filter((l) => l.bad).map((l) => l.name));
}

export function meaningOf(problems: ReadonlySet<string>, v: VerdictLike): Meaning {
  if (!v.confirmed) return 'unconfirmed';
  return problems.has(v.verdict) ? 'bad' : 'good';
}

/**
 * A verdict as the verdicts read model stores it for SQL readers and the Log: the label when confirmed,
 * else one of these (parentheses never occur in label names).
 */
export const OUTCOME = {
  unconfirmed: '(unconfirmed)',
  pending: '(pending)',
  skipped: '(skipped)',
  failed: '(failed)',
} as const;

export function outcomeOf(v: VerdictLike): string {
  return v.confirmed ? v.verdict : OUTCOME.unconfirmed;
}

/** Whether this verdict gets a heatmap, by the plot type's policy (`bad`: every bad and unconfirmed one). */
export function wantsHeatmap(spec: VerdictSemantics & Pick<PlotTypeSpec, 'heatmap'>, v: VerdictLike): boolean {
  if (spec.heatmap === 'never') return false;
  if (spec.heatmap === 'always') return true;
  return meaningOf(problemLabels(spec), v) !== 'good';
}

/** Why the image joins the labelling queue, if it does: every bad and every unconfirmed verdict. */
export function samplingReason(spec: VerdictSemantics, v: VerdictLike): 'bad' | 'unconfirmed' | null {
  const m = meaningOf(problemLabels(spec), v);
  return m === 'good' ? null : m;
}

export type AlarmClass = 'alarming' | 'clear' | 'neutral';

/** What a verdict says to the alarm policy (see the top of this file). */
export function alarmClass(spec: VerdictSemantics, v: VerdictLike & { readonly confidence: number }): AlarmClass {
  const m = meaningOf(problemLabels(spec), v);
  if (m === 'good') return 'clear';
  if (m === 'unconfirmed') return 'neutral';
  return v.confidence >= spec.alarmPolicy.minConfidence ? 'alarming' : 'neutral';
}
