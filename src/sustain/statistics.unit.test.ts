import { describe, expect, it } from 'vitest';
import {
  binomialLowerTail,
  chiSquareUpperTail,
  gTest,
  histogram,
  populationStabilityIndex,
  wilsonInterval,
} from './statistics.ts';

describe('wilsonInterval', () => {
  it('matches the textbook values, including at 0 and n successes', () => {
    const half = wilsonInterval(50, 100);
    expect(half.estimate).toBe(0.5);
    expect(half.low).toBeCloseTo(0.4038, 3);
    expect(half.high).toBeCloseTo(0.5962, 3);
    expect(wilsonInterval(0, 10).low).toBeCloseTo(0, 12);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(0.7225, 3);
    expect(wilsonInterval(10, 10).high).toBeCloseTo(1, 12);
  });

  it('narrows as samples accumulate, and knows nothing without any', () => {
    const few = wilsonInterval(9, 10);
    const many = wilsonInterval(90, 100);
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    expect(wilsonInterval(0, 0)).toMatchObject({ low: 0, high: 1 });
  });

  it('refuses counts that are not counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/0\.\.10/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(0, -1)).toThrow(RangeError);
  });
});

describe('binomialLowerTail', () => {
  it('is the exact chance of at most k successes', () => {
    expect(binomialLowerTail(0, 10, 0.5)).toBeCloseTo(1 / 1024, 12);
    expect(binomialLowerTail(45, 50, 0.98)).toBeCloseTo(0.00320974, 7);
    expect(binomialLowerTail(15, 20, 0.9)).toBeCloseTo(0.0431745, 6);
    expect(binomialLowerTail(20, 20, 0.9)).toBe(1);
  });

  it('handles the certain cases', () => {
    expect(binomialLowerTail(3, 10, 1)).toBe(0);
    expect(binomialLowerTail(3, 10, 0)).toBe(1);
    expect(() => binomialLowerTail(3, 10, 1.2)).toThrow(RangeError);
  });
});

describe('populationStabilityIndex', () => {
  it('is 0 for the same shares and grows with the shift', () => {
    expect(populationStabilityIndex([10, 20, 70], [1, 2, 7])).toBeCloseTo(0, 12);
    const small = populationStabilityIndex([10, 20, 70], [12, 22, 66]);
    const large = populationStabilityIndex([10, 20, 70], [60, 20, 20]);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(0.25);
  });

  it('stays finite when a bin is empty on one side', () => {
    expect(Number.isFinite(populationStabilityIndex([0, 10], [10, 0]))).toBe(true);
  });

  it('refuses histograms over different bins', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(/same/);
  });
});

describe('histogram', () => {
  it('puts 1 in the last bin and clamps outliers', () => {
    expect(histogram([0, 0.05, 0.5, 0.99, 1, 1.2, -0.1], 10)).toEqual([3, 0, 0, 0, 0, 1, 0, 0, 0, 3]);
  });
});

describe('chiSquareUpperTail', () => {
  it('matches the tables', () => {
    expect(chiSquareUpperTail(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(10.827566170662733, 1)).toBeCloseTo(0.001, 10);
    expect(chiSquareUpperTail(5.991464547107979, 2)).toBeCloseTo(0.05, 10);
    expect(chiSquareUpperTail(2, 2)).toBeCloseTo(Math.exp(-1), 12);
    expect(chiSquareUpperTail(0, 3)).toBe(1);
    expect(chiSquareUpperTail(200, 1)).toBeLessThan(1e-40);
  });
});

describe('gTest', () => {
  it('finds no difference between samples of one mix, and a clear one between different mixes', () => {
    expect(gTest({ Good: 50, Bad: 50 }, { Good: 100, Bad: 100 })).toMatchObject({ statistic: 0, df: 1, pValue: 1 });
    const moved = gTest({ Good: 50, Bad: 50 }, { Good: 50, Bad: 150 });
    // G = 2 Σ O ln(O / E), E = row total · column total / 300.
    expect(moved.statistic).toBeCloseTo(18.345, 3);
    expect(moved.pValue).toBeLessThan(1e-4);
    expect(gTest({ Good: 9, Bad: 1 }, { Good: 8, Bad: 2 }).pValue).toBeGreaterThan(0.5);
  });

  it('has nothing to tell apart with one category or an empty sample', () => {
    expect(gTest({ Good: 100 }, { Good: 30, Bad: 0 }).pValue).toBe(1);
    expect(gTest({ Good: 10, Bad: 10 }, {}).pValue).toBe(1);
  });

  it('counts three categories with two degrees of freedom', () => {
    const g = gTest({ Good: 40, Bad: 30, Noise: 30 }, { Good: 20, Bad: 30, Noise: 50 });
    expect(g.df).toBe(2);
    expect(g.pValue).toBeLessThan(0.01);
  });
});
