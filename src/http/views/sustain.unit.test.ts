import { describe, expect, it } from 'vitest';
import type { SustainDecisionRow } from '../../projections/sustain/table.ts';
import { sustainSection, trailingLine } from './sustain.ts';

const interval = { estimate: 0.6, low: 0.45, high: 0.74 };
const assessed: SustainDecisionRow = {
  seq: '7',
  plotType: 'CDC_occ',
  kind: 'assessed',
  modelId: 'm1',
  championId: null,
  status: 'stale',
  why: 'labelling lags <b>',
  trainingId: null,
  evidence: {
    validationAccuracy: 0.95,
    samples: 40,
    correct: 24,
    accuracy: interval,
    recall: { Good: { samples: 30, recall: interval } },
    pValue: 1e-6,
    drift: 0.31,
    waiting: 12,
    oldestWaitingMs: 30 * 3600_000,
    from: '2026-11-10T00:00:00.000Z',
    to: '2026-11-10T05:00:00.000Z',
  },
  comparison: null,
  at: '2026-11-10T06:00:00.000Z',
};

describe('the loop on the pages', () => {
  it('shows trailing accuracy with its interval, recall per label, freshness and drift, and the decisions escaped', () => {
    const out = sustainSection({ latest: assessed, history: [assessed] }, 'UTC').value;
    expect(out).toContain(
      '60% <span class="muted">(95% 45%–74%)</span> on the last 40 unbiased labelled samples (24 right)',
    );
    expect(out).toContain('Good: ');
    expect(out).toContain('12 unbiased samples wait for a label, the oldest for 30.0 h');
    expect(out).toContain('stale: not current');
    expect(out).toContain('PSI 0.310');
    expect(out).toContain('labelling lags &lt;b&gt;');
  });

  it('says when there is no assessment yet', () => {
    expect(sustainSection({ latest: null, history: [] }, 'UTC').value).toContain('No assessment yet');
  });

  it("gives the Library the active model's trailing accuracy in a line, saying when it is stale", () => {
    const line = trailingLine(assessed, 'm1', 'UTC').value;
    expect(line).toContain('60% <span class="muted">(95% 45%–74%)</span> on 40 unbiased labelled samples');
    expect(line).toContain('stale: labelling lags 30.0 h, not current');
    expect(line).toContain('href="/timeline?plot=CDC_occ#sustain"');
    expect(trailingLine(assessed, 'another-model', 'UTC').value).toBe('');
  });
});
