import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { preprocessBatch, toFloat32 } from '../preprocess/index.ts';
import { readBackboneRecord, trainBackbone, type BackboneRecord } from './backbone.ts';
import { buildDataset } from './build-dataset.ts';
import { argmax } from './evaluate.ts';
import { syntheticPlots, type SyntheticPlot } from './synthetic-plots.ts';
import { readTrainerInfo } from './trainer-output.ts';
import { runTrainer, type TrainerCompleted } from './trainer-process.ts';

// Real PyTorch and onnxruntime on tiny synthetic plots: a backbone made by trainBackbone, then models that
// start from it (the last block and the head trained, or the head alone), exported whole as one ONNX.
const input = { width: 48, height: 36, channels: 3 as const };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const params = {
  epochs: 8,
  batchSize: 16,
  learningRate: 0.003,
  patience: 0,
  seed: 2,
  minPerClass: 5,
  device: 'cpu' as const,
};
const sources = (plots: readonly SyntheticPlot[]) =>
  plots.map((p) => ({ imageId: sha(p.png), label: p.label, load: async () => p.png }));

let dir: string;
let record: BackboneRecord;
let backbone: string;

async function dataset(name: string, plots: readonly SyntheticPlot[]): Promise<string> {
  const d = path.join(dir, name);
  await buildDataset(sources(plots), {
    dir: d,
    header: { labels: ['Good', 'Bad'], input },
    masks: [],
    validationFraction: 0.25,
    seed: 1,
    sampling: 'balanced',
  });
  return d;
}

async function trainOn(ds: string, name: string, fineTuneBlocks: number, seed = 2): Promise<TrainerCompleted> {
  const r = await runTrainer({
    datasetDir: ds,
    outDir: path.join(dir, name),
    parameters: { ...params, seed },
    backbone: { path: backbone, fineTuneBlocks },
  });
  if (!r.ok) throw new Error(`training failed: ${r.code}: ${r.reason}`);
  return r;
}

async function run(
  model: string,
  plots: readonly SyntheticPlot[],
): Promise<{ logits: number[][]; features: Float32Array }> {
  const session = await ort.InferenceSession.create(model);
  const batch = await preprocessBatch(
    plots.map((p) => p.png),
    { ...input, masks: [] },
  );
  const out = await session.run({
    input: new ort.Tensor('float32', toFloat32(batch.pixels), [plots.length, 3, input.height, input.width]),
  });
  await session.release();
  const l = out.logits!.data as Float32Array;
  return {
    logits: plots.map((_, i) => Array.from(l.subarray(i * 2, i * 2 + 2))),
    features: out.features!.data as Float32Array,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hydra-backbone-'));
  record = await trainBackbone({
    sources: sources(await syntheticPlots(96, 5, { width: 240, height: 180 })),
    labels: ['Good', 'Bad'],
    input,
    data: {
      generator: 'synthetic-plots',
      seeds: [5],
      sizes: ['240x180'],
      runPeriods: [],
      severity: 'gross',
      perClass: 48,
      extraBadPerClass: 0,
      plotTypes: ['synthetic'],
    },
    parameters: { ...params, epochs: 4, seed: 1 },
    workDir: path.join(dir, 'work'),
    outDir: path.join(dir, 'backbone'),
    command: 'test',
    now: () => new Date('2026-12-03T12:00:00Z'),
    say: () => {},
  });
  backbone = path.join(dir, 'backbone', record.file);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the shared backbone', () => {
  it('is written with the record of how it was made', async () => {
    expect(await readBackboneRecord(path.join(dir, 'backbone'))).toEqual(record);
    expect(record.sha256).toBe(sha(await readFile(backbone)));
    expect(record).toMatchObject({ epochsRun: 4, labels: ['Good', 'Bad'], dataset: { count: 96 } });
    expect(record.frameworks.torch).toBeTruthy();
  });

  it('starts a model whose last block and head learn a plot type, exported whole as one ONNX', async () => {
    const plots = await syntheticPlots(64, 21, { width: 240, height: 180 });
    const r = await trainOn(await dataset('ds-a', plots), 'out-a', 1);
    const info = (await readTrainerInfo(r.infoPath)) as { backbone?: unknown; timings: Record<string, number> };
    expect(info.backbone).toEqual({ file: 'backbone.pt', fine_tune_blocks: 1 });
    expect(info.timings.cache_s).toBeGreaterThanOrEqual(0);
    const fresh = await syntheticPlots(40, 77, { width: 240, height: 180 });
    const { logits } = await run(r.modelPath, fresh);
    const correct = fresh.filter((p, i) => ['Good', 'Bad'][argmax(logits[i]!)] === p.label).length;
    expect(correct / fresh.length).toBeGreaterThanOrEqual(0.8);
  });

  it('classifies the same plots sent at other sizes as it does at the size it was trained on', async () => {
    const r = await trainOn(
      await dataset('ds-size', await syntheticPlots(64, 23, { width: 240, height: 180 })),
      'out-size',
      1,
    );
    const verdicts = async (width: number, height: number) =>
      (await run(r.modelPath, await syntheticPlots(40, 88, { width, height }))).logits.map((l) => argmax(l));
    const own = await verdicts(240, 180);
    for (const [w, h] of [
      [480, 360],
      [960, 720],
    ] as const) {
      const other = await verdicts(w, h);
      expect(other.filter((v, i) => v === own[i]).length / own.length).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('keeps the frozen blocks exactly as shipped: two head-only models compute the same features', async () => {
    const ds = await dataset('ds-b', await syntheticPlots(48, 31, { width: 240, height: 180 }));
    const a = await trainOn(ds, 'out-b1', 0, 1);
    const b = await trainOn(ds, 'out-b2', 0, 9);
    const probe = await syntheticPlots(6, 99, { width: 240, height: 180 });
    const [fa, fb] = [await run(a.modelPath, probe), await run(b.modelPath, probe)];
    expect(Array.from(fa.features)).toEqual(Array.from(fb.features));
    expect(fa.logits).not.toEqual(fb.logits);
  });

  it('refuses a backbone that is not one, or takes other channels, as dataset-error', async () => {
    const grey = path.join(dir, 'ds-grey');
    await buildDataset(sources(await syntheticPlots(20, 41)), {
      dir: grey,
      header: { labels: ['Good', 'Bad'], input: { ...input, channels: 1 } },
      masks: [],
      validationFraction: 0.25,
      seed: 1,
      sampling: 'balanced',
    });
    const r = await runTrainer({
      datasetDir: grey,
      outDir: path.join(dir, 'out-grey'),
      parameters: params,
      backbone: { path: backbone },
    });
    expect(r).toMatchObject({ ok: false, code: 'dataset-error', reason: expect.stringMatching(/3 channels/) });
    const notOne = await runTrainer({
      datasetDir: grey,
      outDir: path.join(dir, 'out-not'),
      parameters: params,
      backbone: { path: path.join(dir, 'backbone', 'record.json') },
    });
    expect(notOne).toMatchObject({
      ok: false,
      code: 'dataset-error',
      reason: expect.stringMatching(/cannot read the backbone/),
    });
  });
});
