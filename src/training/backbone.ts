import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { buildDataset, type DatasetSource } from './build-dataset.ts';
import { datasetCounts, type DatasetInput } from './dataset-file.ts';
import { readTrainerInfo, type TrainerInfo } from './trainer-output.ts';
import { runTrainer, type TrainerProgress } from './trainer-process.ts';

/**
 * The shared backbone: the convolutional blocks of our own PlotNet, trained by our own trainer on generated
 * plots of every plot type (a pretext task: which plot type and which label, e.g. FCAL_occupancy-Bad), shipped
 * in models/backbone/ with the record of how it was made. A plot type's model then starts from it and trains
 * only its last block and head, in seconds (`--backbone` in trainer/hydra_trainer.py).
 */

export const BACKBONE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/backbone');
export const BACKBONE_FILE = 'backbone.pt';
export const BACKBONE_RECORD = 'record.json';

/** What was generated for the backbone, by whom: enough to make it again. */
export const backboneDataSchema = z
  .object({
    generator: z.string(),
    seeds: z.array(z.number().int()),
    sizes: z.array(z.string()),
    runPeriods: z.array(z.string()),
    severity: z.string(),
    perClass: z.number().int(),
    extraBadPerClass: z.number().int(),
    plotTypes: z.array(z.string()),
  })
  .strict();
export type BackboneData = z.infer<typeof backboneDataSchema>;

export const backboneRecordSchema = z
  .object({
    format: z.literal('hydra-backbone-record-1'),
    file: z.literal(BACKBONE_FILE),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    input: z.object({ width: z.number().int(), height: z.number().int(), channels: z.number().int() }).strict(),
    labels: z.array(z.string()),
    data: backboneDataSchema,
    dataset: z
      .object({
        count: z.number().int(),
        train: z.number().int(),
        validation: z.number().int(),
        manifestHash: z.string(),
      })
      .strict(),
    parameters: z.record(z.string(), z.unknown()),
    epochsRun: z.number().int(),
    bestEpoch: z.number().int(),
    valAccuracy: z.number(),
    valBalancedAccuracy: z.number().optional(),
    history: z.array(z.record(z.string(), z.unknown())),
    frameworks: z.record(z.string(), z.string()),
    trainSeconds: z.number(),
    madeAt: z.string(),
    command: z.string(),
  })
  .strict();
export type BackboneRecord = z.infer<typeof backboneRecordSchema>;

/** The label of a pretext class: plot type and label in one token. */
export const pretextLabel = (plotType: string, label: string): string => `${plotType}-${label}`;

export async function readBackboneRecord(dir = BACKBONE_DIR): Promise<BackboneRecord> {
  return backboneRecordSchema.parse(JSON.parse(await readFile(path.join(dir, BACKBONE_RECORD), 'utf8')));
}

export interface TrainBackboneOptions {
  readonly sources: Iterable<DatasetSource> | AsyncIterable<DatasetSource>;
  readonly labels: readonly string[];
  readonly input: DatasetInput;
  readonly data: BackboneData;
  readonly parameters: Parameters<typeof runTrainer>[0]['parameters'];
  readonly workDir: string;
  readonly outDir?: string;
  readonly command: string;
  readonly now: () => Date;
  readonly python?: string;
  readonly onProgress?: (p: TrainerProgress) => void;
  readonly say: (line: string) => void;
}

/** Builds the pretext dataset, trains it with the trainer, and writes backbone.pt and record.json. */
export async function trainBackbone(o: TrainBackboneOptions): Promise<BackboneRecord> {
  const outDir = o.outDir ?? BACKBONE_DIR;
  const ds = path.join(o.workDir, 'dataset');
  const built = await buildDataset(o.sources, {
    dir: ds,
    header: { labels: [...o.labels], input: o.input },
    masks: [],
    validationFraction: 0.1,
    seed: 1,
    sampling: 'balanced',
  });
  const counts = datasetCounts(built.dataset);
  o.say(`backbone: ${built.dataset.count} images of ${o.labels.length} classes; training`);
  const t0 = performance.now();
  const weights = path.join(o.workDir, BACKBONE_FILE);
  const r = await runTrainer({
    datasetDir: ds,
    outDir: path.join(o.workDir, 'out'),
    parameters: o.parameters,
    saveBackbone: weights,
    ...(o.python ? { python: o.python } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  if (!r.ok) throw new Error(`backbone training failed: ${r.code}: ${r.reason}`);
  const info = (await readTrainerInfo(r.infoPath)) as TrainerInfo & {
    history?: Record<string, unknown>[];
    val_balanced_accuracy?: number;
  };
  const bytes = await readFile(weights);
  const record = backboneRecordSchema.parse({
    format: 'hydra-backbone-record-1',
    file: BACKBONE_FILE,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    input: o.input,
    labels: o.labels,
    data: o.data,
    dataset: {
      count: built.dataset.count,
      train: counts.train,
      validation: counts.validation,
      manifestHash: built.dataset.manifestHash,
    },
    parameters: o.parameters as Record<string, unknown>,
    epochsRun: r.epochsRun,
    bestEpoch: r.bestEpoch,
    valAccuracy: r.valAccuracy,
    ...(info.val_balanced_accuracy !== undefined ? { valBalancedAccuracy: info.val_balanced_accuracy } : {}),
    history: info.history ?? [],
    frameworks: r.frameworks,
    trainSeconds: Math.round((performance.now() - t0) / 1000),
    madeAt: o.now().toISOString(),
    command: o.command,
  });
  await mkdir(outDir, { recursive: true });
  await copyFile(weights, path.join(outDir, BACKBONE_FILE));
  await writeFile(path.join(outDir, BACKBONE_RECORD), `${JSON.stringify(record, null, 1)}\n`);
  await rm(path.join(o.workDir, 'dataset'), { recursive: true, force: true });
  return record;
}

/** How many of the backbone's last blocks a plot type's model trains (with its head); the rest stay frozen. */
export const FINE_TUNE_BLOCKS = 1;

/** The shipped backbone's weights file, when there is one. */
export async function shippedBackbone(dir = BACKBONE_DIR): Promise<string | undefined> {
  const file = path.join(dir, BACKBONE_FILE);
  return stat(file).then(
    (s) => (s.isFile() ? file : undefined),
    () => undefined,
  );
}

export type BackboneChoice =
  | { readonly use: true }
  | { readonly use: false; readonly refused?: string; readonly note?: string };

/**
 * Whether a run starts from the shipped backbone: asked for (shipped), or by default where it can (it takes
 * 3-channel inputs); asked for where it cannot is refused, never silently replaced by a from-scratch run.
 */
export function chooseBackbone(
  requested: 'shipped' | 'none' | undefined,
  channels: number,
  available: boolean,
): BackboneChoice {
  if (requested === 'none') return { use: false };
  const why = !available
    ? `no backbone ships in ${BACKBONE_DIR} (npm run backbone makes it)`
    : channels !== 3
      ? `the backbone takes 3-channel inputs and this plot type's input has ${channels}`
      : undefined;
  if (!why) return { use: true };
  return requested === 'shipped'
    ? { use: false, refused: why }
    : { use: false, note: `${why}: training every block from scratch` };
}
