import { describe, expect, it } from 'vitest';
import { curveLegend, curveSvg } from './curve.ts';

const epochs = [1, 2, 3].map((epoch) => ({
  epoch,
  loss: 1 / epoch,
  valLoss: 1.2 / epoch,
  valAccuracy: 0.5 + epoch / 10,
}));

describe('training curve', () => {
  it('draws accuracy on 0–1 and losses against their maximum, with the kept epoch marked', () => {
    const svg = curveSvg({ epochs, planned: 5, best: 3, title: 'run <1>' }).value;
    expect(svg).toContain('aria-label="run &lt;1&gt;"');
    const series = [...svg.matchAll(/data-series="(\w+)"/g)].map((m) => m[1]);
    expect(series).toEqual(['valAccuracy', 'loss', 'valLoss']);
    expect(svg).toContain('kept: epoch 3');
    // The highest loss (validation, epoch 1) is at the top of the plot area; accuracy 0.8 at 80 %.
    const valLoss = /data-series="valLoss"[^>]*points="([^"]+)"/.exec(svg)![1]!.split(' ')[0]!;
    expect(valLoss).toBe('40.0,24.0');
    const acc = /data-series="valAccuracy"[^>]*points="([^"]+)"/.exec(svg)![1]!.split(' ')[2]!;
    expect(Number(acc.split(',')[1])).toBeCloseTo(194 - 0.8 * 170, 1);
  });

  it('draws balanced accuracy when the trainer reports it, and the legend lists only what is drawn', () => {
    const withBalanced = epochs.map((e) => ({ ...e, valBalancedAccuracy: 0.6 }));
    expect(curveSvg({ epochs: withBalanced, title: 't' }).value).toContain('data-series="valBalancedAccuracy"');
    expect(curveLegend(epochs).value).not.toContain('balanced');
    expect(curveLegend(withBalanced).value).toContain('validation balanced accuracy');
  });

  it('draws a single epoch as a point and no epoch as an empty plot', () => {
    expect(curveSvg({ epochs: epochs.slice(0, 1), title: 't' }).value).toContain('<circle');
    expect(curveSvg({ epochs: [], title: 't' }).value).not.toContain('polyline');
  });
});
