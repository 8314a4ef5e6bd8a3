import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { meta } from '../../test/support/events.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import { trainingRun } from '../../test/support/trainings.ts';
import { openHydra, type Hydra } from '../context.ts';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { classifyStoredImages } from '../inference/classify-stored.ts';
import { applyLabels } from '../labels/apply.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { waitForStream } from '../projections/checkpoints.ts';
import { ProjectionRunner } from '../projections/index.ts';
import { labelHistoryProjection, labelQueueProjection } from '../projections/label-queue/projection.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import { activeModelOf, modelRow } from '../projections/models/queries.ts';
import { erase } from '../projections/runtime/projection.ts';
import { sustainProjection } from '../projections/sustain/projection.ts';
import { latestDecision } from '../projections/sustain/queries.ts';
import { trainingsProjection } from '../projections/trainings/projection.ts';
import { verdictsProjection } from '../projections/verdicts/projection.ts';
import { SustainWorker, type RoundResult } from './worker.ts';

/**
 * The loop end to end on real NATS and MariaDB with a real (tiny) challenger: a model does well; the detector
 * changes and its verdicts go wrong; unbiased labels arrive through the Labeler's apply; the loop detects the drop
 * and requests a training; the retrained model is compared on samples labelled after it and, the plot type
 * allowing it, activated; its accuracy on what follows is back up. The training itself is done here by the same
 * trainer the training worker runs (test/support/model.ts), to keep the test to the loop's wiring.
 */

const PT = 'FCAL_occupancy';
let env: TestEnv;
let hydra: Hydra;
let plotTypes: PlotTypeCache;
let runners: ProjectionRunner[];
let worker: SustainWorker;
let spec: PlotTypeSpec;
const champion = trainingRun(PT, 'champion');
let n = 0;

beforeAll(async () => {
  env = await openTestEnv('sustain_loop');
  hydra = await openHydra(env.config, { producer: 'test' });
  spec = plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(PT)!),
    input: { width: 64, height: 48, channels: 3 },
    collectPercent: 0,
    retrain: { auto: true, autoActivate: true, compareSamples: 20 },
  });
  await hydra.log.appendMany([
    { type: 'plottype.defined', metadata: meta, data: spec },
    ...champion.events,
    { type: 'model.signed-off', metadata: meta, data: { modelId: champion.modelId, plotType: PT, user: 'ann' } },
    { type: 'model.activated', metadata: meta, data: { modelId: champion.modelId, plotType: PT, user: 'ann' } },
  ]);
  runners = [
    erase(labelQueueProjection),
    erase(labelHistoryProjection),
    erase(verdictsProjection),
    erase(modelsProjection),
    erase(trainingsProjection),
    erase(sustainProjection),
  ].map((p) => new ProjectionRunner(hydra.database, hydra.log, p));
  await Promise.all(runners.map((r) => r.start()));
  plotTypes = await PlotTypeCache.open(hydra.log);
  worker = new SustainWorker({
    log: hydra.log,
    db: hydra.database.db,
    blobs: hydra.blobs,
    plotTypes,
    admins: [],
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(runners?.map((r) => r.stop()) ?? []);
  await plotTypes?.close();
  await hydra?.close();
  await env?.cleanup();
});

/**
 * One unbiased sample: a generated plot (Bad: a dead crate) stored and arrived, the verdict `verdictOf` gives it
 * (the active model's), then an expert's label through the Labeler's apply. Returns the round that follows.
 */
async function sample(truth: 'Good' | 'Bad', verdictOf: (imageId: string) => Promise<string>, modelId: string) {
  n++;
  const { png } = await renderPlot({
    plotType: PT,
    label: truth,
    seed: 90_000 + n,
    width: 240,
    height: 180,
    run: 72_000 + n,
    ...(truth === 'Bad' ? { failure: { mode: 'dead_crate', severity: 1 } } : {}),
  });
  const { sha256: imageId } = await hydra.blobs.put(png, 'image/png');
  const verdict = await verdictOf(imageId);
  const arrivedAt = new Date().toISOString();
  await hydra.log.appendMany([
    {
      type: 'image.arrived',
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType: PT,
        run: 72_000 + n,
        chunk: n,
        pad: 1,
        arrivedAt,
        width: 240,
        height: 180,
        bytes: png.length,
        source: `${PT}-01_${String(n).padStart(4, '0')}.png`,
      },
    },
    { type: 'image.sampled', metadata: meta, data: { imageId, plotType: PT, reason: 'unbiased' } },
    {
      type: 'inference.completed',
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType: PT,
        modelId,
        scores: verdict === 'Good' ? { Good: 0.9, Bad: 0.1 } : { Good: 0.1, Bad: 0.9 },
        verdict,
        confidence: 0.9,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    },
  ]);
  await waitForStream(hydra.database.db, hydra.log, [labelQueueProjection], { timeoutMs: 30_000 });
  const applied = await applyLabels(
    { log: hydra.log, db: hydra.database.db },
    spec,
    { plotType: PT, label: truth, imageIds: [imageId], user: 'ann', batch: crypto.randomUUID() },
    { ...meta, user: 'ann' },
  );
  expect(applied.stored).toBe(1);
  const [r] = await worker.round();
  return r as RoundResult;
}

const truthOf = (i: number): 'Good' | 'Bad' => (i % 2 === 0 ? 'Good' : 'Bad');
/** The latest assessment, once the read model holds what the rounds appended. */
const assessment = async () => {
  await waitForStream(hydra.database.db, hydra.log, [sustainProjection, trainingsProjection], { timeoutMs: 30_000 });
  return latestDecision(hydra.database.db, PT, 'assessed');
};
const accuracy = async (modelId: string) => {
  const a = await assessment();
  expect(a?.modelId).toBe(modelId);
  return { ...a!.evidence!.accuracy, n: a!.evidence!.samples };
};
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

describe('the self-sustaining loop', () => {
  it('detects a drop from unbiased labels, retrains, the retrained model wins and accuracy recovers', async () => {
    // Before: the champion is right.
    for (let i = 0; i < 24; i++) await sample(truthOf(i), async () => truthOf(i), champion.modelId);
    const before = await accuracy(champion.modelId);
    expect((await assessment())?.status).toBe('ok');

    // The detector changes: the champion now calls every plot Bad.
    const changedAt = Date.now();
    let labelled = 0;
    let detected: RoundResult | undefined;
    while (!detected && labelled < 100) {
      const r = await sample(truthOf(labelled), async () => 'Bad', champion.modelId);
      labelled++;
      if (r.appended.includes('training.requested')) detected = r;
    }
    const detectionMs = Date.now() - changedAt;
    expect(detected?.status).toBe('degraded');
    const during = await accuracy(champion.modelId);
    const assessed = await assessment();
    const trainingId = assessed!.trainingId!;

    // The training it asked for (the trainer the training worker runs), left for the loop to judge.
    const trained = await trainAndActivate(hydra.log, hydra.blobs, spec, {
      mode: 'dead_crate',
      perClass: 48,
      epochs: 12,
      sourceWidth: 240,
      sourceHeight: 180,
      trainingId,
      activate: false,
    });
    await waitForStream(hydra.database.db, hydra.log, [trainingsProjection, modelsProjection], { timeoutMs: 30_000 });
    const challenger = (await modelRow(hydra.database.db, trained.modelId))!;

    // Samples labelled after the training: the champion is still wrong, the challenger is compared on them.
    let compared: RoundResult | undefined;
    for (let i = 0; !compared?.comparison?.match(/activated|awaits|kept/) && i < 60; i++)
      compared = await sample(truthOf(i), async () => 'Bad', champion.modelId);
    expect(compared?.comparison).toBe('activated');
    await waitForStream(hydra.database.db, hydra.log, [modelsProjection, sustainProjection], { timeoutMs: 30_000 });
    expect((await activeModelOf(hydra.database.db, PT))?.modelId).toBe(trained.modelId);

    // After: the new model's own verdicts (what inference would say) on what arrives next.
    const challengerSays = async (imageId: string) =>
      (await classifyStoredImages(hydra.blobs, challenger, spec, [imageId])).get(imageId)!.verdict;
    for (let i = 0; i < 24; i++) await sample(truthOf(i), challengerSays, trained.modelId);
    const after = await accuracy(trained.modelId);
    const final = await assessment();
    console.log(
      [
        `sustain loop (accuracy as last assessed, which is appended when its status changes): before ${pct(before.estimate)} over ${before.n} samples, during ${pct(during.estimate)} over ${during.n}`,
        `detected after ${labelled} unbiased labels since the change (${(detectionMs / 1000).toFixed(1)} s)`,
        `after ${pct(after.estimate)} over ${after.n} (95 % ${pct(after.low)}–${pct(after.high)}) with ${trained.modelId}, status ${final?.status}; compared: ${compared?.comparison}`,
      ].join('; '),
    );
    expect(labelled).toBeLessThanOrEqual(50);
    expect(final?.status).toBe('ok');
    expect(after.estimate!).toBeGreaterThan(during.estimate!);
  }, 600_000);
});
