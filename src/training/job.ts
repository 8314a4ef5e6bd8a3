import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../blobs/store.ts';
import type { Db } from '../db/connection.ts';
import type { EventInput } from '../events/catalog.ts';
import type { EventLog } from '../events/log.ts';
import type { PlotTypeLookup } from '../labels/decide.ts';
import { PreprocessError } from '../preprocess/index.ts';
import { waitForStream } from '../projections/checkpoints.ts';
import { imagesProjection } from '../projections/images/projection.ts';
import { labelledImages } from '../projections/labels/queries.ts';
import { labelsProjection } from '../projections/labels/projection.ts';
import { modelRow } from '../projections/models/queries.ts';
import { trainingRow } from '../projections/trainings/queries.ts';
import { chooseBackbone, FINE_TUNE_BLOCKS, shippedBackbone } from './backbone.ts';
import { buildDataset, type DatasetSource } from './build-dataset.ts';
import { datasetCounts, DatasetError } from './dataset-file.ts';
import { evaluate } from './evaluate.ts';
import { completedData, failedData, planDataset, type TrainingRequest } from './plan.ts';
import { readTrainerInfo, readValPredictions } from './trainer-output.ts';
import { runTrainer, type TrainerProgress } from './trainer-process.ts';

/** One training run, from a request to the outcome event's data. The worker appends it. */

export interface TrainingJobDeps {
  readonly log: EventLog;
  readonly blobs: BlobStore;
  readonly db: Db;
  readonly plotTypes: PlotTypeLookup;
  /** Each run works in <workDir>/<trainingId>/, removed afterwards. */
  readonly workDir: string;
  readonly python?: string;
  /** How long to wait for the labels and images read models to catch up with the stream. */
  readonly readModelWaitMs: number;
  readonly say: (line: string) => void;
  /** Where the shipped backbone is (default models/backbone/). */
  readonly backboneDir?: string;
}

export type JobOutcome =
  | { readonly kind: 'completed'; readonly data: EventInput<'training.completed'> }
  | { readonly kind: 'failed'; readonly data: EventInput<'training.failed'> }
  | { readonly kind: 'cancelled' };

export async function runTrainingJob(
  deps: TrainingJobDeps,
  request: TrainingRequest,
  opts: { signal?: AbortSignal; onProgress?: (p: TrainerProgress) => void } = {},
): Promise<JobOutcome> {
  const t0 = performance.now();
  const fail = (code: EventInput<'training.failed'>['code'], reason: string): JobOutcome => ({
    kind: 'failed',
    data: failedData(request, code, reason),
  });
  const spec = deps.plotTypes.get(request.plotType);
  if (!spec) return fail('dataset-error', `plot type "${request.plotType}" is not configured (or was retired)`);
  const backbone = await shippedBackbone(deps.backboneDir);
  const choice = chooseBackbone(request.parameters.backbone, spec.input.channels, backbone !== undefined);
  if (!choice.use && choice.refused) return fail('dataset-error', `cannot start from the backbone: ${choice.refused}`);
  if (!choice.use && choice.note) deps.say(`training ${request.trainingId}: ${choice.note}`);
  // What the run did is what the outcome records: the backbone shipped, or none.
  const parameters = { ...request.parameters, backbone: choice.use ? ('shipped' as const) : ('none' as const) };

  // A label imported just before `hydra train` must be part of the run: wait until the read models hold
  // every label and image event the stream has now (the run goes on with what they have after the wait).
  const behind = await waitForStream(deps.db, deps.log, [labelsProjection, imagesProjection], {
    timeoutMs: deps.readModelWaitMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (behind.length)
    deps.say(
      `training ${request.trainingId}: read model(s) ${behind.join(', ')} still behind the stream after ${deps.readModelWaitMs} ms; training on what they hold`,
    );
  const plan = planDataset(spec, await labelledImages(deps.db, request.plotType), parameters);
  if (!plan.ok) return fail(plan.code, plan.reason);
  if (plan.unused.length)
    deps.say(
      `training ${request.trainingId}: no labelled images of ${plan.unused.join(', ')}; the model will not have those labels`,
    );

  const dir = path.join(deps.workDir, request.trainingId);
  await rm(dir, { recursive: true, force: true });
  try {
    const sources = plan.items.map((it): DatasetSource => ({ ...it, load: () => deps.blobs.get(it.imageId) }));
    let built;
    try {
      built = await buildDataset(sources, {
        dir: path.join(dir, 'dataset'),
        header: { labels: plan.labels, input: spec.input, plotType: spec.name },
        masks: spec.masks,
        validationFraction: parameters.validationFraction,
        seed: parameters.seed,
        sampling: plan.sampling,
      });
    } catch (err) {
      if (err instanceof DatasetError || err instanceof PreprocessError) return fail('dataset-error', err.message);
      throw err;
    }
    for (const s of built.skipped.slice(0, 5))
      deps.say(`training ${request.trainingId}: skipped image ${s.imageId.slice(0, 12)} (${s.code}: ${s.reason})`);
    deps.say(
      `training ${request.trainingId}: ${built.dataset.count} images of ${plan.labels.join('/')} at ${spec.input.width}x${spec.input.height}x${spec.input.channels}${built.skipped.length ? `, ${built.skipped.length} skipped` : ''}`,
    );

    const parent = parameters.parentModel ? await parentWeights(deps, parameters.parentModel, dir) : null;
    if (parent && 'note' in parent) deps.say(`training ${request.trainingId}: ${parent.note}`);
    const weightsPath = path.join(dir, 'out', 'weights.pt');
    const r = await runTrainer({
      datasetDir: path.join(dir, 'dataset'),
      outDir: path.join(dir, 'out'),
      parameters: { ...parameters, sampling: plan.sampling },
      ...(choice.use && backbone ? { backbone: { path: backbone, fineTuneBlocks: FINE_TUNE_BLOCKS } } : {}),
      ...(parent && 'path' in parent ? { parent: parent.path } : {}),
      saveWeights: weightsPath,
      ...(deps.python ? { python: deps.python } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    if (!r.ok) return r.code === 'cancelled' ? { kind: 'cancelled' } : fail(r.code, r.reason);

    const preds = await readValPredictions(r.valPredictionsPath);
    const evaluation = evaluate({
      labels: preds.labels,
      trueLabels: preds.samples.map((s) => s.label),
      probabilities: preds.samples.map((s) => s.probabilities),
      imageIds: preds.samples.map((s) => s.imageId),
    });
    const info = await readTrainerInfo(r.infoPath);
    const onnx = await deps.blobs.put(await readFile(r.modelPath), 'application/onnx');
    const valPredictions = await deps.blobs.put(await readFile(r.valPredictionsPath), 'application/json');
    const infoBlob = await deps.blobs.put(await readFile(r.infoPath), 'application/json');
    const weights = await deps.blobs.put(await readFile(weightsPath), 'application/octet-stream');
    const counts = datasetCounts(built.dataset);
    return {
      kind: 'completed',
      data: completedData({
        request,
        spec,
        plan,
        parameters,
        evaluation,
        onnx: onnx.sha256,
        dataset: {
          size: built.dataset.count,
          train: counts.train,
          validation: counts.validation,
          manifestHash: built.dataset.manifestHash,
          perLabel: counts.perLabel,
        },
        frameworks: info.frameworks,
        durationSeconds: (performance.now() - t0) / 1000,
        trainer: {
          device: r.device,
          epochsRun: r.epochsRun,
          bestEpoch: r.bestEpoch,
          imagesPerSecond: r.imagesPerSecond,
        },
        artifacts: { valPredictions: valPredictions.sha256, info: infoBlob.sha256, weights: weights.sha256 },
        skipped: built.skipped.length,
      }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The parent model's weights (parameters.parentModel: the model a retraining starts from), written into the run's
 * directory; a note instead when it has none (imported, or trained before weights were kept): the run then trains
 * as it would without a parent. Whether the architecture fits is the trainer's to say (info.json's "parent").
 */
async function parentWeights(
  deps: TrainingJobDeps,
  parentModel: string,
  dir: string,
): Promise<{ path: string } | { note: string }> {
  const model = await modelRow(deps.db, parentModel);
  const training = model?.trainingId ? await trainingRow(deps.db, model.trainingId) : null;
  const sha = training?.result?.artifacts?.weights;
  if (!sha) return { note: `parent model ${parentModel} has no kept weights (imported, or older): trained without it` };
  const file = path.join(dir, 'parent.pt');
  await mkdir(dir, { recursive: true });
  await writeFile(file, await deps.blobs.get(sha));
  return { path: file };
}
