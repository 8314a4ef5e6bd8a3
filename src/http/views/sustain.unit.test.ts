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

  it('shows the verdict mix against the first verdicts, and that the contact was told', () => {
    const drifting: SustainDecisionRow = {
      ...assessed,
      status: 'drifting',
      evidence: {
        ...assessed.evidence!,
        verdictMix: {
          reference: 100,
          recent: 200,
          labels: [
            { label: 'Bad', reference: 50, recent: 150 },
            { label: 'Good', reference: 50, recent: 50 },
          ],
          shift: 0.25,
          shifted: 'Bad',
          statistic: 18.3,
          pValue: 1.8e-5,
          drifting: true,
        },
        labelsStale: true,
        notified: { to: ['ann@jlab.test'] },
      },
    };
    const out = sustainSection({ latest: drifting, history: [drifting, assessed] }, 'UTC').value;
    expect(out).toContain('The model&#39;s verdict mix moved away from its first live verdicts&#39;');
    expect(out).toContain(
      'Bad 75% <span class="muted">(was 50%)</span>, Good 25% <span class="muted">(was 50%)</span>',
    );
    expect(out).toContain('of the latest 200 against the first 100 verdicts: Bad moved 25%');
    expect(out).toContain('G-test p = 1.8e-5');
    expect(out).toContain('the contact was told (ann@jlab.test)');
    expect(out).toContain('mix shift 25%');
    // An assessment from before the verdict mix: it says there was none.
    expect(sustainSection({ latest: assessed, history: [] }, 'UTC').value).toContain('too few verdicts since');
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
