import { describe, expect, it } from 'vitest';
import { shaOf } from '../../test/support/events.ts';
import type { Verdict } from '../inference/classify.ts';
import type { RangeArrival } from '../projections/verdicts/queries.ts';
import { batchesOf, judgedBatch, newBackfillId, rangeText, summarize } from './plan.ts';

const arrival = (i: number, had: Partial<RangeArrival> = {}): RangeArrival => ({
  arrivalId: shaOf(`a${i}`),
  imageId: shaOf(`i${i}`),
  run: 71000 + i,
  at: `2026-11-26T10:00:0${i}.000Z`,
  outcome: 'Good',
  modelId: 'm-old',
  verdict: 'Good',
  confidence: 0.9,
  confirmed: true,
  ...had,
});
const verdict = (label: string, confirmed = true, confidence = 0.8): Verdict => ({
  scores: { Good: label === 'Good' ? confidence : 1 - confidence, Bad: label === 'Bad' ? confidence : 1 - confidence },
  verdict: label,
  verdictIndex: label === 'Good' ? 0 : 1,
  confidence,
  confirmed,
});

describe('a backfill plan', () => {
  it('splits a choice into batches, resuming after the last one recorded', () => {
    expect(batchesOf(250)).toEqual([
      { offset: 0, size: 100 },
      { offset: 100, size: 100 },
      { offset: 200, size: 50 },
    ]);
    expect(batchesOf(250, 200)).toEqual([{ offset: 200, size: 50 }]);
    expect(batchesOf(250, 250)).toEqual([]);
    expect(batchesOf(0)).toEqual([]);
  });

  it('puts each judged arrival beside the verdict it had, and leaves out unreadable images', () => {
    const a = [
      arrival(1),
      arrival(2, { outcome: '(skipped)', verdict: null, confidence: null, confirmed: null, modelId: null }),
    ];
    const out = judgedBatch(
      [...a, arrival(3)],
      new Map([
        [a[0]!.imageId, verdict('Bad')],
        [a[1]!.imageId, verdict('Good', false, 0.55)],
      ]),
    );
    expect(out.map((v) => [v.arrivalId, v.verdict, v.confirmed, v.had])).toEqual([
      [
        a[0]!.arrivalId,
        'Bad',
        true,
        { outcome: 'Good', modelId: 'm-old', verdict: 'Good', confidence: 0.9, confirmed: true },
      ],
      [a[1]!.arrivalId, 'Good', false, { outcome: '(skipped)' }],
    ]);
    expect(out[0]).toMatchObject({ run: 71001, at: a[0]!.at, imageId: a[0]!.imageId });
  });

  it('summarises agreement by outcome (label and confirmation), each arrival once, pairs most frequent first', () => {
    const a = [1, 2, 3, 4, 5].map((i) => arrival(i));
    const skipped = arrival(6, {
      outcome: '(skipped)',
      verdict: null,
      confidence: null,
      confirmed: null,
      modelId: null,
    });
    const judged = judgedBatch(
      [...a, skipped],
      new Map([
        [a[0]!.imageId, verdict('Good')],
        [a[1]!.imageId, verdict('Good')],
        [a[2]!.imageId, verdict('Bad')],
        [a[3]!.imageId, verdict('Bad')],
        [a[4]!.imageId, verdict('Good', false)],
        [skipped.imageId, verdict('Good')],
      ]),
    );
    const s = summarize(8, [...judged, judged[2]!]);
    expect(s).toEqual({
      total: 8,
      judged: 6,
      unreadable: 2,
      compared: 5,
      agreed: 2,
      changed: 4,
      pairs: [
        { had: 'Good', now: 'Bad', count: 2 },
        { had: 'Good', now: 'Good', count: 2 },
        { had: '(skipped)', now: 'Good', count: 1 },
        { had: 'Good', now: '(unconfirmed)', count: 1 },
      ],
    });
  });

  it('names backfills after their plot type and says their range in words', () => {
    expect(newBackfillId('CDC_occ', new Date('2026-11-26T10:11:12Z'), 'abcdef12')).toBe(
      'bf-CDC_occ-20261126-101112-abcdef',
    );
    expect(rangeText({ runFrom: 1, runTo: 5 })).toBe('runs 1–5');
    expect(rangeText({ from: 'A', to: 'B', runFrom: null })).toBe('A to B');
  });
});
