import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { buildDataset } from '../src/training/build-dataset.ts';
import { datasetCounts, readDatasetMeta } from '../src/training/dataset-file.ts';
import { syntheticPlots } from '../src/training/synthetic-plots.ts';
import { defaultPython, runTrainer, TRAINER_SCRIPT } from '../src/training/trainer-process.ts';
import type { BenchResult } from './run.ts';

/**
 * Our trainer's training throughput against a bare PyTorch loop of the same model on the same tensors
 * (trainer/bench_bare.py), in the same run, in alternating rounds. Both figures are training-phase
 * images/s of the fastest epoch after each run's first (warm-up) one, over all rounds: other load on a
 * shared machine only ever slows an epoch down, so the fastest is the least disturbed for both sides.
 * The trainer's whole run (validation, export, start-up included) is reported apart, and so are images
 * per CPU-second (median epoch), a ratio a busy machine disturbs far less than wall-clock time.
 */
const envSchema = z.object({
  HYDRA_BENCH_DATASET: z
    .string()
    .optional()
    .describe('an existing dataset directory to train on instead of synthetic plots'),
  HYDRA_BENCH_IMAGES: z.coerce.number().int().min(64).default(2048),
  HYDRA_BENCH_SIZE: z.coerce.number().int().min(8).default(64),
  HYDRA_BENCH_CHANNELS: z.coerce
    .number()
    .pipe(z.union([z.literal(1), z.literal(3)]))
    .default(1),
  HYDRA_BENCH_EPOCHS: z.coerce.number().int().min(2).default(4),
  HYDRA_BENCH_BATCH: z.coerce.number().int().min(2).default(32),
  HYDRA_BENCH_ROUNDS: z.coerce.number().int().min(1).default(3),
  HYDRA_BENCH_DEVICE: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
});

const bareLine = z.object({
  event: z.literal('bare'),
  images_per_second: z.number(),
  epochs: z.array(z.number()),
  epochs_per_cpu_second: z.array(z.number()),
  device: z.string(),
  amp: z.string(),
  torch: z.string(),
});

export default async function trainBench(): Promise<BenchResult> {
  const env = envSchema.parse(process.env);
  const work = await mkdtemp(path.join(tmpdir(), 'hydra-bench-train-'));
  try {
    let datasetDir = env.HYDRA_BENCH_DATASET;
    if (!datasetDir) {
      datasetDir = path.join(work, 'dataset');
      const plots = await syntheticPlots(env.HYDRA_BENCH_IMAGES, 1);
      await buildDataset(
        plots.map((p) => ({
          imageId: createHash('sha256').update(p.png).digest('hex'),
          label: p.label,
          load: async () => p.png,
        })),
        {
          dir: datasetDir,
          header: {
            labels: ['Good', 'Bad'],
            input: { width: env.HYDRA_BENCH_SIZE, height: env.HYDRA_BENCH_SIZE, channels: env.HYDRA_BENCH_CHANNELS },
          },
          masks: [],
          validationFraction: 0.2,
          seed: 1,
          sampling: 'none',
        },
      );
    }
    const meta = await readDatasetMeta(datasetDir);
    const python = await defaultPython();
    const trainer: number[] = [],
      bare: number[] = [],
      wholeRun: number[] = [],
      trainerCpu: number[] = [],
      bareCpu: number[] = [];
    let device = '',
      amp = '',
      torch = '';
    for (let round = 0; round < env.HYDRA_BENCH_ROUNDS; round++) {
      const { stdout } = await promisify(execFile)(
        python,
        [
          path.join(path.dirname(TRAINER_SCRIPT), 'bench_bare.py'),
          '--dataset',
          datasetDir,
          '--epochs',
          String(env.HYDRA_BENCH_EPOCHS),
          '--batch',
          String(env.HYDRA_BENCH_BATCH),
          '--device',
          env.HYDRA_BENCH_DEVICE,
        ],
        { maxBuffer: 1 << 20 },
      );
      const b = bareLine.parse(JSON.parse(stdout.trim().split('\n').at(-1)!));
      bare.push(...b.epochs.slice(1));
      bareCpu.push(...b.epochs_per_cpu_second.slice(1));
      [device, amp, torch] = [b.device, b.amp, b.torch];

      const epochs: number[] = [],
        perCpu: number[] = [];
      const r = await runTrainer({
        datasetDir,
        outDir: path.join(work, `out${round}`),
        onProgress: (p) => {
          epochs.push(p.imagesPerSecond);
          if (p.cpuSeconds) perCpu.push((p.imagesPerSecond * p.seconds) / p.cpuSeconds);
        },
        parameters: {
          epochs: env.HYDRA_BENCH_EPOCHS,
          batchSize: env.HYDRA_BENCH_BATCH,
          patience: 0,
          minPerClass: 1,
          device: env.HYDRA_BENCH_DEVICE,
        },
      });
      if (!r.ok) throw new Error(`trainer failed: ${r.code}: ${r.reason}`);
      trainer.push(...epochs.slice(1));
      trainerCpu.push(...perCpu.slice(1));
      wholeRun.push((datasetCounts(meta).train * r.epochsRun) / r.durationSeconds);
      const show = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(' ');
      console.error(`round ${round + 1} images/s per epoch: trainer ${show(epochs)}; bare ${show(b.epochs)}`);
    }
    const best = (xs: number[]): number => Math.max(...xs);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    return {
      figures: {
        images_per_s_trainer: Math.round(best(trainer)),
        images_per_s_bare: Math.round(best(bare)),
        images_per_s_trainer_whole_run: Math.round(best(wholeRun)),
        images_per_cpu_s_trainer: Math.round(median(trainerCpu)),
        images_per_cpu_s_bare: Math.round(median(bareCpu)),
        device,
        amp,
        torch,
        input: `${meta.input.channels}x${meta.input.height}x${meta.input.width}`,
        batch_size: env.HYDRA_BENCH_BATCH,
        train_images: datasetCounts(meta).train,
        epochs: env.HYDRA_BENCH_EPOCHS,
        rounds: env.HYDRA_BENCH_ROUNDS,
      },
      ratios: {
        train_vs_bare: Number((best(trainer) / best(bare)).toFixed(3)),
        // Work per image, which other load on the machine hardly changes (meaningless on a GPU, whose work is not CPU time).
        train_vs_bare_cpu: Number((median(trainerCpu) / median(bareCpu)).toFixed(3)),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
