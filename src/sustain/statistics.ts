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

/** ln Γ(x) for x > 0 (Lanczos, g = 7): accurate to ~1e-15, all the chi-square tail needs. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
function gammaUpper(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lead) * h);
}

/** P(X ≥ x) for X ~ χ² with `df` degrees of freedom. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`df must be > 0, got ${df}`);
  return gammaUpper(df / 2, x / 2);
}

export interface GTest {
  /** G = 2 Σ O ln(O / E) over the 2 × k table of counts. */
  readonly statistic: number;
  readonly df: number;
  /** P(G at least this large | both samples come from one distribution over the categories). */
  readonly pValue: number;
}

/**
 * G-test of independence on two samples of counts over the same categories (a 2 × k contingency table): do they
 * come from one distribution? Categories empty in both are left out; with fewer than two left, or an empty sample,
 * there is nothing to tell apart (G = 0, p = 1). Like chi-square, it wants a few expected counts per cell: the caller
 * sets a minimum sample size.
 */
export function gTest(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): GTest {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => (a[k] ?? 0) + (b[k] ?? 0) > 0);
  const na = keys.reduce((s, k) => s + (a[k] ?? 0), 0);
  const nb = keys.reduce((s, k) => s + (b[k] ?? 0), 0);
  if (keys.length < 2 || na === 0 || nb === 0) return { statistic: 0, df: Math.max(1, keys.length - 1), pValue: 1 };
  const n = na + nb;
  let g = 0;
  for (const k of keys) {
    const col = (a[k] ?? 0) + (b[k] ?? 0);
    for (const [o, rowTotal] of [
      [a[k] ?? 0, na],
      [b[k] ?? 0, nb],
    ] as const) {
      if (o > 0) g += o * Math.log(o / ((rowTotal * col) / n));
    }
  }
  const statistic = Math.max(0, 2 * g);
  const df = keys.length - 1;
  return { statistic, df, pValue: chiSquareUpperTail(statistic, df) };
}
