import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { RowDataPacket } from 'mysql2/promise';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, plotTypeSpecs, toCsv, type Manifest } from '../../fixtures/generator/index.ts';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { BlobStore } from '../blobs/store.ts';
import type { HydraEventOf } from '../events/catalog.ts';
import { EventLog } from '../events/log.ts';
import { readMatching } from '../events/query.ts';
import { preprocess, toFloat32 } from '../preprocess/index.ts';
import { argmax } from './evaluate.ts';
import { valPredictionsSchema } from './trainer-output.ts';

// The whole path on real services and processes: generated plots -> hydra labels import -> hydra train
// (a training worker process runs PyTorch) -> sign-off -> activation; the stored ONNX, run in
// onnxruntime-node on the validation images, agrees with the trainer's own validation predictions.

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/hydra.js');
const A = 'CDC_occupancy',
  B = 'FCAL_occupancy';
const INPUT = { width: 64, height: 48, channels: 3 as const };

let env: TestEnv;
let log: EventLog;
let blobs: BlobStore;
let dir: string;
let manifest: Manifest;
const workers: ChildProcess[] = [];
const workerOutput: string[] = [];

function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NATS_URL: env.config.NATS_URL,
    DATABASE_URL: env.config.DATABASE_URL,
    HYDRA_NAMESPACE: env.config.HYDRA_NAMESPACE,
    HYDRA_VAR_DIR: path.join(dir, 'var'),
    HYDRA_INBOX: path.join(dir, 'var/inbox'),
    HYDRA_ADMINS: 'root',
    USER: 'tester',
  };
}

async function hydra(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd: root,
      env: childEnv(),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

function startWorker(role: string): void {
  const child = spawn(process.execPath, [bin, 'worker', role], {
    cwd: root,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => workerOutput.push(d.toString());
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  workers.push(child);
}

const csvOf = (entries: Manifest['images']) => toCsv(entries);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  env = await openTestEnv('train_e2e');
  dir = await mkdtemp(path.join(tmpdir(), 'hydra-train-e2e-'));
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  blobs = await BlobStore.open(env.nc, env.names.blobBucket);
  const specs = plotTypeSpecs()
    .filter((s) => s.name === A || s.name === B)
    // A's bar is the highest there is: a 6-epoch model on 64 images stays under it, which the test needs.
    .map((s) => ({
      ...s,
      input: INPUT,
      ...(s.name === A ? { activationBar: { minBalancedAccuracy: 1, minRecall: 1 } } : {}),
    }));
  await writeFile(path.join(dir, 'plot-types.yaml'), stringify(specs));
  manifest = await generateDataset({
    outDir: dir,
    perClass: 40,
    seed: 7,
    width: 128,
    height: 96,
    severity: 'gross',
    plotTypes: [A, B],
    labels: ['Good', 'Bad'],
  });
  startWorker('projections');
  startWorker('training');
}, 60_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
  await env?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('labels, training and the model registry, end to end', () => {
  it('refuses a label file with a label its plot type does not have, importing nothing', async () => {
    expect((await hydra('plot-types', 'apply', path.join(dir, 'plot-types.yaml'))).code).toBe(0);
    const rows = manifest.images.filter((e) => e.plotType === A).slice(0, 3);
    await writeFile(path.join(dir, 'bad.csv'), csvOf([rows[0]!, { ...rows[1]!, label: 'Broken' }, rows[2]!]));
    const r = await hydra('labels', 'import', path.join(dir, 'bad.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 bad row(s), nothing imported');
    expect(r.stderr).toContain(`line 3: label "Broken" is not one of ${A}'s labels: Good, Bad, NoData, Cosmic`);
    expect(await readMatching(log, env.names.filter('label'))).toEqual([]);
    expect(await readMatching(log, env.names.filter('image'))).toEqual([]);
  });

  it("imports the generator's manifest: every image ingested once, one label each; importing again changes nothing", async () => {
    // A: 40 Good + 40 Bad. B: 40 Good but only 3 Bad, too few to train.
    const bBad = manifest.images.filter((e) => e.plotType === B && e.label === 'Bad').slice(0, 3);
    const chosen = manifest.images.filter((e) => !(e.plotType === B && e.label === 'Bad')).concat(bBad);
    await writeFile(path.join(dir, 'labels.csv'), csvOf(chosen));
    const first = await hydra('labels', 'import', path.join(dir, 'labels.csv'), '--user', 'alice');
    expect(first.stderr).toContain('  labelling 123/123 (100%)\n'); // progress, shown for big files
    expect(first.stdout).toContain('123 rows: 123 images (123 new), 123 labels recorded, 0 unchanged');
    const again = await hydra('labels', 'import', path.join(dir, 'labels.csv'), '--user', 'alice');
    expect(again.stdout).toContain('123 rows: 123 images (0 new), 0 labels recorded, 123 unchanged');
    const labels = await readMatching(log, env.names.filter('label.assigned'));
    expect(labels).toHaveLength(123);
    expect(new Set(labels.map((e) => e.key)).size).toBe(123);
    expect(await readMatching(log, env.names.filter('image.arrived'))).toHaveLength(123);
  });

  it('trains, streams progress, evaluates; a plot type with too few labels fails with too-few-labels', async () => {
    const [a, b] = await Promise.all([
      hydra(
        'train',
        '--plot-type',
        A,
        '--epochs',
        '6',
        '--batch-size',
        '8',
        '--patience',
        '0',
        '--seed',
        '2',
        '--reason',
        'e2e',
        '--wait',
        '--timeout',
        '220',
      ),
      hydra('train', '--plot-type', B, '--wait', '--timeout', '220'),
    ]);
    // It completes, but under A's activation bar: exit 3, saying why and what to do.
    expect(a.code, a.stderr + workerOutput.join('')).toBe(3);
    expect(a.stderr).toContain("this model is UNDER CDC_occupancy's activation bar:");
    expect(a.stderr).toMatch(/balanced accuracy [\d.]+ % is under the plot type's minimum 100\.0 %/);
    expect(a.stderr).toContain('--below-bar');
    expect(a.stdout).not.toContain('next: hydra models signoff');
    expect(a.stdout).toMatch(/epoch 6\/6 loss [\d.]+ val loss [\d.]+ val acc [\d.]+%/);
    expect(a.stdout).toMatch(/validation accuracy [\d.]+%/);
    expect(a.stdout).toContain('confusion (rows: true label, columns: predicted)');
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('failed: too-few-labels');
    expect(b.stderr).toContain('too few for Bad: 3');

    const done = (await readMatching(
      log,
      env.names.filter('training.completed'),
    )) as HydraEventOf<'training.completed'>[];
    expect(done).toHaveLength(1);
    const c = done[0]!.data;
    expect(c).toMatchObject({
      plotType: A,
      labels: ['Good', 'Bad'],
      input: INPUT,
      dataset: { size: 80, train: 64, validation: 16, perLabel: { Good: 40, Bad: 40 } },
    });
    expect(c.parameters).toMatchObject({ epochs: 6, batchSize: 8, seed: 2, sampling: 'balanced' });
    expect(c.frameworks.torch).toMatch(/^\d/);
    expect(Object.keys(c.evaluation.thresholds)).toEqual(['Good', 'Bad']);
    const progress = await readMatching(log, env.names.filter('training.progress'));
    expect(progress.map((e) => (e.type === 'training.progress' ? e.data.epoch : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(workerOutput.join('')).toContain(`epoch 6/6`);
  }, 240_000); // real PyTorch training on 2 cores, perhaps beside other test files

  it("stores an ONNX model that agrees in onnxruntime-node with the trainer's validation predictions", async () => {
    const c = (
      (await readMatching(log, env.names.filter('training.completed')))[0] as HydraEventOf<'training.completed'>
    ).data;
    const preds = valPredictionsSchema.parse(
      JSON.parse(Buffer.from(await blobs.get(c.artifacts!.valPredictions)).toString('utf8')),
    );
    expect(preds.samples).toHaveLength(16);
    const session = await ort.InferenceSession.create(await blobs.get(c.onnx));
    const size = INPUT.width * INPUT.height * INPUT.channels;
    const x = new Float32Array(preds.samples.length * size);
    for (const [i, s] of preds.samples.entries()) {
      // The image as stored, preprocessed by the one shared function, exactly as inference will.
      x.set(toFloat32((await preprocess(await blobs.get(s.imageId), { ...INPUT, masks: [] })).pixels), i * size);
    }
    const out = await session.run({
      input: new ort.Tensor('float32', x, [preds.samples.length, 3, INPUT.height, INPUT.width]),
    });
    const logits = out.logits!.data as Float32Array;
    let correct = 0;
    preds.samples.forEach((s, i) => {
      const l = Array.from(logits.subarray(2 * i, 2 * i + 2));
      const e = l.map((v) => Math.exp(v - Math.max(...l)));
      const p = e.map((v) => v / (e[0]! + e[1]!));
      expect(argmax(p)).toBe(argmax(s.probabilities));
      p.forEach((v, k) => expect(Math.abs(v - s.probabilities[k]!)).toBeLessThan(1e-3));
      if (argmax(p) === s.label) correct++;
    });
    expect(correct / preds.samples.length).toBeCloseTo(c.evaluation.accuracy, 6);
    await session.release();
  });

  it('activates a model only after sign-off (or an admin override); imports a foreign ONNX after checking it', async () => {
    const c = (
      (await readMatching(log, env.names.filter('training.completed')))[0] as HydraEventOf<'training.completed'>
    ).data;
    await writeFile(path.join(dir, 'model.onnx'), await blobs.get(c.onnx));
    const [early, wrong] = await Promise.all([
      hydra('models', 'activate', c.modelId, '--user', 'bob'),
      // The same ONNX offered as B's model: its input fits (same size), its two logits fit Good,Bad only.
      hydra(
        'models',
        'import',
        path.join(dir, 'model.onnx'),
        '--plot-type',
        B,
        '--labels',
        'Good,Bad,NoData',
        '--user',
        'bob',
      ),
    ]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('has not been signed off');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'output logits must be [N, 3] (one column per label: Good, Bad, NoData), it is [batch, 2]',
    );

    const [act, importedId] = await Promise.all([
      (async () => {
        const signoff = await hydra('models', 'signoff', c.modelId, '--user', 'bob', '--comment', 'looks right');
        expect(signoff.code).toBe(0);
        expect(signoff.stderr).toContain("is under its plot type's activation bar");
        const refused = await hydra('models', 'activate', c.modelId, '--user', 'bob');
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`model ${c.modelId} is under ${A}'s activation bar`);
        return hydra('models', 'activate', c.modelId, '--user', 'bob', '--below-bar');
      })(),
      (async () => {
        const imported = await hydra(
          'models',
          'import',
          path.join(dir, 'model.onnx'),
          '--plot-type',
          B,
          '--labels',
          'Good,Bad',
          '--user',
          'bob',
        );
        expect(imported.code, imported.stderr).toBe(0);
        const id = /imported (\S+)/.exec(imported.stdout)![1]!;
        const noAdmin = await hydra('models', 'activate', id, '--user', 'bob', '--override');
        expect(noAdmin.stderr).toContain('only an admin may override');
        expect((await hydra('models', 'activate', id, '--user', 'root', '--override')).stdout).toContain('[override]');
        return id;
      })(),
    ]);
    expect(act.stdout).toContain(`${c.modelId} is now active [below its plot type's bar]`);
    const activated = await readMatching(log, env.names.filter('model.activated'));
    expect(activated.map((e) => (e.type === 'model.activated' ? [e.data.modelId, e.data.belowBar] : []))).toEqual(
      expect.arrayContaining([[c.modelId, true]]),
    );

    // The registry as the stream has it, and as the models read model (the projections worker) shows it.
    const list = (await hydra('models', 'list')).stdout;
    expect(list).toMatch(new RegExp(`${c.modelId}\\s+${A}\\s+active\\s+trained`));
    expect(list).toMatch(new RegExp(`${importedId}\\s+${B}\\s+active\\s+imported`));
    let rows: RowDataPacket[] = [];
    for (let i = 0; i < 100; i++) {
      [rows] = await env.database.pool.query<RowDataPacket[]>(
        'SELECT model_id, status, signed_off_by FROM models ORDER BY model_id',
      );
      if (rows.filter((r) => r.status === 'active').length === 2) break;
      await sleep(100);
    }
    expect(rows.map((r) => ({ ...r }))).toEqual(
      expect.arrayContaining([
        { model_id: c.modelId, status: 'active', signed_off_by: 'bob' },
        { model_id: importedId, status: 'active', signed_off_by: null },
      ]),
    );
  });
  it('cancels a run from the command line: the trainer stops, the outcome names who cancelled, the worker goes on', async () => {
    const started = await hydra('train', '--plot-type', A, '--epochs', '500', '--patience', '0', '--batch-size', '8');
    expect(started.code, started.stderr).toBe(0);
    const id = /requested training (\S+)/.exec(started.stdout)![1]!;
    // Wait until it trains (its first epoch is on the stream), then cancel it.
    for (let i = 0; i < 1200; i++) {
      const p = await readMatching(log, env.names.subject('training.progress', id));
      if (p.length > 0) break;
      await sleep(100);
    }
    const cancel = await hydra('train', 'cancel', id, '--user', 'carol', '--reason', 'wrong plot type');
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`training ${id} cancelled`);
    const again = await hydra('train', 'cancel', id, '--user', 'carol');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('has finished');
    // The worker is free again: the next request trains and completes.
    const next = await hydra('train', '--plot-type', A, '--epochs', '1', '--wait', '--timeout', '200');
    expect([0, 3], next.stderr + workerOutput.join('')).toContain(next.code);
    const outcomes = [
      ...(await readMatching(log, env.names.subject('training.completed', id))),
      ...(await readMatching(log, env.names.subject('training.failed', id))),
    ];
    expect(outcomes.map((e) => [e.type, e.metadata.user])).toEqual([['training.failed', 'carol']]);
    expect(outcomes[0]!.data).toMatchObject({
      code: 'cancelled',
      user: 'carol',
      reason: 'cancelled by carol: wrong plot type',
    });
    expect(workerOutput.join('')).toContain(`training ${id}: cancelled`);
  }, 240_000);
});
