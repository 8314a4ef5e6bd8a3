import type { RetrainPolicy } from './policy.ts';
import { gTest } from './statistics.ts';

/**
 * The verdict mix, a drift signal that needs no labels and sees a confidently wrong model: the share of each label
 * among the model's latest verdicts against its own first live verdicts'. A detector change the model has not seen
 * may leave its confidences alone (it is as sure calling the new normal Bad as of anything) but not the mix.
 */

/** The verdict mix, recent against reference, and how significant its change is. */
export interface VerdictMix {
  /** Verdicts counted: the model's first live ones, and its latest ones after them. */
  readonly reference: number;
  readonly recent: number;
  /** Per predicted label, its count in each, labels in name order. */
  readonly labels: readonly { readonly label: string; readonly reference: number; readonly recent: number }[];
  /** The largest change of a label's share (0–1), and which label it was (its recent share is the higher or lower). */
  readonly shift: number;
  readonly shifted: string;
  /** G-test of the two samples of counts. */
  readonly statistic: number;
  readonly pValue: number;
  readonly drifting: boolean;
}

const sumOf = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * The verdict mix's change, once the reference is complete and enough verdicts followed it (null before). Drifting
 * needs both a significant G-test and a share that moved by at least `mixMinShift`.
 */
export function verdictMixOf(
  reference: Readonly<Record<string, number>> | undefined,
  recent: Readonly<Record<string, number>> | undefined,
  policy: Pick<RetrainPolicy, 'mixReference' | 'mixMinVerdicts' | 'mixAlpha' | 'mixMinShift'>,
): VerdictMix | null {
  if (!reference || !recent) return null;
  const nRef = sumOf(reference);
  const nRecent = sumOf(recent);
  if (nRef < policy.mixReference || nRecent < policy.mixMinVerdicts || nRecent === 0) return null;
  const labels = [...new Set([...Object.keys(reference), ...Object.keys(recent)])]
    .sort((a, b) => a.localeCompare(b))
    .map((label) => ({ label, reference: reference[label] ?? 0, recent: recent[label] ?? 0 }));
  let shift = 0;
  let shifted = labels[0]?.label ?? '';
  for (const l of labels) {
    const d = Math.abs(l.recent / nRecent - l.reference / nRef);
    if (d > shift) [shift, shifted] = [d, l.label];
  }
  const g = gTest(reference, recent);
  return {
    reference: nRef,
    recent: nRecent,
    labels,
    shift,
    shifted,
    statistic: g.statistic,
    pValue: g.pValue,
    drifting: g.pValue < policy.mixAlpha && shift >= policy.mixMinShift,
  };
}

/** The mix in words: "Bad 75.0 % of the latest 200 verdicts against 50.0 % of the first 100 (p = 1.2e-5)". */
export function mixText(m: VerdictMix): string {
  const l = m.labels.find((x) => x.label === m.shifted);
  const share = (k: number, n: number) => `${((100 * k) / n).toFixed(1)} %`;
  return `${m.shifted} ${share(l?.recent ?? 0, m.recent)} of the latest ${m.recent} verdicts against ${share(l?.reference ?? 0, m.reference)} of the first ${m.reference} (p = ${m.pValue.toExponential(1)})`;
}
