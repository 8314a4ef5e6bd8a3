import { describe, expect, it } from 'vitest';
import { validateData } from '../events/catalog.ts';
import { assess, type AssessInput, type SustainPolicy } from './assess.ts';
import { DEFAULT_RETRAIN_POLICY, type LabelledSample } from './policy.ts';

const policy: SustainPolicy = { ...DEFAULT_RETRAIN_POLICY, maxWaitMs: 3600_000 };
const t0 = Date.parse('2026-12-01T00:00:00Z');
const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
const now = new Date(t0 + 1000 * 60_000);

const samples = (n: number, wrongEvery = 0): LabelledSample[] =>
  Array.from({ length: n }, (_, i) => ({
    label: 'Good',
    predicted: wrongEvery && i % wrongEvery === 0 ? 'Bad' : 'Good',
    sampledAt: at(900 + i),
    labelledAt: at(950 + i),
  }));

function input(s: LabelledSample[], extra: Partial<AssessInput> = {}): AssessInput {
  return {
    plotType: 'FCAL_occupancy',
    model: {
      modelId: 'm1',
      validationAccuracy: 0.97,
      samples: s,
      trainingConfidences: [],
      recentConfidences: [],
      lastRequestAt: null,
    },
    waiting: { count: 0, oldest: null },
    previous: null,
    trainingId: 'sustain-FCAL_occupancy-41',
    ...extra,
  };
}

describe('assess', () => {
  it('says ok once, then nothing while nothing changes', () => {
    const first = assess(input(samples(40)), now, policy);
    expect(first.assessment.status).toBe('ok');
    expect(first.events.map((e) => e.type)).toEqual(['sustain.assessed']);
    for (const e of first.events) validateData(e.type, e.data);
    const again = assess(input(samples(41), { previous: { modelId: 'm1', status: 'ok' } }), now, policy);
    expect(again.events).toEqual([]);
    const newModel = assess(input(samples(41), { previous: { modelId: 'm0', status: 'ok' } }), now, policy);
    expect(newModel.events).toHaveLength(1);
  });

  it('asks to retrain, with the assessment that is its reason', () => {
    const { assessment, events } = assess(
      input(samples(40, 2), { previous: { modelId: 'm1', status: 'ok' } }),
      now,
      policy,
    );
    expect(assessment.status).toBe('degraded');
    expect(events.map((e) => e.type)).toEqual(['sustain.assessed', 'training.requested']);
    const requested = validateData('training.requested', events[1]?.data);
    expect(requested).toMatchObject({
      trainingId: 'sustain-FCAL_occupancy-41',
      requester: 'sustain',
      parameters: { parentModel: 'm1' },
    });
    expect(requested.reason).toMatch(/trailing accuracy 50\.0 % \(20\/40/);
    const assessed = validateData('sustain.assessed', events[0]?.data);
    expect(assessed).toMatchObject({ trainingId: 'sustain-FCAL_occupancy-41', evidence: { samples: 40, correct: 20 } });
    expect(assessed.evidence.recall.Good?.recall.estimate).toBe(0.5);
  });

  it('holds during the cool-down and says so once', () => {
    const recent = { lastRequestAt: new Date(now.getTime() - 600_000).toISOString() };
    const base = input(samples(40, 2), { previous: { modelId: 'm1', status: 'degraded' } });
    const held = assess({ ...base, model: { ...base.model, ...recent } }, now, policy);
    expect(held.assessment.status).toBe('cooling-down');
    expect(held.events.map((e) => e.type)).toEqual(['sustain.assessed']);
    const still = assess(
      { ...base, model: { ...base.model, ...recent }, previous: { modelId: 'm1', status: 'cooling-down' } },
      now,
      policy,
    );
    expect(still.events).toEqual([]);
  });

  it('calls a figure stale when labelling lags, and too few samples insufficient', () => {
    const stale = assess(input(samples(40), { waiting: { count: 2, oldest: at(100) } }), now, policy);
    expect(stale.assessment.status).toBe('stale');
    expect(stale.assessment.why).toMatch(/labelling lags: the oldest of 2 unbiased samples has waited 15\.0 h/);
    expect(stale.assessment.evidence).toMatchObject({ waiting: 2, oldestWaitingMs: 900 * 60_000 });
    expect(assess(input(samples(3)), now, policy).assessment.status).toBe('insufficient');
  });

  it('tells the contact once per stale episode, and records it in the evidence', () => {
    const lagging = { waiting: { count: 2, oldest: at(100) }, contact: ['ann@jlab.test'] };
    const first = assess(input(samples(40), { ...lagging, previous: { modelId: 'm1', status: 'ok' } }), now, policy);
    expect(first.assessment.status).toBe('stale');
    const data = validateData('sustain.assessed', first.events[0]?.data);
    expect(data.evidence).toMatchObject({ labelsStale: true, notified: { to: ['ann@jlab.test'] } });
    // The same episode: nothing appended, nobody told again.
    const again = assess(
      input(samples(41), { ...lagging, previous: { modelId: 'm1', status: 'stale', labelsStale: true } }),
      now,
      policy,
    );
    expect(again.events).toEqual([]);
    expect(again.assessment.evidence.notified).toBeUndefined();
    // Labelling lags while the loop cools down: the status stays, the episode begins, the contact is told.
    const recent = { lastRequestAt: new Date(now.getTime() - 600_000).toISOString() };
    const base = input(samples(40, 2), { ...lagging, previous: { modelId: 'm1', status: 'cooling-down' } });
    const cooling = assess({ ...base, model: { ...base.model, ...recent } }, now, policy);
    expect(cooling.assessment.status).toBe('cooling-down');
    expect(cooling.assessment.why).toMatch(/cooling down.*; labelling lags/);
    expect(cooling.events[0]?.data).toMatchObject({
      evidence: { labelsStale: true, notified: { to: ['ann@jlab.test'] } },
    });
    // Caught up: an assessment says so (the episode ends), and the next lag is a new episode.
    const caughtUp = assess(
      input(samples(42), {
        contact: ['ann@jlab.test'],
        previous: { modelId: 'm1', status: 'stale', labelsStale: true },
      }),
      now,
      policy,
    );
    expect(caughtUp.events[0]?.data).toMatchObject({ status: 'ok', evidence: { labelsStale: false } });
    // Without a mail server (no contact given) or address, the episode is recorded and nobody is told.
    const unmailed = assess(input(samples(40), { waiting: lagging.waiting }), now, policy);
    expect(unmailed.assessment.evidence).toMatchObject({ labelsStale: true });
    expect(unmailed.assessment.evidence.notified).toBeUndefined();
    // An assessment from before labelsStale existed: its stale status says the episode had begun.
    const older = assess(input(samples(41), { ...lagging, previous: { modelId: 'm1', status: 'stale' } }), now, policy);
    expect(older.events).toEqual([]);
  });

  it('calls a model drifting when its verdict mix moved, with the figures in the evidence', () => {
    const base = input(samples(40));
    const moved = assess(
      { ...base, model: { ...base.model, referenceMix: { Good: 50, Bad: 50 }, recentMix: { Good: 50, Bad: 150 } } },
      now,
      policy,
    );
    expect(moved.assessment.status).toBe('drifting');
    expect(moved.assessment.why).toMatch(/verdict mix moved: Bad 75\.0 % of the latest 200 verdicts against 50\.0 %/);
    const data = validateData('sustain.assessed', moved.events[0]?.data);
    expect(data.evidence.verdictMix).toMatchObject({ reference: 100, recent: 200, shifted: 'Bad', drifting: true });
    const steady = assess(
      { ...base, model: { ...base.model, referenceMix: { Good: 50, Bad: 50 }, recentMix: { Good: 98, Bad: 102 } } },
      now,
      policy,
    );
    expect(steady.assessment.status).toBe('ok');
    expect(steady.assessment.evidence.verdictMix?.drifting).toBe(false);
  });
});
