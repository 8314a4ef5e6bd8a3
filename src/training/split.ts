/**
 * Pure dataset decisions: which images validate, and how classes are weighted. Seeded, and independent
 * of the order the images come in (they are sorted by id first), so the same labels give the same split.
 */

export type Split = 'train' | 'validation';
export type SamplingMethod = 'none' | 'balanced' | 'weighted';

export interface LabelledImage {
  readonly imageId: string;
  readonly label: string;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, to give every class its own random stream from one seed. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** How many of a class's n images validate: round(n * fraction), but at least one each side once n >= 2. */
export function validationCount(n: number, fraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

/**
 * Stratified split: within each label, images are sorted by id, shuffled with a PRNG seeded by
 * (seed, label), and the first validationCount() of them validate. Returns one Split per input item.
 */
export function stratifiedSplit(items: readonly LabelledImage[], validationFraction: number, seed: number): Split[] {
  if (!(validationFraction > 0 && validationFraction < 1))
    throw new RangeError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  const byLabel = new Map<string, number[]>();
  items.forEach((it, i) => {
    const list = byLabel.get(it.label) ?? [];
    list.push(i);
    byLabel.set(it.label, list);
  });
  const out: Split[] = new Array<Split>(items.length).fill('train');
  for (const [label, indices] of byLabel) {
    indices.sort((a, b) =>
      items[a]!.imageId < items[b]!.imageId ? -1 : items[a]!.imageId > items[b]!.imageId ? 1 : a - b,
    );
    const rand = prng((seed ^ hash32(label)) >>> 0);
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [indices[i], indices[j]] = [indices[j]!, indices[i]!];
    }
    const nVal = validationCount(indices.length, validationFraction);
    for (let k = 0; k < nVal; k++) out[indices[k]!] = 'validation';
  }
  return out;
}

export interface SamplingWeights {
  /** Per class: multiplies each sample's loss (the 'weighted' method). */
  readonly lossWeights: number[];
  /** Per class: relative probability of drawing one of its samples (the 'balanced' method). */
  readonly samplerWeights: number[];
}

/**
 * Turns a sampling method and the training set's per-class counts into per-class weights.
 * - none: every sample counts once.
 * - balanced: a sampler draws each class equally often (sample weight 1/n_class, with replacement).
 * - weighted: the loss of a class is scaled by N / (K * n_class) (inverse frequency; a balanced set gives 1).
 * A class with no training samples gets weight 0.
 */
export function samplingWeights(method: SamplingMethod, trainCounts: readonly number[]): SamplingWeights {
  const ones = trainCounts.map(() => 1);
  const total = trainCounts.reduce((a, b) => a + b, 0);
  const present = trainCounts.filter((n) => n > 0).length;
  switch (method) {
    case 'none':
      return { lossWeights: ones, samplerWeights: ones };
    case 'balanced':
      return { lossWeights: ones, samplerWeights: trainCounts.map((n) => (n > 0 ? 1 / n : 0)) };
    case 'weighted':
      return { lossWeights: trainCounts.map((n) => (n > 0 ? total / (present * n) : 0)), samplerWeights: ones };
  }
}
