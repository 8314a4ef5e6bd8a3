import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { shaOf } from '../../../test/support/events.ts';
import type { BackfillVerdict } from '../../events/backfill.ts';
import { backfillsProjection, backfillVerdictId, backfillVerdictsProjection } from './projection.ts';

const ids = { backfillId: 'bf1', plotType: 'CDC_occ', modelId: 'm2' };
const v = (i: number, verdict: string, had: string): BackfillVerdict => ({
  arrivalId: shaOf(`a${i}`),
  imageId: shaOf(`i${i}`),
  run: 7100 + i,
  at: `2026-11-26T09:00:0${i}.000Z`,
  verdict,
  confidence: 0.8,
  confirmed: true,
  scores: { Good: verdict === 'Good' ? 0.8 : 0.2, Bad: verdict === 'Bad' ? 0.8 : 0.2 },
  had: had.startsWith('(')
    ? { outcome: had }
    : { outcome: had, modelId: 'm1', verdict: had, confidence: 0.9, confirmed: true },
});

function backfill() {
  const e = eventStream();
  return [
    e('backfill.requested', { ...ids, runFrom: 7100, runTo: 7110, limit: 500, user: 'eve' }),
    e('backfill.started', { ...ids, total: 3, upTo: '2026-11-26T10:00:00.000Z' }),
    e('backfill.verdicts', { ...ids, offset: 0, size: 2, verdicts: [v(1, 'Bad', 'Good'), v(2, 'Good', 'Good')] }),
    // The same batch again (a restart beyond the dedup window): nothing counts twice.
    e('backfill.verdicts', { ...ids, offset: 0, size: 2, verdicts: [v(1, 'Good', 'Good'), v(2, 'Good', 'Good')] }),
    e('backfill.verdicts', { ...ids, offset: 2, size: 1, verdicts: [v(3, 'Good', '(skipped)')] }),
    e('backfill.completed', {
      ...ids,
      total: 3,
      judged: 3,
      unreadable: 0,
      compared: 2,
      agreed: 1,
      changed: 2,
      pairs: [
        { had: 'Good', now: 'Bad', count: 1 },
        { had: 'Good', now: 'Good', count: 1 },
        { had: '(skipped)', now: 'Good', count: 1 },
      ],
      durationSeconds: 1.5,
    }),
    e('backfill.failed', { ...ids, code: 'crashed', reason: 'late' }),
  ];
}

describe('the backfills projection', () => {
  it('follows a backfill from its request through its batches to its outcome, the first outcome standing', () => {
    const events = backfill();
    const during = project(backfillsProjection, events.slice(0, 4)).get('bf1');
    expect(during).toMatchObject({
      status: 'running',
      total: 3,
      done: 2,
      requestedBy: 'eve',
      runFrom: 7100,
      maxImages: 500,
    });
    const row = project(backfillsProjection, events).get('bf1');
    expect(row).toMatchObject({
      status: 'completed',
      done: 3,
      judged: 3,
      compared: 2,
      agreed: 1,
      changed: 2,
      failureCode: null,
      fromAt: null,
    });
    expect(row?.pairs?.[0]).toEqual({ had: 'Good', now: 'Bad', count: 1 });
  });

  it("keeps each arrival's first backfill verdict beside the verdict it had, and whether it changed", () => {
    const rows = project(backfillVerdictsProjection, backfill());
    expect(rows.size).toBe(3);
    const first = rows.get(backfillVerdictId('bf1', shaOf('a1')));
    expect(first).toMatchObject({
      verdict: 'Bad',
      outcome: 'Bad',
      hadOutcome: 'Good',
      hadModelId: 'm1',
      changed: true,
    });
    expect(rows.get(backfillVerdictId('bf1', shaOf('a2')))).toMatchObject({ changed: false, hadConfidence: 0.9 });
    expect(rows.get(backfillVerdictId('bf1', shaOf('a3')))).toMatchObject({
      hadOutcome: '(skipped)',
      hadVerdict: null,
      changed: true,
    });
  });
});
