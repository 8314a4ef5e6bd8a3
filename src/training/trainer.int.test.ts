import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { preprocess } from '../preprocess/index.ts';
import { buildDataset } from './build-dataset.ts';
import { manifestHash, readDataset, type DatasetFile } from './dataset-file.ts';
import { argmax, evaluate } from './evaluate.ts';
import { syntheticPlots, type SyntheticPlot } from './synthetic-plots.ts';
import { readTrainerInfo, readValPredictions, type ValPredictions } from './trainer-output.ts';
import { runTrainer, type TrainerCompleted, type TrainerProgress } from './trainer-process.ts';

// Real sharp, real PyTorch (Debian's python3-torch), real onnxruntime: a tiny model on synthetic plots.
const SIZE = 64,
  SRC_W = 240,
  SRC_H = 180;
const input = { width: SIZE, height: SIZE, channels: 1 as const };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const params = {
  epochs: 10,
  batchSize: 16,
  learningRate: 0.003,
  patience: 4,
  seed: 3,
  minPerClass: 5,
  device: 'cpu' as const,
};

let dir: string;
let plots: SyntheticPlot[];
let dataset: DatasetFile;
let outcome: TrainerCompleted;
let progress: TrainerProgress[];
let preds: ValPredictions;

async function makeDataset(name: string, items: SyntheticPlot[]): Promise<string> {
  const d = path.join(dir, name);
  await buildDataset(
    items.map((p) => ({ imageId: sha(p.png), label: p.label, load: async () => p.png })),
    {
      dir: d,
      header: { labels: ['Good', 'Bad'], input },
      masks: [],
      validationFraction: 0.25,
      seed: 1,
      sampling: 'balanced',
    },
  );
  return d;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hydra-trainer-'));
  plots = await syntheticPlots(160, 11, { width: SRC_W, height: SRC_H });
  const built = await buildDataset(
    plots.map((p) => ({ imageId: sha(p.png), label: p.label, load: async () => p.png })),
    {
      dir: path.join(dir, 'ds'),
      header: { labels: ['Good', 'Bad'], input, plotType: 'occupancy' },
      masks: [],
      validationFraction: 0.25,
      seed: 1,
      sampling: 'balanced',
    },
  );
  dataset = built.dataset;
  progress = [];
  const r = await runTrainer({
    datasetDir: path.join(dir, 'ds'),
    outDir: path.join(dir, 'out'),
    parameters: params,
    saveWeights: path.join(dir, 'weights.pt'),
    onProgress: (p) => progress.push(p),
  });
  if (!r.ok) throw new Error(`training failed: ${r.code}: ${r.reason}`);
  outcome = r;
  preds = await readValPredictions(r.valPredictionsPath);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dataset file', () => {
  it('holds every image preprocessed by the shared path, split and hashed', async () => {
    const { meta, pixels } = await readDataset(path.join(dir, 'ds'));
    expect(meta.count).toBe(160);
    expect(meta.samples.filter((s) => s.split === 'validation')).toHaveLength(40);
    expect(meta.manifestHash).toBe(manifestHash(plots.map((p) => ({ imageId: sha(p.png), label: p.label }))));
    const k = 37,
      n = SIZE * SIZE;
    const plot = plots.find((p) => sha(p.png) === meta.samples[k]!.imageId)!;
    const direct = await preprocess(plot.png, { ...input, masks: [] });
    expect(Buffer.from(pixels.subarray(k * n, (k + 1) * n)).equals(Buffer.from(direct.pixels))).toBe(true);
    expect(meta.samples[k]!.label).toBe(plot.label === 'Good' ? 0 : 1);
  });

  it('skips images that cannot be loaded or decoded, and reports them', async () => {
    const good = plots.slice(0, 12);
    const sources = [
      ...good.map((p) => ({ imageId: sha(p.png), label: p.label, load: async () => p.png })),
      { imageId: sha(Buffer.from('half')), label: 'Good', load: async () => good[0]!.png.subarray(0, 200) },
      {
        imageId: sha(Buffer.from('gone')),
        label: 'Bad',
        load: async () => {
          throw new Error('not in the object store');
        },
      },
    ];
    const r = await buildDataset(sources, {
      dir: path.join(dir, 'skips'),
      header: { labels: ['Good', 'Bad'], input },
      masks: [],
      validationFraction: 0.25,
      seed: 1,
      sampling: 'none',
      chunk: 5,
    });
    expect(r.dataset.count).toBe(12);
    expect(r.skipped.map((s) => s.code).sort()).toEqual(['image-missing', 'image-undecodable']);
    const { meta } = await readDataset(path.join(dir, 'skips'));
    expect(meta.samples.map((s) => s.imageId)).toEqual(good.map((p) => sha(p.png)));
  });
});

describe('trainer', () => {
  it('streams one progress line per epoch and learns the synthetic task', async () => {
    expect(progress.length).toBe(outcome.epochsRun);
    expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: outcome.epochsRun }, (_, i) => i + 1));
    expect(progress.every((p) => p.imagesPerSecond > 0 && p.epochs === 10)).toBe(true);
    expect(outcome.valAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(outcome.device).toBe('cpu');
    const info = await readTrainerInfo(outcome.infoPath);
    expect(info.frameworks.torch).toMatch(/^\d/);
    expect(info.parameters).toMatchObject({ epochs: params.epochs, batchSize: params.batchSize, seed: params.seed });
    expect(preds.samples.map((s) => s.imageId).sort()).toEqual(
      dataset.samples
        .filter((s) => s.split === 'validation')
        .map((s) => s.imageId)
        .sort(),
    );
  });

  it('exports an ONNX model that agrees with its own validation predictions in onnxruntime', async () => {
    const session = await ort.InferenceSession.create(outcome.modelPath);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits', 'features', 'cams']);
    const { pixels } = await readDataset(path.join(dir, 'ds'));
    const n = preds.samples.length,
      size = SIZE * SIZE;
    const x = new Float32Array(n * size);
    preds.samples.forEach((s, i) => x.set(pixels.subarray(s.index * size, (s.index + 1) * size), i * size));
    const out = await session.run({ input: new ort.Tensor('float32', x, [n, 1, SIZE, SIZE]) });
    expect(out.logits!.dims).toEqual([n, 2]);
    expect(out.features!.dims).toEqual([n, 128, SIZE / 8, SIZE / 8]);
    expect(out.cams!.dims).toEqual([n, 2, SIZE / 8, SIZE / 8]);
    const logits = out.logits!.data as Float32Array;
    preds.samples.forEach((s, i) => {
      const l = [logits[2 * i]!, logits[2 * i + 1]!];
      const m = Math.max(...l);
      const e = l.map((v) => Math.exp(v - m));
      const p = e.map((v) => v / (e[0]! + e[1]!));
      expect(argmax(p)).toBe(argmax(s.probabilities));
      p.forEach((v, k) => expect(Math.abs(v - s.probabilities[k]!)).toBeLessThan(1e-3));
    });

    // The Bad class activation map is brightest over the dead rectangle of a Bad image. CAM cells are
    // 8 input pixels wide and the strongest evidence sits on the rectangle's edges, so the peak may fall in
    // the cell just beside it; the map must also be brighter over the rectangle than away from it.
    const cams = out.cams!.data as Float32Array,
      side = SIZE / 8,
      cells = side * side;
    const fx = side / SRC_W,
      fy = side / SRC_H;
    const bad = preds.samples.map((s, i) => ({ s, i })).filter(({ s }) => s.label === 1);
    let onPeak = 0,
      brighter = 0;
    for (const { s, i } of bad) {
      const dead = plots.find((p) => sha(p.png) === s.imageId)!.dead!;
      const [x0, x1, y0, y1] = [dead.x * fx, (dead.x + dead.width) * fx, dead.y * fy, (dead.y + dead.height) * fy];
      const map = Array.from(cams.subarray((i * 2 + 1) * cells, (i * 2 + 2) * cells));
      const inside = (c: number, margin: number): boolean => {
        const cx = c % side,
          cy = Math.floor(c / side);
        return cx + 1 > x0 - margin && cx < x1 + margin && cy + 1 > y0 - margin && cy < y1 + margin;
      };
      if (inside(argmax(map), 1)) onPeak++;
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      if (mean(map.filter((_, c) => inside(c, 0))) > mean(map.filter((_, c) => !inside(c, 1)))) brighter++;
    }
    expect(bad.length).toBeGreaterThanOrEqual(15);
    expect(onPeak).toBe(bad.length);
    expect(brighter / bad.length).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps the epoch with the best validation balanced accuracy, lowest loss among equals', () => {
    const bal = progress.map((p) => p.valBalancedAccuracy!);
    expect(bal.every((b) => b >= 0 && b <= 1)).toBe(true);
    const best = progress[outcome.bestEpoch - 1]!;
    expect(best.valBalancedAccuracy).toBe(Math.max(...bal));
    const equals = progress.filter((p) => Math.abs(p.valBalancedAccuracy! - best.valBalancedAccuracy!) < 1e-9);
    expect(best.valLoss).toBeLessThanOrEqual(Math.min(...equals.map((p) => p.valLoss)) + 0.001);
  });

  it('evaluates its validation predictions consistently with the trainer', () => {
    const ev = evaluate({
      labels: preds.labels,
      trueLabels: preds.samples.map((s) => s.label),
      probabilities: preds.samples.map((s) => s.probabilities),
      imageIds: preds.samples.map((s) => s.imageId),
    });
    expect(ev.accuracy).toBeCloseTo(outcome.valAccuracy, 6);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(40);
    expect(ev.thresholds.Bad).toBeGreaterThan(0);
  });

  it('is reproducible: the same dataset and seed give the same predictions', async () => {
    const again = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'again'),
      parameters: { ...params, epochs: 3 },
    });
    const third = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'third'),
      parameters: { ...params, epochs: 3 },
    });
    if (!again.ok || !third.ok) throw new Error('training failed');
    const a = await readFile(again.valPredictionsPath, 'utf8'),
      b = await readFile(third.valPredictionsPath, 'utf8');
    expect(a).toBe(b);
  });
});

describe('a retraining from a parent model', () => {
  it("starts from the parent's weights: with no room to learn, it predicts what the parent did", async () => {
    // One epoch at a learning rate too small to move anything: what the model knows is what it started from.
    const still = { ...params, epochs: 1, learningRate: 1e-9, patience: 0 };
    const child = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'child'),
      parameters: still,
      parent: path.join(dir, 'weights.pt'),
    });
    const fresh = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'fresh'),
      parameters: still,
    });
    if (!child.ok || !fresh.ok) throw new Error('training failed');
    expect((await readTrainerInfo(child.infoPath)).parent).toMatchObject({ loaded: 'all' });
    const agreement = async (r: TrainerCompleted) => {
      const p = await readValPredictions(r.valPredictionsPath);
      const same = p.samples.filter((s, i) => argmax(s.probabilities) === argmax(preds.samples[i]!.probabilities));
      return same.length / p.samples.length;
    };
    const [withParent, without] = [await agreement(child), await agreement(fresh)];
    console.log(
      `parent start: validation accuracy ${child.valAccuracy.toFixed(3)} after one still epoch from the parent (parent ${outcome.valAccuracy.toFixed(3)}), ${fresh.valAccuracy.toFixed(3)} from scratch; agreement with the parent ${withParent.toFixed(3)} against ${without.toFixed(3)}`,
    );
    expect(withParent).toBeGreaterThanOrEqual(0.9);
    expect(child.valAccuracy).toBeGreaterThanOrEqual(outcome.valAccuracy - 0.1);
    expect(child.valAccuracy).toBeGreaterThan(fresh.valAccuracy);
  });

  it('refuses a parent that is not weights this trainer wrote, as dataset-error', async () => {
    const r = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'bad-parent'),
      parameters: { ...params, epochs: 1 },
      parent: outcome.modelPath,
    });
    expect(r).toMatchObject({ ok: false, code: 'dataset-error' });
    expect(r.ok ? '' : r.reason).toMatch(/parent model's weights/);
  });
});

describe('trainer failures', () => {
  it('refuses a label with too few images (too-few-labels)', async () => {
    const few = [
      ...plots.filter((p) => p.label === 'Good').slice(0, 20),
      ...plots.filter((p) => p.label === 'Bad').slice(0, 3),
    ];
    const d = await makeDataset('few', few);
    const r = await runTrainer({
      datasetDir: d,
      outDir: path.join(dir, 'few-out'),
      parameters: { ...params, minPerClass: 5 },
    });
    expect(r).toMatchObject({ ok: false, code: 'too-few-labels' });
    expect(!r.ok && r.reason).toContain('Bad: 3');
  });

  it('reports a missing interpreter as no-torch with the install command', async () => {
    const r = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'x'),
      parameters: params,
      python: '/nonexistent/python3',
    });
    expect(r).toMatchObject({ ok: false, code: 'no-torch' });
    expect(!r.ok && r.reason).toContain('apt-get install python3-torch');
    expect(!r.ok && r.reason).toContain('pip install torch');
  });

  it('reports a python without torch as no-torch, from the trainer itself', async () => {
    const wrapper = path.join(dir, 'python-without-torch');
    await writeFile(wrapper, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n'); // -S: no site-packages, so no torch
    await chmod(wrapper, 0o755);
    const r = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'y'),
      parameters: params,
      python: wrapper,
    });
    expect(r).toMatchObject({ ok: false, code: 'no-torch' });
    expect(!r.ok && r.reason).toMatch(/cannot import torch.*apt-get install python3-torch.*pip install torch/);
  });

  it('reports a broken dataset as dataset-error', async () => {
    const d = await makeDataset('broken', plots.slice(0, 20));
    await truncate(path.join(d, 'pixels.u8'), 100);
    const r = await runTrainer({ datasetDir: d, outDir: path.join(dir, 'broken-out'), parameters: params });
    expect(r).toMatchObject({ ok: false, code: 'dataset-error' });
  });

  it('stops on a non-finite loss with nan-loss', async () => {
    // Loss weights beyond float32 make the weighted loss inf/inf = NaN on the first batch.
    const d = await makeDataset('nan', plots.slice(0, 40));
    const meta = JSON.parse(await readFile(path.join(d, 'dataset.json'), 'utf8')) as DatasetFile;
    await writeFile(
      path.join(d, 'dataset.json'),
      JSON.stringify({ ...meta, sampling: { ...meta.sampling, lossWeights: [1e39, 1e39] } }),
    );
    const r = await runTrainer({
      datasetDir: d,
      outDir: path.join(dir, 'nan-out'),
      parameters: { ...params, epochs: 2 },
    });
    expect(r).toMatchObject({ ok: false, code: 'nan-loss' });
  });

  it('turns a crash without a failed line into trainer-crashed with the stderr tail', async () => {
    const script = path.join(dir, 'crash.py');
    await writeFile(script, 'import sys\nprint("not json", flush=True)\nraise ValueError("boom in the trainer")\n');
    const r = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'z'),
      parameters: params,
      script,
    });
    expect(r).toMatchObject({ ok: false, code: 'trainer-crashed' });
    expect(!r.ok && r.reason).toContain('ValueError: boom in the trainer');
  });

  it('can be cancelled mid-run', async () => {
    const controller = new AbortController();
    const r = await runTrainer({
      datasetDir: path.join(dir, 'ds'),
      outDir: path.join(dir, 'cancel'),
      parameters: { ...params, epochs: 500, patience: 0 },
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(r).toMatchObject({ ok: false, code: 'cancelled' });
  });
});
