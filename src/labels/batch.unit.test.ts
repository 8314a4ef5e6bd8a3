import { describe, expect, it } from 'vitest';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { LabelError } from './decide.ts';
import { MAX_BATCH, planApply, planUndo, type LabelState } from './batch.ts';

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
const fresh = (plotType = 'CDC_occupancy'): LabelState => ({ plotType, label: null, labelUser: null, batch: null });
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
  it("withdraws the batch's labels that are still current and were given by this user", () => {
    const mine = { ...fresh(), label: 'Good', labelUser: 'ann', batch: BATCH };
    const plan = planUndo(
      BATCH,
      'ann',
      given([
        [1, mine],
        [2, { ...mine, labelUser: 'bob' }],
        [3, { ...mine, batch: 'another' }],
      ]),
      meta,
    );
    expect(plan.unchanged).toEqual([sha(2), sha(3)]);
    expect(plan.events).toEqual([
      {
        type: 'label.retracted',
        id: `label.retracted:${BATCH}:${sha(1)}`,
        metadata: meta,
        data: { imageId: sha(1), plotType: 'CDC_occupancy', label: 'Good', user: 'ann', batch: BATCH },
      },
    ]);
  });
});
