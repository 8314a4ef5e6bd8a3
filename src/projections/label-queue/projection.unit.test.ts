import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { shaOf } from '../../../test/support/events.ts';
import { labelHistoryProjection, labelQueueProjection } from './projection.ts';

const img = (n: number) => shaOf(`img${n}`);
const BATCH = '6f1c2b0e-3d4a-4b5c-8d9e-0a1b2c3d4e5f';

function history() {
  const e = eventStream();
  const arrive = (n: number) =>
    e('image.arrived', {
      arrivalId: img(n),
      imageId: img(n),
      plotType: 'CDC_occ',
      run: 1001,
      chunk: n,
      pad: 1,
      arrivedAt: '2026-11-26T10:00:00Z',
      width: 8,
      height: 8,
      bytes: 10,
      source: 'x.png',
    });
  return { e, arrive };
}

describe('label_queue projection', () => {
  it('keeps each image with its queues, verdict, current label, unsure flag and comment count', () => {
    const { e, arrive } = history();
    const rows = project(labelQueueProjection, [
      arrive(1),
      arrive(2),
      arrive(1),
      e('image.sampled', { imageId: img(1), plotType: 'CDC_occ', reason: 'unbiased' }),
      e('image.sampled', { imageId: img(2), plotType: 'CDC_occ', reason: 'bad' }),
      e('inference.completed', {
        arrivalId: img(2),
        imageId: img(2),
        plotType: 'CDC_occ',
        modelId: 'm1',
        scores: { Good: 0.1, Bad: 0.9 },
        verdict: 'Bad',
        confidence: 0.9,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      }),
      e('label.assigned', { imageId: img(1), plotType: 'CDC_occ', label: 'Good', user: 'ann', batch: BATCH }),
      e('label.assigned', { imageId: img(2), plotType: 'CDC_occ', label: 'Bad', user: 'ann' }),
      e('label.retracted', { imageId: img(2), plotType: 'CDC_occ', label: 'Good', user: 'ann' }),
      e('label.unsure-flagged', { imageId: img(2), plotType: 'CDC_occ', user: 'ann', comment: 'hot channel?' }),
      e('label.commented', { imageId: img(2), plotType: 'CDC_occ', user: 'bob', comment: 'looks like a hot channel' }),
      // Nothing for an image that never arrived.
      e('label.commented', { imageId: img(3), plotType: 'CDC_occ', user: 'bob', comment: 'where is it' }),
    ]);
    expect([...rows.keys()].sort()).toEqual([img(1), img(2)].sort());
    expect(rows.get(img(1))).toMatchObject({
      unbiased: true,
      bad: false,
      labelled: true,
      label: 'Good',
      labelUser: 'ann',
      batch: BATCH,
      verdict: null,
      at: '2026-11-26T10:00:00.000Z',
    });
    expect(rows.get(img(2))).toMatchObject({
      unbiased: false,
      bad: true,
      verdict: 'Bad',
      confirmed: true,
      modelId: 'm1',
      label: 'Bad',
      batch: null,
      unsure: true,
      unsureBy: 'ann',
      comments: 1,
    });
  });

  it('forgets a label when the current one is withdrawn, and a doubt when it is cleared', () => {
    const { e, arrive } = history();
    const rows = project(labelQueueProjection, [
      arrive(1),
      e('label.assigned', { imageId: img(1), plotType: 'CDC_occ', label: 'Good', user: 'ann', batch: BATCH }),
      e('label.unsure-flagged', { imageId: img(1), plotType: 'CDC_occ', user: 'ann' }),
      e('label.retracted', { imageId: img(1), plotType: 'CDC_occ', label: 'Good', user: 'ann', batch: BATCH }),
      e('label.unsure-cleared', { imageId: img(1), plotType: 'CDC_occ', user: 'bob' }),
    ]);
    expect(rows.get(img(1))).toMatchObject({
      labelled: false,
      label: null,
      labelUser: null,
      batch: null,
      unsure: false,
      unsureBy: null,
    });
  });
});

describe('label_history projection', () => {
  it('keeps every label event of an image, with who and when', () => {
    const { e } = history();
    const rows = project(labelHistoryProjection, [
      e('label.assigned', { imageId: img(1), plotType: 'CDC_occ', label: 'Good', user: 'ann', batch: BATCH }),
      e('label.retracted', { imageId: img(1), plotType: 'CDC_occ', label: 'Good', user: 'ann' }),
      e('label.commented', { imageId: img(1), plotType: 'CDC_occ', user: 'bob', comment: 'hot channel' }),
      e('label.unsure-flagged', { imageId: img(1), plotType: 'CDC_occ', user: 'bob' }),
      // Bob's undo gives back Ann's label: the row says whose label it is, who undid, and which apply.
      e(
        'label.assigned',
        { imageId: img(1), plotType: 'CDC_occ', label: 'Bad', user: 'ann', undoes: BATCH },
        { user: 'bob' },
      ),
    ]);
    expect([...rows.values()].map((r) => [r.kind, r.label, r.user, r.comment, r.batch, r.undoes, r.by])).toEqual([
      ['assigned', 'Good', 'ann', null, BATCH, null, null],
      ['retracted', 'Good', 'ann', null, null, null, null],
      ['comment', null, 'bob', 'hot channel', null, null, null],
      ['unsure', null, 'bob', null, null, null, null],
      ['assigned', 'Bad', 'ann', null, null, BATCH, 'bob'],
    ]);
  });
});
