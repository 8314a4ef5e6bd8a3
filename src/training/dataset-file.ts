import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { sha256Schema, tokenSchema } from '../events/define.ts';
import { samplingWeights, stratifiedSplit, type SamplingMethod } from './split.ts';

/**
 * The dataset the PyTorch trainer reads: a directory with
 *   dataset.json  this schema (labels, input shape, samples with label index and split, weights, hash)
 *   pixels.u8     N x C x H x W uint8, sample i at byte offset i*C*H*W, exactly what preprocess() returned.
 * dataset.json is written last, atomically: a directory without it is an unfinished dataset.
 */

export const DATASET_JSON = 'dataset.json';
export const PIXELS_FILE = 'pixels.u8';

export const datasetInputSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
});
export type DatasetInput = z.infer<typeof datasetInputSchema>;

export const datasetSampleSchema = z.object({
  imageId: sha256Schema,
  label: z.number().int().min(0),
  split: z.enum(['train', 'validation']),
});
export type DatasetSample = z.infer<typeof datasetSampleSchema>;

export const datasetFileSchema = z
  .object({
    format: z.literal('hydra-dataset'),
    version: z.literal(1),
    plotType: tokenSchema.optional(),
    labels: z.array(tokenSchema).min(2),
    input: datasetInputSchema,
    count: z.number().int().min(0),
    pixels: z.object({ file: z.literal(PIXELS_FILE), dtype: z.literal('uint8'), layout: z.literal('NCHW') }),
    samples: z.array(datasetSampleSchema),
    sampling: z.object({
      method: z.enum(['none', 'balanced', 'weighted']),
      lossWeights: z.array(z.number().min(0)),
      samplerWeights: z.array(z.number().min(0)),
    }),
    validationFraction: z.number().gt(0).lt(1),
    seed: z.number().int().min(0),
    /** SHA-256 of the sorted "imageId<TAB>label" lines: what was trained on, independent of order. */
    manifestHash: sha256Schema,
  })
  .refine((d) => d.samples.length === d.count, { message: 'count does not match samples' })
  .refine((d) => d.samples.every((s) => s.label < d.labels.length), { message: 'a sample label index is out of range' })
  .refine(
    (d) => d.sampling.lossWeights.length === d.labels.length && d.sampling.samplerWeights.length === d.labels.length,
    { message: 'one weight per label' },
  );
export type DatasetFile = z.infer<typeof datasetFileSchema>;

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly code: 'dataset-invalid' | 'duplicate-image' | 'unknown-label' | 'wrong-size',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function manifestHash(items: readonly { imageId: string; label: string }[]): string {
  const lines = items.map((it) => `${it.imageId}\t${it.label}\n`).sort();
  const h = createHash('sha256');
  for (const line of lines) h.update(line);
  return h.digest('hex');
}

export interface DatasetHeader {
  readonly labels: readonly string[];
  readonly input: DatasetInput;
  readonly plotType?: string;
}

export interface FinishOptions {
  readonly validationFraction: number;
  readonly seed: number;
  readonly sampling: SamplingMethod;
}

/** Appends preprocessed samples to pixels.u8 as they come; finish() decides the split and writes dataset.json. */
export class DatasetWriter {
  private readonly added: { imageId: string; label: string; index: number }[] = [];
  private readonly seen = new Set<string>();
  private readonly sampleBytes: number;

  private constructor(
    readonly dir: string,
    private readonly header: DatasetHeader,
    private readonly file: FileHandle,
  ) {
    this.sampleBytes = header.input.width * header.input.height * header.input.channels;
  }

  static async create(dir: string, header: DatasetHeader): Promise<DatasetWriter> {
    if (new Set(header.labels).size !== header.labels.length || header.labels.length < 2) {
      throw new DatasetError(
        'dataset-invalid',
        `a dataset needs two or more distinct labels, got ${header.labels.join(', ')}`,
      );
    }
    await mkdir(dir, { recursive: true });
    await rm(path.join(dir, DATASET_JSON), { force: true });
    return new DatasetWriter(dir, header, await open(path.join(dir, PIXELS_FILE), 'w'));
  }

  get count(): number {
    return this.added.length;
  }

  async add(imageId: string, label: string, pixels: Uint8Array): Promise<void> {
    const index = this.header.labels.indexOf(label);
    if (index < 0)
      throw new DatasetError('unknown-label', `label ${label} is not one of ${this.header.labels.join(', ')}`);
    if (this.seen.has(imageId)) throw new DatasetError('duplicate-image', `image ${imageId} added twice`);
    if (pixels.length !== this.sampleBytes)
      throw new DatasetError('wrong-size', `sample has ${pixels.length} bytes, expected ${this.sampleBytes}`);
    this.seen.add(imageId);
    this.added.push({ imageId, label, index });
    await this.file.write(pixels);
  }

  async finish(opts: FinishOptions): Promise<DatasetFile> {
    await this.file.close();
    const split = stratifiedSplit(this.added, opts.validationFraction, opts.seed);
    const trainCounts = this.header.labels.map(
      (_, k) => this.added.filter((s, i) => s.index === k && split[i] === 'train').length,
    );
    const dataset = datasetFileSchema.parse({
      format: 'hydra-dataset',
      version: 1,
      ...(this.header.plotType ? { plotType: this.header.plotType } : {}),
      labels: [...this.header.labels],
      input: this.header.input,
      count: this.added.length,
      pixels: { file: PIXELS_FILE, dtype: 'uint8', layout: 'NCHW' },
      samples: this.added.map((s, i) => ({ imageId: s.imageId, label: s.index, split: split[i] })),
      sampling: { method: opts.sampling, ...samplingWeights(opts.sampling, trainCounts) },
      validationFraction: opts.validationFraction,
      seed: opts.seed,
      manifestHash: manifestHash(this.added),
    });
    const tmp = path.join(this.dir, `${DATASET_JSON}.tmp`);
    await writeFile(tmp, JSON.stringify(dataset));
    await rename(tmp, path.join(this.dir, DATASET_JSON));
    return dataset;
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}

/** Reads and checks dataset.json, and that pixels.u8 has exactly count samples. */
export async function readDatasetMeta(dir: string): Promise<DatasetFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path.join(dir, DATASET_JSON), 'utf8'));
  } catch (cause) {
    throw new DatasetError('dataset-invalid', `cannot read ${DATASET_JSON} in ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = datasetFileSchema.safeParse(json);
  if (!parsed.success)
    throw new DatasetError('dataset-invalid', `bad ${DATASET_JSON}: ${parsed.error.message}`, { cause: parsed.error });
  const d = parsed.data;
  const expected = d.count * d.input.width * d.input.height * d.input.channels;
  const size = (await stat(path.join(dir, PIXELS_FILE))).size;
  if (size !== expected) throw new DatasetError('wrong-size', `${PIXELS_FILE} has ${size} bytes, expected ${expected}`);
  return d;
}

export async function readDataset(dir: string): Promise<{ meta: DatasetFile; pixels: Buffer }> {
  const meta = await readDatasetMeta(dir);
  return { meta, pixels: await readFile(path.join(dir, PIXELS_FILE)) };
}

/** Per-label counts of a dataset, overall and per split. */
export function datasetCounts(d: DatasetFile): { perLabel: Record<string, number>; train: number; validation: number } {
  const perLabel = Object.fromEntries(d.labels.map((l) => [l, 0]));
  let train = 0;
  for (const s of d.samples) {
    perLabel[d.labels[s.label]!]! += 1;
    if (s.split === 'train') train++;
  }
  return { perLabel, train, validation: d.count - train };
}
