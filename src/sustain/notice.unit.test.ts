import { describe, expect, it } from 'vitest';
import type { EventData } from '../events/catalog.ts';
import { staleMail } from './notice.ts';

const assessed: EventData<'sustain.assessed'> = {
  plotType: 'CDC_occupancy',
  modelId: 'CDC_occupancy-m1',
  status: 'stale',
  why: 'labelling lags: the oldest of 37 unbiased samples has waited 26.0 h; trailing accuracy 96.0 % over 50 is consistent',
  evidence: {
    validationAccuracy: 0.97,
    samples: 50,
    correct: 48,
    accuracy: { estimate: 0.96, low: 0.86, high: 0.99 },
    recall: {},
    pValue: 0.4,
    drift: null,
    labelsStale: true,
    notified: { to: ['ann@jlab.test'] },
    waiting: 37,
    oldestWaitingMs: 26 * 3600_000,
    from: '2026-12-01T00:00:00.000Z',
    to: '2026-12-02T00:00:00.000Z',
  },
};

describe('the stale notice', () => {
  it('tells whom the assessment named what is stale, with the Labeler queue and the Timeline linked', () => {
    const mail = staleMail(assessed, {
      publicUrl: 'http://hydra.jlab.test:8080/',
      from: 'hydra@jlab.test',
      maxWaitMs: 24 * 3600_000,
    });
    expect(mail?.to).toEqual(['ann@jlab.test']);
    expect(mail?.subject).toBe(
      '[Hydra] CDC_occupancy: trailing accuracy is stale, 37 unbiased samples wait for a label',
    );
    expect(mail?.text).toContain('37 unbiased samples wait for a label, the oldest for 26.0 h (the limit is 24.0 h)');
    expect(mail?.text).toContain(
      'model CDC_occupancy-m1, 96.0 % on the last 50 labelled samples (sampled up to 2026-12-02T00:00:00.000Z)',
    );
    expect(mail?.text).toContain('http://hydra.jlab.test:8080/labeler?plot=CDC_occupancy&queue=unbiased&order=oldest');
    expect(mail?.text).toContain('http://hydra.jlab.test:8080/timeline?plot=CDC_occupancy#sustain');
  });

  it('sends nothing for an assessment that told nobody', () => {
    const { notified: _n, ...evidence } = assessed.evidence;
    expect(staleMail({ ...assessed, evidence }, { publicUrl: 'http://h', from: 'h@h' })).toBeNull();
  });
});
