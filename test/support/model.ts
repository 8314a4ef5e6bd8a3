import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderPlot } from '../../fixtures/generator/index.ts';
import type { BlobStore } from '../../src/blobs/store.ts';
import type { EventLog } from '../../src/events/log.ts';
import type { PlotTypeSpec } from '../../src/events/plottype.ts';
import { buildDataset } from '../../src/training/build-dataset.ts';
import { datasetCounts } from '../../src/training/dataset-file.ts';
import { evaluate } from '../../src/training/evaluate.ts';
import { readValPredictions } from '../../src/training/trainer-output.ts';
import { runTrainer } from '../../src/training/trainer-process.ts';
import { meta } from './events.ts';

/**
 * Trains a small real model for a plot type on generated Good and Bad plots (Bad = the given failure
 * mode at random places), stores it, and records it as trained, signed off and active: what an expert
 * would do through the registry, in a few seconds.
 */
export async function trainAndActivate(
  log: EventLog,
  blobs: BlobStore,
  spec: PlotTypeSpec,
  opts: {
    mode: string;
    perClass?: number;
    epochs?: number;
    sourceWidth?: number;
    sourceHeight?: number;
    seed?: number;
    /** The training run this model completes (default: a new one), e.g. one the self-sustaining loop requested. */
    trainingId?: string;
    /** Sign off and activate it (default); false leaves it trained only. */
    activate?: boolean;
  },
): Promise<{ modelId: string; valAccuracy: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hydra-model-'));
  try {
    const perClass = opts.perClass ?? 96;
    const w = opts.sourceWidth ?? 400;
    const h = opts.sourceHeight ?? 300;
    const seed = opts.seed ?? 1;
    const images: { png: Buffer; label: string }[] = [];
    for (let i = 0; i < perClass; i++) {
      images.push({
        png: (
          await renderPlot({
            plotType: spec.name,
            label: 'Good',
            seed: seed * 1000 + i,
            width: w,
            height: h,
            run: 71400 + i,
          })
        ).png,
        label: 'Good',
      });
      images.push({
        png: (
          await renderPlot({
            plotType: spec.name,
            label: 'Bad',
            seed: seed * 1000 + 500 + i,
            width: w,
            height: h,
            run: 71400 + i,
            failure: { mode: opts.mode, severity: 1 },
          })
        ).png,
        label: 'Bad',
      });
    }
    const labels = ['Good', 'Bad'];
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const { dataset } = await buildDataset(
      images.map((im) => ({ imageId: sha(im.png), label: im.label, load: async () => im.png })),
      {
        dir: path.join(dir, 'ds'),
        header: { labels, input: spec.input, plotType: spec.name },
        masks: spec.masks,
        validationFraction: 0.25,
        seed: 1,
        sampling: 'balanced',
      },
    );
    const parameters = {
      epochs: opts.epochs ?? 20,
      batchSize: 16,
      learningRate: 0.003,
      patience: 10,
      seed: 1,
      minPerClass: 5,
      device: 'cpu' as const,
    };
    const r = await runTrainer({ datasetDir: path.join(dir, 'ds'), outDir: path.join(dir, 'out'), parameters });
    if (!r.ok) throw new Error(`training failed: ${r.code}: ${r.reason}`);
    const preds = await readValPredictions(r.valPredictionsPath);
    const evaluation = evaluate({
      labels,
      imageIds: preds.samples.map((s) => s.imageId),
      trueLabels: preds.samples.map((s) => s.label),
      probabilities: preds.samples.map((s) => s.probabilities),
    });
    const onnx = await blobs.put(await readFile(r.modelPath), 'application/onnx');
    // Kept with the model as the training job keeps them: the report and the thresholds page read them.
    const valPredictions = await blobs.put(await readFile(r.valPredictionsPath), 'application/json');
    const info = await blobs.put(await readFile(r.infoPath), 'application/json');
    const modelId = `m-${spec.name}-${randomBytes(4).toString('hex')}`;
    const trainingId = opts.trainingId ?? `t-${randomBytes(4).toString('hex')}`;
    const counts = datasetCounts(dataset);
    await log.append({
      type: 'training.completed',
      metadata: meta,
      data: {
        trainingId,
        plotType: spec.name,
        modelId,
        onnx: onnx.sha256,
        input: spec.input,
        labels,
        evaluation,
        dataset: {
          size: dataset.count,
          train: counts.train,
          validation: counts.validation,
          manifestHash: dataset.manifestHash,
          perLabel: counts.perLabel,
        },
        parameters,
        frameworks: r.frameworks,
        durationSeconds: r.durationSeconds,
        artifacts: { valPredictions: valPredictions.sha256, info: info.sha256 },
      },
    });
    if (opts.activate === false) return { modelId, valAccuracy: r.valAccuracy };
    await log.append({
      type: 'model.signed-off',
      metadata: meta,
      data: { modelId, plotType: spec.name, user: 'expert', comment: 'test model' },
    });
    const lastActivation = await log.lastSubjectSeq('model.activated', spec.name);
    let previousModelId: string | undefined;
    if (lastActivation > 0) {
      const m = await log.jsm.streams.getMessage(log.names.stream, { seq: lastActivation });
      previousModelId = (JSON.parse(new TextDecoder().decode(m!.data)) as { data: { modelId: string } }).data.modelId;
    }
    await log.append({
      type: 'model.activated',
      metadata: meta,
      expectedLastSubjectSeq: lastActivation,
      data: { modelId, plotType: spec.name, user: 'expert', ...(previousModelId ? { previousModelId } : {}) },
    });
    return { modelId, valAccuracy: r.valAccuracy };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
