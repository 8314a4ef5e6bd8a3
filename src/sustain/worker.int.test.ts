import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { arrived, meta, plotTypeSpec, shaOf } from '../../test/support/events.ts';
import { trainingRun } from '../../test/support/trainings.ts';
import { openHydra, type Hydra } from '../context.ts';
import type { AnyNewEvent } from '../events/log.ts';
import { readMatching } from '../events/query.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { ProjectionRunner } from '../projections/index.ts';
import { labelQueueProjection } from '../projections/label-queue/projection.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import { erase } from '../projections/runtime/projection.ts';
import { sustainProjection } from '../projections/sustain/projection.ts';
import { latestDecision, sustainHistoryOf } from '../projections/sustain/queries.ts';
import { trainingsProjection } from '../projections/trainings/projection.ts';
import { verdictsProjection } from '../projections/verdicts/projection.ts';
import { SustainWorker } from './worker.ts';

let env: TestEnv;
let hydra: Hydra;
let plotTypes: PlotTypeCache;
let runners: ProjectionRunner[];
let worker: SustainWorker;
const PT = 'CDC_sustain';
const run = trainingRun(PT, 't0');
let n = 0;

/** An unbiased sample: arrived, sampled, the active model's verdict, and an expert's label. */
function sample(label: string, verdict: string, plotType = PT, modelId = run.modelId): AnyNewEvent[] {
  const imageId = shaOf(`sample-${n}`);
  const at = new Date(Date.now() - 3600_000 + n * 1000).toISOString();
  n++;
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
        scores: verdict === 'Good' ? { Good: 0.9, Bad: 0.1 } : { Good: 0.1, Bad: 0.9 },
        verdict,
        confidence: 0.9,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    },
    { type: 'label.assigned', metadata: meta, data: { imageId, plotType, label, user: 'ann' } },
  ];
}
const samples = (k: number, label: string, verdict: string) =>
  Array.from({ length: k }, () => sample(label, verdict)).flat();

beforeAll(async () => {
  env = await openTestEnv('sustain');
  hydra = await openHydra(env.config, { producer: 'test' });
  await hydra.log.appendMany([
    { type: 'plottype.defined', metadata: meta, data: plotTypeSpec(PT) },
    ...run.events,
    { type: 'model.signed-off', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
    { type: 'model.activated', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
  ]);
  runners = [
    erase(labelQueueProjection),
    erase(verdictsProjection),
    erase(modelsProjection),
    erase(trainingsProjection),
    erase(sustainProjection),
  ].map((p) => new ProjectionRunner(hydra.database, hydra.log, p));
  await Promise.all(runners.map((r) => r.start()));
  plotTypes = await PlotTypeCache.open(hydra.log);
  worker = new SustainWorker({ log: hydra.log, db: hydra.database.db, blobs: hydra.blobs, plotTypes, admins: [] });
});

afterAll(async () => {
  await Promise.all(runners?.map((r) => r.stop()) ?? []);
  await plotTypes?.close();
  await hydra?.close();
  await env?.cleanup();
});

const requests = async () =>
  (await readMatching(hydra.log, hydra.log.names.filter('training.requested'))).filter(
    (e) => e.type === 'training.requested' && e.data.requester === 'sustain',
  );

describe('the sustain worker', () => {
  it('says accuracy is consistent with validation while it is, and appends only changes', async () => {
    await hydra.log.appendMany(samples(30, 'Good', 'Good'));
    const [first] = await worker.round();
    expect(first).toMatchObject({ plotType: PT, status: 'ok', appended: ['sustain.assessed'] });
    expect((await worker.round())[0]?.appended).toEqual([]);
    const row = await latestDecision(hydra.database.db, PT, 'assessed');
    expect(row).toMatchObject({ status: 'ok', modelId: run.modelId });
    expect(row?.evidence).toMatchObject({ samples: 30, correct: 30, waiting: 0 });
  });

  it('requests a training once when the labelled sample shows the model got worse, then cools down', async () => {
    await hydra.log.appendMany(samples(20, 'Bad', 'Good'));
    const [r] = await worker.round();
    expect(r).toMatchObject({ status: 'degraded', appended: ['sustain.assessed', 'training.requested'] });
    const [req] = await requests();
    expect(req?.type === 'training.requested' && req.data.reason).toMatch(/below validation 90\.0 %/);
    expect((await worker.round())[0]).toMatchObject({ status: 'cooling-down', appended: ['sustain.assessed'] });
    expect((await worker.round())[0]?.appended).toEqual([]);
    expect(await requests()).toHaveLength(1);
    const history = await sustainHistoryOf(hydra.database.db, PT);
    expect(history.map((h) => h.status)).toEqual(['cooling-down', 'degraded', 'ok']);
    expect(history[1]?.trainingId).toBe(req?.type === 'training.requested' ? req.data.trainingId : 'none');
  });

  it('requests nothing over a long run of an unchanged detector whose model is as good as validation said', async () => {
    const PT2 = 'CDC_steady';
    const steady = trainingRun(PT2, 's0');
    await hydra.log.appendMany([
      { type: 'plottype.defined', metadata: meta, data: plotTypeSpec(PT2) },
      ...steady.events,
      { type: 'model.signed-off', metadata: meta, data: { modelId: steady.modelId, plotType: PT2, user: 'ann' } },
      { type: 'model.activated', metadata: meta, data: { modelId: steady.modelId, plotType: PT2, user: 'ann' } },
    ]);
    // Validation said 90 %: the model is wrong on one in ten, at no particular place (a fixed pseudo-random pattern).
    let x = 7;
    const wrong = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 < 0.1;
    const statuses = new Set<string>();
    let errors = 0;
    for (let block = 0; block < 30; block++) {
      const events = Array.from({ length: 10 }, () => {
        const w = wrong();
        if (w) errors++;
        return sample('Good', w ? 'Bad' : 'Good', PT2, steady.modelId);
      }).flat();
      await hydra.log.appendMany(events);
      for (const r of await worker.round()) if (r.plotType === PT2) statuses.add(r.status);
    }
    const mine = (await requests()).filter((e) => e.type === 'training.requested' && e.data.plotType === PT2);
    console.log(
      `steady detector: 300 labelled samples, ${errors} wrong, statuses ${[...statuses].join(', ')}, ${mine.length} retraining requests`,
    );
    expect(mine).toEqual([]);
    expect(statuses).not.toContain('degraded');
  });
});
