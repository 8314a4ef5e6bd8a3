import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { shaOf } from '../../../test/support/events.ts';
import { arrivalIdOf } from '../../events/image.ts';
import { verdictsProjection } from './projection.ts';
import { OUTCOME } from '../../verdicts/semantics.ts';

const a = shaOf('a');
const b = shaOf('b');
const arrivedData = (imageId: string) => ({
  arrivalId: imageId,
  imageId,
  plotType: 'CDC_occ',
  run: 7,
  runPeriod: '2026-01',
  chunk: 3,
  pad: 2,
  arrivedAt: '2026-11-26T11:00:00+01:00',
  width: 8,
  height: 8,
  bytes: 9,
  source: 's',
});
const timings = { queueMs: 1, preprocessMs: 2, modelMs: 3 };

describe('verdicts projection', () => {
  it('keeps one row per arrival: the same bytes in two chunks are two verdicts of one image', () => {
    const e = eventStream();
    const second = arrivalIdOf({ plotType: 'CDC_occ', run: 7, chunk: 4, pad: 2, imageId: a });
    const verdict = (arrivalId: string, v: 'Good' | 'Bad') =>
      e('inference.completed', {
        arrivalId,
        imageId: a,
        plotType: 'CDC_occ',
        modelId: 'm1',
        scores: v === 'Bad' ? { Good: 0.1, Bad: 0.9 } : { Good: 0.9, Bad: 0.1 },
        verdict: v,
        confidence: 0.9,
        confirmed: true,
        timings,
      });
    const rows = project(verdictsProjection, [
      e('image.arrived', arrivedData(a)),
      verdict(a, 'Good'),
      e('image.arrived', { ...arrivedData(a), arrivalId: second, chunk: 4 }),
      verdict(second, 'Bad'),
    ]);
    expect(rows.size).toBe(2);
    expect(rows.get(a)).toMatchObject({ imageId: a, chunk: 3, outcome: 'Good' });
    expect(rows.get(second)).toMatchObject({ arrivalId: second, imageId: a, chunk: 4, outcome: 'Bad' });
  });

  it('joins an image with its verdict, in either order, and keys outcomes for the Log', () => {
    const e = eventStream();
    const rows = project(verdictsProjection, [
      e('image.arrived', arrivedData(a)),
      e('inference.completed', {
        arrivalId: a,
        imageId: a,
        plotType: 'CDC_occ',
        modelId: 'm1',
        scores: { Good: 0.3, Bad: 0.7 },
        verdict: 'Bad',
        confidence: 0.7,
        confirmed: false,
        timings,
      }),
      e('inference.completed', {
        arrivalId: b,
        imageId: b,
        plotType: 'CDC_occ',
        modelId: 'm1',
        scores: { Good: 0.9, Bad: 0.1 },
        verdict: 'Good',
        confidence: 0.9,
        confirmed: true,
        timings,
        heatmap: shaOf('h'),
      }),
      e('image.arrived', arrivedData(b)),
    ]);
    expect(rows.get(a)).toMatchObject({
      status: 'classified',
      outcome: OUTCOME.unconfirmed,
      verdict: 'Bad',
      run: 7,
      chunk: 3,
      pad: 2,
      arrivedAt: '2026-11-26T10:00:00.000Z',
      scores: { Good: 0.3, Bad: 0.7 },
    });
    expect(rows.get(b)).toMatchObject({
      status: 'classified',
      outcome: 'Good',
      heatmap: shaOf('h'),
      run: 7,
      runPeriod: '2026-01',
    });
  });

  it('keeps a verdict final: a later skip or failure of the same image changes nothing', () => {
    const e = eventStream();
    const rows = project(verdictsProjection, [
      e('image.arrived', arrivedData(a)),
      e('inference.failed', { arrivalId: b, imageId: b, plotType: 'CDC_occ', modelId: 'm2', reason: 'corrupt <png>' }),
      e('inference.completed', {
        arrivalId: a,
        imageId: a,
        plotType: 'CDC_occ',
        modelId: 'm1',
        scores: { Good: 1, Bad: 0 },
        verdict: 'Good',
        confidence: 1,
        confirmed: true,
        timings,
      }),
      e('inference.skipped', { arrivalId: a, imageId: a, plotType: 'CDC_occ', reason: 'no-active-model' }),
    ]);
    expect(rows.get(a)).toMatchObject({ status: 'classified', outcome: 'Good' });
    expect(rows.get(b)).toMatchObject({
      status: 'failed',
      outcome: OUTCOME.failed,
      reason: 'corrupt <png>',
      modelId: 'm2',
      arrivedAt: null,
    });
  });
});
