import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { prng, samplingWeights, stratifiedSplit, validationCount } from './split.ts';

const id = (s: string): string => createHash('sha256').update(s).digest('hex');
const dataset = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([label, n]) =>
    Array.from({ length: n }, (_, i) => ({ imageId: id(`${label}${i}`), label })),
  );

describe('stratifiedSplit', () => {
  it('validates the same fraction of every class', () => {
    const items = dataset({ Good: 100, Bad: 20, NoData: 7 });
    const split = stratifiedSplit(items, 0.2, 1);
    const val = (label: string) => items.filter((it, i) => it.label === label && split[i] === 'validation').length;
    expect([val('Good'), val('Bad'), val('NoData')]).toEqual([20, 4, 1]);
  });

  it('does not depend on input order, and changes with the seed', () => {
    const items = dataset({ Good: 50, Bad: 50 });
    const a = stratifiedSplit(items, 0.3, 7);
    const reversed = [...items].reverse();
    const b = stratifiedSplit(reversed, 0.3, 7);
    const valA = new Set(items.filter((_, i) => a[i] === 'validation').map((x) => x.imageId));
    const valB = new Set(reversed.filter((_, i) => b[i] === 'validation').map((x) => x.imageId));
    expect(valB).toEqual(valA);
    const c = stratifiedSplit(items, 0.3, 8);
    expect(c).not.toEqual(a);
  });

  it('keeps at least one image on each side of a class with two or more, none from a singleton', () => {
    expect([
      validationCount(1, 0.5),
      validationCount(2, 0.01),
      validationCount(2, 0.99),
      validationCount(10, 0.25),
    ]).toEqual([0, 1, 1, 3]);
    expect(() => stratifiedSplit([], 0, 1)).toThrow(RangeError);
  });
});

describe('samplingWeights', () => {
  it('none weighs every class 1', () => {
    expect(samplingWeights('none', [90, 10])).toEqual({ lossWeights: [1, 1], samplerWeights: [1, 1] });
  });
  it('balanced draws each class with equal total probability', () => {
    const w = samplingWeights('balanced', [90, 10, 0]);
    expect(w.lossWeights).toEqual([1, 1, 1]);
    expect(90 * w.samplerWeights[0]!).toBeCloseTo(10 * w.samplerWeights[1]!);
    expect(w.samplerWeights[2]).toBe(0);
  });
  it('weighted scales the loss by inverse frequency, keeping the mean sample weight at 1', () => {
    const w = samplingWeights('weighted', [90, 10]);
    expect(w.lossWeights[0]! * 90).toBeCloseTo(w.lossWeights[1]! * 10);
    expect((90 * w.lossWeights[0]! + 10 * w.lossWeights[1]!) / 100).toBeCloseTo(1);
    expect(samplingWeights('weighted', [5, 5]).lossWeights).toEqual([1, 1]);
  });
});

describe('prng', () => {
  it('is reproducible and spread over [0, 1)', () => {
    const a = prng(42),
      b = prng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / 1000).toBeGreaterThan(0.45);
  });
});
