import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrived, meta, plotTypeSpec, shaOf } from '../../test/support/events.ts';
import { openSustainTest, type SustainTest } from '../../test/support/sustain.ts';
import { type Sample, trainingRun } from '../../test/support/trainings.ts';
import type { AnyNewEvent } from '../events/log.ts';
import { sustainHistoryOf } from '../projections/sustain/queries.ts';
import { DEFAULT_SUSTAIN_POLICY } from './worker.ts';

let t: SustainTest;
const PT = 'CDC_sustain';
const run = trainingRun(PT, 't0');
let n = 0;

/** An unbiased sample: arrived, sampled, the active model's verdict, and (unless `label` is null) an expert's label. */
function sample(
  label: string | null,
  verdict: string,
  plotType = PT,
  modelId = run.modelId,
  confidence = 0.9,
): AnyNewEvent[] {
  const imageId = shaOf(`sample-${n}`);
  const at = new Date(Date.now() - 3600_000 + n * 1000).toISOString();
  n++;
  const other = 1 - confidence;
  return [
    arrived(imageId, plotType, n, at),
    { type: 'image.sampled', metadata: meta, data: { imageId, plotType, reason: 'unbiased' } },
    {
      type: 'inference.completed',
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType,
        modelId,
        scores: verdict === 'Good' ? { Good: confidence, Bad: other } : { Good: other, Bad: confidence },
        verdict,
        confidence,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    },
    ...(label === null
      ? []
      : [{ type: 'label.assigned', metadata: meta, data: { imageId, plotType, label, user: 'ann' } } as const]),
  ];
}
const samples = (k: number, label: string, verdict: string, plotType = PT, modelId = run.modelId) =>
  Array.from({ length: k }, () => sample(label, verdict, plotType, modelId)).flat();

/** A fixed pseudo-random sequence in [0, 1). */
function random(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}
/** How sure a model is that validation said right 90 % of the time: mostly sure when right, less when wrong. */
const confidenceOf = (rnd: () => number, right: boolean) => (right ? 0.7 + 0.3 * rnd() ** 0.5 : 0.5 + 0.3 * rnd());
/** A validation set of 200 images (enough for the drift signal's reference) on which the model is right 90 %. */
function validation(id: string): Sample[] {
  const rnd = random(3);
  return Array.from({ length: 200 }, (_, i) => {
    const label = i % 2 === 0 ? 'Good' : 'Bad';
    const right = i % 10 !== 0;
    const c = confidenceOf(rnd, right);
    const good = (label === 'Good') === right ? c : 1 - c;
    return { imageId: shaOf(`${id}-val-${i}`), label, probabilities: [good, 1 - good] };
  });
}
/** A plot type with its active model, validated on `validation`. */
function activeModel(plotType: string, trainingId: string) {
  const r = trainingRun(plotType, trainingId, { samples: validation(trainingId) });
  return {
    modelId: r.modelId,
    events: [
      { type: 'plottype.defined', metadata: meta, data: plotTypeSpec(plotType) },
      ...r.events,
      { type: 'model.signed-off', metadata: meta, data: { modelId: r.modelId, plotType, user: 'ann' } },
      { type: 'model.activated', metadata: meta, data: { modelId: r.modelId, plotType, user: 'ann' } },
    ] as AnyNewEvent[],
  };
}

beforeAll(async () => {
  t = await openSustainTest('sustain', [
    { type: 'plottype.defined', metadata: meta, data: plotTypeSpec(PT) },
    ...run.events,
    { type: 'model.signed-off', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
    { type: 'model.activated', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
  ]);
});

afterAll(async () => {
  await t?.close();
});

const roundOf = async (plotType: string) => (await t.worker.round()).find((r) => r.plotType === plotType);

describe('the sustain worker', () => {
  it('says accuracy is consistent with validation while it is, and appends only changes', async () => {
    await t.hydra.log.appendMany(samples(30, 'Good', 'Good'));
    const first = await roundOf(PT);
    expect(first).toMatchObject({ plotType: PT, status: 'ok', appended: ['sustain.assessed'] });
    expect((await roundOf(PT))?.appended).toEqual([]);
    const row = await t.assessment(PT);
    expect(row).toMatchObject({ status: 'ok', modelId: run.modelId });
    expect(row?.evidence).toMatchObject({ samples: 30, correct: 30, waiting: 0 });
  });

  it('requests a training once when the labelled sample shows the model got worse, then cools down for that plot type only', async () => {
    await t.hydra.log.appendMany(samples(20, 'Bad', 'Good'));
    const r = await roundOf(PT);
    expect(r).toMatchObject({ status: 'degraded', appended: ['sustain.assessed', 'training.requested'] });
    const [req] = await t.requests(PT);
    expect(req?.reason).toMatch(/below validation 90\.0 %/);
    expect(await roundOf(PT)).toMatchObject({ status: 'cooling-down', appended: ['sustain.assessed'] });
    expect((await roundOf(PT))?.appended).toEqual([]);
    expect(await t.requests(PT)).toHaveLength(1);
    const history = await sustainHistoryOf(t.hydra.database.db, PT);
    expect(history.map((h) => h.status)).toEqual(['cooling-down', 'degraded', 'ok']);
    expect(history[1]?.trainingId).toBe(req?.trainingId);

    // Another plot type whose model got worse meanwhile is not held back by this one's cool-down.
    const other = trainingRun('CDC_other', 'o0');
    await t.hydra.log.appendMany([
      { type: 'plottype.defined', metadata: meta, data: plotTypeSpec('CDC_other') },
      ...other.events,
      {
        type: 'model.signed-off',
        metadata: meta,
        data: { modelId: other.modelId, plotType: 'CDC_other', user: 'ann' },
      },
      { type: 'model.activated', metadata: meta, data: { modelId: other.modelId, plotType: 'CDC_other', user: 'ann' } },
      ...samples(25, 'Bad', 'Good', 'CDC_other', other.modelId),
    ]);
    const both = await t.worker.round();
    expect(both.find((x) => x.plotType === 'CDC_other')).toMatchObject({
      status: 'degraded',
      appended: ['sustain.assessed', 'training.requested'],
    });
    expect(both.find((x) => x.plotType === PT)?.status).toBe('cooling-down');
    expect(await t.requests('CDC_other')).toHaveLength(1);
    expect(await t.requests(PT)).toHaveLength(1);
  });

  it('requests nothing over a long run of an unchanged detector whose model is as good as validation said, and its drift stays under the threshold', async () => {
    const PT2 = 'CDC_steady';
    const steady = activeModel(PT2, 's0');
    await t.hydra.log.appendMany(steady.events);
    // The model is wrong on one in ten, at no particular place, as sure of itself as on validation.
    const rnd = random(7);
    const statuses = new Set<string>();
    const drifts: number[] = [];
    const mixes: { shift: number; pValue: number }[] = [];
    let errors = 0;
    for (let block = 0; block < 40; block++) {
      const events = Array.from({ length: 10 }, () => {
        const right = rnd() >= 0.1;
        if (!right) errors++;
        return sample('Good', right ? 'Good' : 'Bad', PT2, steady.modelId, confidenceOf(rnd, right));
      }).flat();
      await t.hydra.log.appendMany(events);
      const r = await roundOf(PT2);
      if (r) statuses.add(r.status);
      if (typeof r?.evidence?.drift === 'number') drifts.push(r.evidence.drift);
      if (r?.evidence?.verdictMix) mixes.push(r.evidence.verdictMix);
    }
    const mine = await t.requests(PT2);
    const maxDrift = Math.max(...drifts);
    const maxShift = Math.max(...mixes.map((m) => m.shift));
    const minP = Math.min(...mixes.map((m) => m.pValue));
    const p = DEFAULT_SUSTAIN_POLICY;
    console.log(
      `steady detector: 400 labelled samples, ${errors} wrong, statuses ${[...statuses].join(', ')}, ${mine.length} retraining requests, drift at most ${maxDrift.toFixed(3)} (threshold ${p.driftThreshold}), verdict mix judged ${mixes.length} times: shift at most ${(100 * maxShift).toFixed(1)} % (drifting from ${100 * p.mixMinShift} %), p at least ${minP.toExponential(1)} (drifting below ${p.mixAlpha})`,
    );
    expect(mixes.length).toBeGreaterThan(0);
    expect(mixes.some((m) => m.pValue < p.mixAlpha && m.shift >= p.mixMinShift)).toBe(false);
    expect(mine).toEqual([]);
    expect(statuses).not.toContain('degraded');
    expect(statuses).not.toContain('drifting');
    expect(drifts.length).toBeGreaterThan(0);
    expect(maxDrift).toBeLessThan(DEFAULT_SUSTAIN_POLICY.driftThreshold);
  });

  it('shows drift ahead of the labels when the confidences move, and asks for labels rather than a training', async () => {
    const PT3 = 'CDC_changed';
    const changed = activeModel(PT3, 'c0');
    await t.hydra.log.appendMany(changed.events);
    // The detector changed: the model hesitates on everything; nobody has labelled any of it yet.
    const rnd = random(11);
    await t.hydra.log.appendMany(
      Array.from({ length: 250 }, () => sample(null, 'Good', PT3, changed.modelId, 0.5 + 0.25 * rnd())).flat(),
    );
    const r = await roundOf(PT3);
    expect(r).toMatchObject({ status: 'drifting', appended: ['sustain.assessed'] });
    // Once the read model holds what the round appended (reading it at once raced the projection).
    const row = await t.assessment(PT3);
    console.log(`changed detector, no labels yet: drift ${row?.evidence?.drift?.toFixed(3)}; ${row?.why}`);
    expect(row?.evidence?.drift).toBeGreaterThan(DEFAULT_SUSTAIN_POLICY.driftThreshold);
    expect(row?.evidence).toMatchObject({ samples: 0, waiting: 250 });
    expect(row?.why).toMatch(/needs labels/);
    expect(await t.requests(PT3)).toEqual([]);
  });

  it('sees a confidently wrong model in its verdict mix before any label, and asks for labels, not a training', async () => {
    const PT4 = 'CDC_wrong';
    const wrong = activeModel(PT4, 'w0');
    await t.hydra.log.appendMany(wrong.events);
    // Its first live verdicts: the detector as it knew it, half Good, half Bad, as sure as on validation.
    const rnd = random(13);
    await t.hydra.log.appendMany(
      Array.from({ length: 100 }, (_, i) =>
        sample(null, i % 2 === 0 ? 'Good' : 'Bad', PT4, wrong.modelId, confidenceOf(rnd, rnd() >= 0.1)),
      ).flat(),
    );
    const before = await roundOf(PT4);
    expect(before?.evidence?.verdictMix).toBeNull();
    // The detector changes: the model calls every plot Bad, just as sure of itself; nobody has labelled any yet.
    await t.hydra.log.appendMany(
      Array.from({ length: 100 }, () =>
        sample(null, 'Bad', PT4, wrong.modelId, confidenceOf(rnd, rnd() >= 0.1)),
      ).flat(),
    );
    const r = await roundOf(PT4);
    const mix = r?.evidence?.verdictMix;
    console.log(
      `confidently wrong model, no labels: verdict mix Bad ${mix?.labels.find((l) => l.label === 'Bad')?.recent}/${mix?.recent} against ${mix?.labels.find((l) => l.label === 'Bad')?.reference}/${mix?.reference} (p = ${mix?.pValue.toExponential(1)}), confidence drift ${r?.evidence?.drift ?? 'none'}: ${r?.status}`,
    );
    expect(r).toMatchObject({ status: 'drifting', appended: ['sustain.assessed'] });
    expect(mix).toMatchObject({ shifted: 'Bad', drifting: true, reference: 100, recent: 100 });
    // The confidences, as sure as on validation, do not show it.
    expect(r?.evidence?.drift).toBeLessThan(DEFAULT_SUSTAIN_POLICY.driftThreshold);
    expect((await t.assessment(PT4))?.why).toMatch(
      /verdict mix moved: Bad 100\.0 % of the latest 100 verdicts against 50\.0 % of the first 100.*needs labels/,
    );
    expect(await t.requests(PT4)).toEqual([]);
  });
});
