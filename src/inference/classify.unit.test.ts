import { describe, expect, it } from 'vitest';
import { samplingReason, wantsHeatmap } from '../verdicts/semantics.ts';
import { decide, softmax } from './classify.ts';
import { heatmapSize, normalise, peak } from './heatmap.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { plotTypeSpec } from '../../test/support/events.ts';

const spec = (heatmap: 'always' | 'bad' | 'never' = 'bad') =>
  plotTypeSpecSchema.parse({ ...plotTypeSpec('CDC_occupancy'), heatmap });

describe('verdicts', () => {
  it('turns logits into probabilities that sum to one', () => {
    const p = softmax([2, 0]);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 10);
    expect(p[0]).toBeGreaterThan(0.85);
    expect(softmax([1000, 0])[0]).toBe(1);
  });

  it('confirms a verdict only above its own threshold', () => {
    const labels = ['Good', 'Bad'];
    expect(decide(labels, [0.3, 0.7], { Good: 0.5, Bad: 0.6 })).toMatchObject({
      verdict: 'Bad',
      confidence: 0.7,
      confirmed: true,
    });
    expect(decide(labels, [0.3, 0.7], { Good: 0.5, Bad: 0.8 })).toMatchObject({ verdict: 'Bad', confirmed: false });
    expect(decide(labels, [0.9, 0.1], {}).confirmed).toBe(true);
  });

  it('queues confirmed Bad and every Unconfirmed image for labelling, and draws heatmaps by policy', () => {
    const bad = decide(['Good', 'Bad'], [0.1, 0.9], { Bad: 0.5, Good: 0.5 });
    const good = decide(['Good', 'Bad'], [0.9, 0.1], { Bad: 0.5, Good: 0.5 });
    const unsure = decide(['Good', 'Bad'], [0.55, 0.45], { Bad: 0.5, Good: 0.6 });
    expect(samplingReason(spec(), bad)).toBe('bad');
    expect(samplingReason(spec(), good)).toBeNull();
    expect(samplingReason(spec(), unsure)).toBe('unconfirmed');
    expect([wantsHeatmap(spec(), bad), wantsHeatmap(spec(), good), wantsHeatmap(spec(), unsure)]).toEqual([
      true,
      false,
      true,
    ]);
    expect(wantsHeatmap(spec('always'), good)).toBe(true);
    expect(wantsHeatmap(spec('never'), bad)).toBe(false);
  });
});

describe('heatmaps', () => {
  it('normalises a map and finds its peak', () => {
    const m = normalise([1, 2, 3, 9, 1, 1]);
    expect(m[3]).toBe(1);
    expect(m[0]).toBe(0);
    expect(peak(m, 3)).toEqual({ x: 0, y: 1 });
    expect([...normalise([2, 2, 2])]).toEqual([0, 0, 0]);
  });
  it('keeps the image proportions at the map resolution', () => {
    expect(heatmapSize(20, 15, 1600, 1200)).toEqual({ width: 40, height: 30 });
    expect(heatmapSize(20, 15, 30, 20)).toEqual({ width: 30, height: 20 });
  });
});
