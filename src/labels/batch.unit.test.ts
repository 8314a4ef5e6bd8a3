import { describe, expect, it } from 'vitest';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { LabelError } from './decide.ts';
import { labelBefore, MAX_BATCH, planApply, planRetract, planUndo, planUnsure, type LabelState } from './batch.ts';

const spec = (name: string, labels: string[]): PlotTypeSpec =>
  plotTypeSpecSchema.parse({
    name,
    detector: 'CDC',
    pattern: '^(?<plot>.+)-(?<pad>\\d+)_(?<chunk>\\d+)\\.png$',
    labels: labels.map((l) => ({ name: l, colour: '#123456' })),
    input: { width: 64, height: 48, channels: 3 },
  });
const plotTypes = new Map([['CDC_occupancy', spec('CDC_occupancy', ['Good', 'Bad', 'NoData'])]]);
const sha = (n: number) => n.toString(16).padStart(64, '0');
const meta = { correlationId: 'c', producer: 'http', user: 'ann' };
const BATCH = '6f1c2b0e-3d4a-4b5c-8d9e-0a1b2c3d4e5f';
const fresh = (plotType = 'CDC_occupancy'): LabelState => ({
  plotType,
  label: null,
  labelUser: null,
  batch: null,
  unsure: false,
  unsureBy: null,
});
const given = (entries: [number, LabelState][]) => new Map(entries.map(([n, s]) => [sha(n), s]));
const cmd = (imageIds: string[], label = 'Good') => ({
  plotType: 'CDC_occupancy',
  label,
  imageIds,
  user: 'ann',
  batch: BATCH,
});

describe('applying a label to a selection', () => {
  it('is one label.assigned per image, naming the user and the batch, with a dedup id per batch and image', () => {
    const plan = planApply(
      plotTypes,
      cmd([sha(1), sha(2), sha(1)]),
      given([
        [1, fresh()],
        [2, fresh()],
      ]),
      meta,
    );
    expect(plan.unchanged).toEqual([]);
    expect(plan.events).toEqual(
      [sha(1), sha(2)].map((imageId) => ({
        type: 'label.assigned',
        id: `label.assigned:${BATCH}:${imageId}`,
        metadata: meta,
        data: { imageId, plotType: 'CDC_occupancy', label: 'Good', user: 'ann', batch: BATCH },
      })),
    );
  });

  it('stores nothing for images that already carry this label from this user (a second apply)', () => {
    const labelled = { ...fresh(), label: 'Good', labelUser: 'ann', batch: 'x' };
    const plan = planApply(
      plotTypes,
      cmd([sha(1), sha(2), sha(3)]),
      given([
        [1, labelled],
        [2, { ...labelled, labelUser: 'bob' }],
        [3, { ...labelled, label: 'Bad' }],
      ]),
      meta,
    );
    expect(plan.unchanged).toEqual([sha(1)]);
    expect(plan.events.map((e) => e.data.imageId)).toEqual([sha(2), sha(3)]);
  });

  it("refuses the whole apply for a label not in the plot type's, an unknown image, or another plot type's image", () => {
    const state = given([
      [1, fresh()],
      [2, fresh('RF_timing')],
    ]);
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(LabelError);
        return { code: (err as LabelError).code, message: (err as LabelError).message };
      }
      throw new Error('not refused');
    };
    expect(refusal(() => planApply(plotTypes, cmd([sha(1)], 'Cosmic'), state, meta))).toEqual({
      code: 'HYDRA_LABEL_NOT_ALLOWED',
      message: `label "Cosmic" is not one of CDC_occupancy's labels: Good, Bad, NoData`,
    });
    expect(refusal(() => planApply(plotTypes, cmd([sha(1), sha(9)]), state, meta))).toMatchObject({
      code: 'HYDRA_LABEL_UNKNOWN_IMAGE',
      message: expect.stringContaining(sha(9)),
    });
    expect(refusal(() => planApply(plotTypes, cmd([sha(1), sha(2)]), state, meta))).toMatchObject({
      code: 'HYDRA_LABEL_WRONG_PLOT_TYPE',
      message: expect.stringContaining(sha(2)),
    });
    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => sha(i));
    expect(refusal(() => planApply(plotTypes, cmd(many), state, meta)).code).toBe('HYDRA_LABEL_BATCH_TOO_LARGE');
  });
});

describe('undoing an apply', () => {
  const EARLIER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  it("withdraws the batch's labels that are still current and were given by this user, when they replaced none", () => {
    const mine = { ...fresh(), label: 'Good', labelUser: 'ann', batch: BATCH };
    const plan = planUndo(
      BATCH,
      'ann',
      given([
        [1, mine],
        [2, { ...mine, labelUser: 'bob' }],
        [3, { ...mine, batch: 'another' }],
      ]),
      new Map(),
      meta,
    );
    expect(plan.unchanged).toEqual([sha(2), sha(3)]);
    expect(plan.events).toEqual([
      {
        type: 'label.retracted',
        id: `label.undo:${BATCH}:${sha(1)}`,
        metadata: meta,
        data: { imageId: sha(1), plotType: 'CDC_occupancy', label: 'Good', user: 'ann', batch: BATCH, undoes: BATCH },
      },
    ]);
  });

  it('gives back the label the batch replaced, in the name and apply of who gave it, undone by this user', () => {
    const mine = { ...fresh(), label: 'Good', labelUser: 'ann', batch: BATCH };
    const plan = planUndo(
      BATCH,
      'ann',
      given([[1, mine]]),
      new Map([[sha(1), { label: 'Bad', user: 'bob', batch: EARLIER }]]),
      meta,
    );
    expect(plan.events).toEqual([
      {
        type: 'label.assigned',
        id: `label.undo:${BATCH}:${sha(1)}`,
        metadata: meta,
        data: { imageId: sha(1), plotType: 'CDC_occupancy', label: 'Bad', user: 'bob', batch: EARLIER, undoes: BATCH },
      },
    ]);
  });

  it('finds the label before a batch by replaying the image’s label events', () => {
    const step = (kind: string, label: string | null, user: string, batch: string | null) => ({
      kind,
      label,
      user,
      batch,
    });
    const bobBad = step('assigned', 'Bad', 'bob', EARLIER);
    const annGood = step('assigned', 'Good', 'ann', BATCH);
    expect(labelBefore([annGood], BATCH)).toBeNull();
    expect(labelBefore([bobBad, step('comment', null, 'cy', null), annGood], BATCH)).toEqual({
      label: 'Bad',
      user: 'bob',
      batch: EARLIER,
    });
    expect(labelBefore([bobBad, step('retracted', 'Bad', 'bob', null), annGood], BATCH)).toBeNull();
    // Undone, then the earlier batch undone too: before EARLIER there was nothing, whatever came after.
    const restored = step('assigned', 'Bad', 'bob', EARLIER);
    expect(labelBefore([bobBad, annGood, restored], EARLIER)).toBeNull();
    expect(labelBefore([step('assigned', 'NoData', 'cy', null), bobBad, annGood, restored], EARLIER)).toEqual({
      label: 'NoData',
      user: 'cy',
      batch: null,
    });
  });
});

describe('the editor and the unsure flag', () => {
  const sel = (imageIds: string[]) => ({ plotType: 'CDC_occupancy', imageIds, user: 'cy', batch: BATCH });
  it('withdraws the labels of a selection, by the user who withdrew them', () => {
    const plan = planRetract(
      sel([sha(1), sha(2)]),
      given([
        [1, { ...fresh(), label: 'Bad', labelUser: 'ann', batch: 'x' }],
        [2, fresh()],
      ]),
      meta,
    );
    expect(plan.unchanged).toEqual([sha(2)]);
    expect(plan.events.map((e) => [e.type, e.metadata.user, e.data.label, e.data.user])).toEqual([
      ['label.retracted', 'cy', 'Bad', 'cy'],
    ]);
  });

  it('flags and clears doubt, leaving alone images already so', () => {
    const state = given([
      [1, fresh()],
      [2, { ...fresh(), unsure: true, unsureBy: 'ann' }],
    ]);
    const flag = planUnsure({ ...sel([sha(1), sha(2)]), unsure: true, comment: 'hot channel?' }, state, meta);
    expect(flag.events.map((e) => [e.type, e.data.imageId, e.data])).toEqual([
      [
        'label.unsure-flagged',
        sha(1),
        { imageId: sha(1), plotType: 'CDC_occupancy', user: 'cy', comment: 'hot channel?' },
      ],
    ]);
    const clear = planUnsure({ ...sel([sha(1), sha(2)]), unsure: false }, state, meta);
    expect(clear.events.map((e) => [e.type, e.data.imageId])).toEqual([['label.unsure-cleared', sha(2)]]);
  });

  it('clears the flag when another expert labels a doubted image, not when the doubter does', () => {
    const state = given([
      [1, { ...fresh(), unsure: true, unsureBy: 'bob' }],
      [2, { ...fresh(), unsure: true, unsureBy: 'ann' }],
    ]);
    const plan = planApply(plotTypes, cmd([sha(1), sha(2)]), state, meta);
    expect(plan.events.map((e) => [e.type, e.data.imageId])).toEqual([
      ['label.assigned', sha(1)],
      ['label.unsure-cleared', sha(1)],
      ['label.assigned', sha(2)],
    ]);
  });
});
