import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import type { SustainEvidence } from '../../events/sustain.ts';
import { sustainProjection } from './projection.ts';

const evidence: SustainEvidence = {
  validationAccuracy: 0.95,
  samples: 30,
  correct: 20,
  accuracy: { estimate: 20 / 30, low: 0.49, high: 0.81 },
  recall: { Good: { samples: 20, recall: { estimate: 0.5, low: 0.3, high: 0.7 } } },
  pValue: 0.0001,
  drift: 0.4,
  waiting: 3,
  oldestWaitingMs: 60_000,
  from: '2026-11-26T09:00:00.000Z',
  to: '2026-11-26T09:30:00.000Z',
};

describe('sustain projection', () => {
  it('keeps every assessment and comparison once, in stream order, with its evidence', () => {
    const e = eventStream();
    const rows = project(sustainProjection, [
      e('sustain.assessed', { plotType: 'CDC_occ', modelId: 'm1', status: 'ok', why: 'fine', evidence }),
      e('sustain.assessed', {
        plotType: 'CDC_occ',
        modelId: 'm1',
        status: 'degraded',
        why: 'trailing accuracy 66.7 % is below validation',
        evidence,
        trainingId: 't1',
      }),
      e('sustain.compared', {
        plotType: 'CDC_occ',
        trainingId: 't1',
        championId: 'm1',
        challengerId: 'm2',
        samples: 40,
        championAccuracy: 0.6,
        challengerAccuracy: 0.95,
        challengerOnly: 15,
        championOnly: 1,
        pValue: 0.0003,
        outcome: 'activated',
        why: 'challenger better',
      }),
    ]);
    expect([...rows.values()].map((r) => [r.seq, r.kind, r.status, r.modelId, r.trainingId])).toEqual([
      ['1', 'assessed', 'ok', 'm1', null],
      ['2', 'assessed', 'degraded', 'm1', 't1'],
      ['3', 'compared', 'activated', 'm2', 't1'],
    ]);
    expect(rows.get('2')?.evidence?.pValue).toBe(0.0001);
    expect(rows.get('3')).toMatchObject({ championId: 'm1', evidence: null });
    expect(rows.get('3')?.comparison?.challengerOnly).toBe(15);
  });
});
