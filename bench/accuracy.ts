import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { DEFAULT_INPUT, generateDataset, PLOT_TYPES, type Manifest } from '../fixtures/generator/index.ts';
import { preprocessBatch, toFloat32 } from '../src/preprocess/index.ts';
import { buildDataset } from '../src/training/build-dataset.ts';
import { argmax, recallAtSpecificity } from '../src/training/evaluate.ts';
import { runTrainer } from '../src/training/trainer-process.ts';
import type { BenchResult } from './run.ts';

/**
 * Accuracy of our trainer per generated plot type, on FRESH test sets never seen in training: for each
 * plot type, a model is trained on gross failures (seed 1) with every label the plot type has, then
 * judged on a new gross set and a new subtle set (other seeds). Images go through the one preprocessing
 * path and the exported ONNX runs in onnxruntime-node, exactly as in production. Subtle Bad recall is also
 * given at >= 98 % Good specificity (the threshold on P(Bad) that keeps 98 % of the test Good images under it);
 * figures.min_gross_accuracy, min_subtle_bad_recall and max_train_seconds sum the plot types up.
 *   npm run bench -- accuracy      (HYDRA_ACC_PLOT_TYPES=CDC_occupancy,... to pick some)
 */
const envSchema = z.object({
  HYDRA_ACC_PLOT_TYPES: z.string().optional(),
  HYDRA_ACC_TRAIN_PER_CLASS: z.coerce.number().int().min(10).default(250),
  HYDRA_ACC_TEST_PER_CLASS: z.coerce.number().int().min(5).default(50),
  HYDRA_ACC_SIZE: z
    .string()
    .regex(/^\d+x\d+$/)
    .default('800x600')
    .describe('rendered canvas size'),
  HYDRA_ACC_INPUT: z
    .string()
    .regex(/^\d+x\d+$/)
    .default(`${DEFAULT_INPUT.width}x${DEFAULT_INPUT.height}`)
    .describe('model input (3 channels)'),
  HYDRA_ACC_INPUTS: z
    .string()
    .regex(/^([A-Za-z0-9_]+=\d+x\d+)?(,[A-Za-z0-9_]+=\d+x\d+)*$/)
    .default('')
    .describe('per plot type inputs, e.g. TOF_paddles=240x180'),
  HYDRA_ACC_EPOCHS: z.coerce.number().int().min(1).default(40),
  HYDRA_ACC_PATIENCE: z.coerce.number().int().min(0).default(10),
  HYDRA_ACC_BATCH: z.coerce.number().int().min(2).default(32),
  HYDRA_ACC_LR: z.coerce.number().positive().default(0.003),
});

const wh = (s: string): [number, number] => s.split('x').map(Number) as [number, number];

interface Score {
  accuracy: number;
  /** Bad against everything else: what raises alarms. */
  badRecall: number;
  badFalseAlarms: number;
  errors: Record<string, number>;
  /** P(Bad) of every Bad image and of every Good image, for recall at a fixed Good specificity. */
  badScores: number[];
  goodScores: number[];
}

async function score(
  session: ort.InferenceSession,
  dir: string,
  manifest: Manifest,
  labels: readonly string[],
  input: { width: number; height: number; channels: 3 },
): Promise<Score> {
  let correct = 0,
    bad = 0,
    badHit = 0,
    notBad = 0,
    falseAlarm = 0;
  const errors: Record<string, number> = {};
  const badScores: number[] = [],
    goodScores: number[] = [];
  const badIndex = labels.indexOf('Bad');
  const K = labels.length,
    chunk = 64;
  for (let i = 0; i < manifest.images.length; i += chunk) {
    const part = manifest.images.slice(i, i + chunk);
    const batch = await preprocessBatch(await Promise.all(part.map((e) => readFile(path.join(dir, e.file)))), {
      ...input,
      masks: [],
    });
    const out = await session.run({
      input: new ort.Tensor('float32', toFloat32(batch.pixels), [
        part.length,
        input.channels,
        input.height,
        input.width,
      ]),
    });
    const logits = out.logits!.data as Float32Array;
    part.forEach((e, j) => {
      const row = Array.from(logits.subarray(j * K, (j + 1) * K));
      const predicted = labels[argmax(row)]!;
      const m = Math.max(...row);
      const pBad = Math.exp(row[badIndex]! - m) / row.reduce((a, v) => a + Math.exp(v - m), 0);
      if (e.label === 'Bad') badScores.push(pBad);
      else if (e.label === 'Good') goodScores.push(pBad);
      if (predicted === e.label) correct++;
      else errors[`${e.label}->${predicted}`] = (errors[`${e.label}->${predicted}`] ?? 0) + 1;
      if (e.label === 'Bad') {
        bad++;
        if (predicted === 'Bad') badHit++;
      } else {
        notBad++;
        if (predicted === 'Bad') falseAlarm++;
      }
    });
  }
  return {
    accuracy: correct / manifest.images.length,
    badRecall: bad ? badHit / bad : 1,
    badFalseAlarms: notBad ? falseAlarm / notBad : 0,
    errors,
    badScores,
    goodScores,
  };
}

const round = (x: number): number => Number(x.toFixed(4));

export default async function accuracyBench(): Promise<BenchResult> {
  const env = envSchema.parse(process.env);
  const [width, height] = wh(env.HYDRA_ACC_SIZE);
  const inputOf = (plotType: string) => {
    const own = env.HYDRA_ACC_INPUTS.split(',')
      .find((kv) => kv.startsWith(`${plotType}=`))
      ?.split('=')[1];
    const [w, h] = wh(own ?? env.HYDRA_ACC_INPUT);
    return { width: w, height: h, channels: 3 as const };
  };
  const wanted = env.HYDRA_ACC_PLOT_TYPES?.split(',').map((s) => s.trim());
  const types = PLOT_TYPES.filter((p) => !wanted || wanted.includes(p.name));
  const work = await mkdtemp(path.join(tmpdir(), 'hydra-bench-accuracy-'));
  const figures: BenchResult['figures'] = {
    train_per_class: env.HYDRA_ACC_TRAIN_PER_CLASS,
    test_per_class: env.HYDRA_ACC_TEST_PER_CLASS,
    canvas: env.HYDRA_ACC_SIZE,
    input: `3x${inputOf('').height}x${inputOf('').width}`,
    epochs_max: env.HYDRA_ACC_EPOCHS,
  };
  const gross: number[] = [],
    subtle: number[] = [],
    subtleAt98: number[] = [],
    trainSeconds: number[] = [];
  try {
    for (const t of types) {
      const labels = t.labels.map((l) => l.name);
      const input = inputOf(t.name);
      const base = path.join(work, t.name);
      const gen = (name: string, seed: number, perClass: number, severity: 'gross' | 'subtle') =>
        generateDataset({
          outDir: path.join(base, name),
          perClass,
          seed,
          width,
          height,
          severity,
          plotTypes: [t.name],
        });
      const t0 = performance.now();
      const train = await gen('train', 1, env.HYDRA_ACC_TRAIN_PER_CLASS, 'gross');
      const testGross = await gen('test-gross', 1001, env.HYDRA_ACC_TEST_PER_CLASS, 'gross');
      const testSubtle = await gen('test-subtle', 2001, env.HYDRA_ACC_TEST_PER_CLASS, 'subtle');
      const seen = new Set(train.images.map((e) => e.sha256));
      const leaked = [...testGross.images, ...testSubtle.images].filter((e) => seen.has(e.sha256)).length;
      if (leaked) throw new Error(`${t.name}: ${leaked} test images also in the training set`);

      await buildDataset(
        train.images.map((e) => ({
          imageId: e.sha256,
          label: e.label,
          load: () => readFile(path.join(base, 'train', e.file)),
        })),
        {
          dir: path.join(base, 'ds'),
          header: { labels, input, plotType: t.name },
          masks: [],
          validationFraction: 0.2,
          seed: 1,
          sampling: 'balanced',
        },
      );
      const t1 = performance.now();
      const r = await runTrainer({
        datasetDir: path.join(base, 'ds'),
        outDir: path.join(base, 'out'),
        parameters: {
          epochs: env.HYDRA_ACC_EPOCHS,
          patience: env.HYDRA_ACC_PATIENCE,
          batchSize: env.HYDRA_ACC_BATCH,
          learningRate: env.HYDRA_ACC_LR,
          seed: 1,
        },
      });
      if (!r.ok) throw new Error(`${t.name}: training failed: ${r.code}: ${r.reason}`);
      const t2 = performance.now();
      const session = await ort.InferenceSession.create(r.modelPath);
      const g = await score(session, path.join(base, 'test-gross'), testGross, labels, input);
      const s = await score(session, path.join(base, 'test-subtle'), testSubtle, labels, input);
      await session.release();
      gross.push(g.accuracy);
      subtle.push(s.accuracy);
      // Subtle Bad against the Good of both test sets, at >= 98 % Good specificity.
      const at98 = recallAtSpecificity(s.badScores, [...g.goodScores, ...s.goodScores], 0.98);
      const goodSpecificity =
        1 -
        [...g.goodScores, ...s.goodScores].filter((p) => p > 0.5).length / (g.goodScores.length + s.goodScores.length);
      subtleAt98.push(at98);
      trainSeconds.push((t2 - t1) / 1000);
      Object.assign(figures, {
        [`${t.name}_gross_accuracy`]: round(g.accuracy),
        [`${t.name}_gross_bad_recall`]: round(g.badRecall),
        [`${t.name}_subtle_accuracy`]: round(s.accuracy),
        [`${t.name}_subtle_bad_recall`]: round(s.badRecall),
        [`${t.name}_subtle_bad_recall_at_98_good_specificity`]: round(at98),
        [`${t.name}_good_specificity`]: round(goodSpecificity),
        [`${t.name}_labels_per_class`]: env.HYDRA_ACC_TRAIN_PER_CLASS,
        [`${t.name}_input`]: `3x${input.height}x${input.width}`,
        [`${t.name}_val_accuracy`]: round(r.valAccuracy),
        [`${t.name}_epochs`]: r.epochsRun,
        [`${t.name}_train_s`]: Math.round((t2 - t1) / 1000),
      });
      console.error(
        `${t.name}: gross ${(100 * g.accuracy).toFixed(1)}% (Bad recall ${(100 * g.badRecall).toFixed(1)}%, errors ${JSON.stringify(g.errors)}), ` +
          `subtle ${(100 * s.accuracy).toFixed(1)}% (Bad recall ${(100 * s.badRecall).toFixed(1)}%, ${(100 * at98).toFixed(1)}% at 98% Good specificity), Good specificity ${(100 * goodSpecificity).toFixed(1)}%, val ${(100 * r.valAccuracy).toFixed(1)}%, ` +
          `${r.epochsRun} epochs, generate ${((t1 - t0) / 1000).toFixed(0)} s, train ${((t2 - t1) / 1000).toFixed(0)} s`,
      );
      await rm(base, { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  Object.assign(figures, {
    min_gross_accuracy: round(Math.min(...gross)),
    min_subtle_bad_recall: round(Math.min(...subtleAt98)),
    max_train_seconds: Math.round(Math.max(...trainSeconds)),
  });
  return {
    figures,
    ratios: { gross_min: round(Math.min(...gross)), gross_mean: round(mean(gross)), subtle_mean: round(mean(subtle)) },
  };
}
