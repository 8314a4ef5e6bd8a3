import { bin, HISTOGRAM_BINS } from '../training/evaluate.ts';

/**
 * The statistics the self-sustaining loop decides with, pure and small: how sure we are of an accuracy
 * measured on a few labelled samples (Wilson interval), whether it is significantly below what validation
 * promised (exact binomial tail), and how far a distribution of confidences has moved from the training
 * set's (population stability index).
 */

/** A proportion's estimate and its two-sided interval. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for `successes` out of `n` (two-sided, `z` standard deviations). Unlike the normal
 * approximation it stays inside [0, 1] and is honest at 0 or n successes, which is where a good model sits.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be a whole number in 0..${n}, got ${successes}`);
  }
  if (n === 0) return { estimate: Number.NaN, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/**
 * P(X ≤ successes) for X ~ Binomial(n, p): the chance that a model as accurate as `p` gets at most this many
 * right. Small means the trailing accuracy is really below `p`, not one bad day. Exact, summed in log space.
 */
export function binomialLowerTail(successes: number, n: number, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (successes >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let total = 0;
  for (let k = 0; k <= successes; k++) total += Math.exp(logChoose(n, k) + k * lp + (n - k) * lq);
  return Math.min(1, total);
}

/** Smallest share a bin is given, so that an empty bin does not make the index infinite. */
const PSI_FLOOR = 1e-4;

/**
 * Population stability index between a reference histogram (the training set's confidences) and a recent
 * one, over the same bins: Σ (r − e) · ln(r / e) of the shares. Conventionally under 0.1 is no change,
 * 0.1–0.25 a shift worth watching, over 0.25 a different population.
 */
export function populationStabilityIndex(reference: readonly number[], recent: readonly number[]): number {
  if (reference.length !== recent.length || reference.length === 0) {
    throw new RangeError(`histograms need the same, non-zero number of bins (${reference.length} vs ${recent.length})`);
  }
  const sum = (h: readonly number[]) => h.reduce((a, b) => a + b, 0);
  const e = sum(reference);
  const r = sum(recent);
  if (e === 0 || r === 0) return 0;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const pe = Math.max(PSI_FLOOR, (reference[i] ?? 0) / e);
    const pr = Math.max(PSI_FLOOR, (recent[i] ?? 0) / r);
    psi += (pr - pe) * Math.log(pr / pe);
  }
  return psi;
}

/** Counts of confidences in the training report's bins (`bin` of src/training/evaluate.ts). */
export function histogram(values: Iterable<number>, bins = HISTOGRAM_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = bin(v, bins);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}
