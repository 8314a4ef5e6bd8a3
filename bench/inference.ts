import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { BenchResult } from './run.ts';
import { cpuMeter, openBenchEnv, rate } from './support.ts';
import { tempDirs } from '../test/support/ingest.ts';
import { trainAndActivate } from '../test/support/model.ts';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../fixtures/generator/index.ts';
import { plotTypeSpecSchema } from '../src/events/plottype.ts';
import { readItem } from '../src/events/log.ts';
import { BlobStore } from '../src/blobs/store.ts';
import { PlotTypeCache } from '../src/plottypes/cache.ts';
import { Ingestor } from '../src/ingest/ingest.ts';
import { Feeder } from '../src/ingest/feeder.ts';
import { ProjectionRunner } from '../src/projections/index.ts';
import { erase } from '../src/projections/runtime/projection.ts';
import { modelsProjection } from '../src/projections/models/projection.ts';
import { ActiveModels } from '../src/inference/active-models.ts';
import { InferenceWorker } from '../src/inference/worker.ts';
import { preprocessBatch, toFloat32 } from '../src/preprocess/index.ts';
import { decide, softmax } from '../src/inference/classify.ts';

const N = Number(process.env.BENCH_INFERENCE_N ?? 320);
const LATENCY_SAMPLES = Number(process.env.BENCH_INFERENCE_LATENCY_N ?? 100);
const BATCH = 16;
const meta = { correlationId: 'bench', producer: 'bench-inference' };
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/**
 * File in the inbox to inference.completed, through ingest, NATS, the object store and the worker,
 * against a bare loop that decodes, preprocesses and runs the same model on the same files.
 */
export default async function bench(): Promise<BenchResult> {
  const env = await openBenchEnv('inference');
  const dirs = await tempDirs('bench-inference');
  try {
    const log = await env.openLog();
    const blobs = await BlobStore.open(env.nc, log.names.blobBucket);
    const spec = plotTypeSpecSchema.parse({ ...plotTypeSpec(plotTypeInfo('FCAL_occupancy')!), collectPercent: 0 });
    await log.append({ type: 'plottype.defined', metadata: meta, data: spec });
    const runner = new ProjectionRunner(env.database, log, erase(modelsProjection));
    await runner.start();
    console.error('training the model...');
    // A properly trained model, so that heatmaps are drawn for the Bad and Unconfirmed few, as in a real run.
    await trainAndActivate(log, blobs, spec, { mode: 'dead_crate' });
    const plotTypes = await PlotTypeCache.open(log);
    const models = new ActiveModels(env.database.db, blobs, log);
    models.start();
    let model = await models.forPlotType(spec.name);
    while (!model) {
      await new Promise((r) => setTimeout(r, 200));
      model = await models.forPlotType(spec.name);
    }

    console.error(`making ${N + LATENCY_SAMPLES} plots at 800x600...`);
    const source = path.join(dirs.root, 'source');
    await mkdir(source, { recursive: true });
    for (let i = 0; i < N + LATENCY_SAMPLES; i++) {
      const { png } = await renderPlot({
        plotType: spec.name,
        label: i % 5 === 0 ? 'Bad' : 'Good',
        seed: i,
        width: 800,
        height: 600,
        chunk: i,
      });
      await writeFile(path.join(source, `${spec.name}-01_${String(i).padStart(4, '0')}.png`), png);
    }
    const files = (await readdir(source)).sort();
    const backlog = files.slice(0, N);
    const single = files.slice(N);

    // Bare: the same files, decoded, preprocessed and classified in batches like the worker's, nothing else.
    const { width: w, height: h, channels: c } = model.input;
    let cpu = cpuMeter();
    let t0 = performance.now();
    for (let i = 0; i < backlog.length; i += BATCH) {
      const bytes = await Promise.all(backlog.slice(i, i + BATCH).map((f) => readFile(path.join(source, f))));
      const batch = await preprocessBatch(bytes, { width: w, height: h, channels: c as 1 | 3, masks: spec.masks });
      const out = await model.session.run({
        [model.session.inputNames[0]!]: new ort.Tensor('float32', toFloat32(batch.pixels), [bytes.length, c, h, w]),
      });
      const logits = out.logits!.data as Float32Array;
      for (let n = 0; n < bytes.length; n++)
        decide(model.labels, softmax(logits.subarray(n * 2, n * 2 + 2)), model.thresholds);
    }
    const bareMs = performance.now() - t0;
    const bareCpu = cpu();

    // Hydra: drop the backlog into the inbox and count verdicts.
    const verdictAt = new Map<string, number>();
    // Woken by the verdict itself: a polling wait would take a core from the pipeline it measures.
    const waiting = new Map<string, () => void>();
    const arrivedAt = new Map<string, number>();
    const sub = env.nc.subscribe(log.names.filter('inference.completed'), {
      callback: (_e, m) => {
        const item = readItem(m.data, 0, m.subject);
        if (item.ok && item.event.type === 'inference.completed') {
          verdictAt.set(item.event.data.imageId, performance.now());
          waiting.get(item.event.data.imageId)?.();
        }
      },
    });
    const arrivals = env.nc.subscribe(log.names.filter('image.arrived'), {
      callback: (_e, m) => {
        const item = readItem(m.data, 0, m.subject);
        if (item.ok && item.event.type === 'image.arrived') arrivedAt.set(item.event.data.imageId, performance.now());
      },
    });
    const ingestor = new Ingestor(log, blobs, plotTypes, dirs, { maxBytes: 20_000_000, maxPixels: 40_000_000 }, meta);
    const worker = new InferenceWorker(log, blobs, plotTypes, models, { batchSize: BATCH });
    const feeder = new Feeder(ingestor, {
      inbox: dirs.inbox,
      graceMs: 10_000,
      settleMs: 0,
      concurrency: 16,
      after: 'delete',
      archiveDir: dirs.archive,
    });
    const runDir = path.join(dirs.inbox, 'run-101072');
    await mkdir(runDir, { recursive: true });
    const staging = path.join(dirs.root, 'staging');
    await mkdir(staging, { recursive: true });
    for (const f of backlog) await writeFile(path.join(staging, f), await readFile(path.join(source, f)));
    await worker.start();
    cpu = cpuMeter();
    t0 = performance.now();
    await Promise.all(backlog.map((f) => rename(path.join(staging, f), path.join(runDir, f))));
    feeder.start();
    let ingestedMs = 0;
    while (verdictAt.size < backlog.length) {
      if (!ingestedMs && feeder.stats.arrived >= backlog.length) ingestedMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
    const pipelineMs = performance.now() - t0;
    const pipelineCpu = cpu();
    const batches = worker.stats.batches;
    const phases = Object.fromEntries(
      Object.entries(worker.stats.phases).map(([k, v]) => [`backlog_${k}_ms`, Math.round(v)]),
    );

    // Latency: one file at a time, from the moment it is in place to its verdict on the wire.
    const latencies: number[] = [];
    // Each sample split at image.arrived on the wire: file to event (ingest), event to verdict (inference).
    const split: { ingest: number; inference: number }[] = [];
    const ids = new Map<string, string>();
    const { createHash } = await import('node:crypto');
    for (const f of single) {
      const bytes = await readFile(path.join(source, f));
      const id = createHash('sha256').update(bytes).digest('hex');
      ids.set(f, id);
      await writeFile(path.join(staging, f), bytes);
      const start = performance.now();
      const verdict = new Promise<void>((r) => waiting.set(id, r));
      await rename(path.join(staging, f), path.join(runDir, f));
      await verdict;
      waiting.delete(id);
      latencies.push(verdictAt.get(id)! - start);
      split.push({ ingest: arrivedAt.get(id)! - start, inference: verdictAt.get(id)! - arrivedAt.get(id)! });
    }
    sub.unsubscribe();
    arrivals.unsubscribe();
    const slowest = latencies.map((l, i) => ({ l, ...split[i]! })).sort((a, b) => b.l - a.l);
    console.error(
      `slowest: ${JSON.stringify(slowest.slice(0, 5).map((x) => [x.l, x.ingest, x.inference].map(Math.round)))}`,
    );
    await feeder.stop();
    await worker.stop();
    await models.stop();
    await runner.stop();
    await plotTypes.close();

    const figures = {
      images: N,
      size: '800x600',
      model_input: `${w}x${h}x${c}`,
      pipeline_img_per_s: rate(N, pipelineMs),
      bare_img_per_s: rate(N, bareMs),
      p50_ms: +quantile(latencies, 0.5).toFixed(1),
      p99_ms: +quantile(latencies, 0.99).toFixed(1),
      max_ms: +Math.max(...latencies).toFixed(1),
      ingest_p50_ms: +quantile(
        split.map((x) => x.ingest),
        0.5,
      ).toFixed(1),
      ingest_p99_ms: +quantile(
        split.map((x) => x.ingest),
        0.99,
      ).toFixed(1),
      inference_p50_ms: +quantile(
        split.map((x) => x.inference),
        0.5,
      ).toFixed(1),
      inference_p99_ms: +quantile(
        split.map((x) => x.inference),
        0.99,
      ).toFixed(1),
      latency_samples: latencies.length,
      backlog_ingested_after_ms: Math.round(ingestedMs),
      backlog_verdict_batches: batches,
      bare_process_cpu_ms: bareCpu.processMs,
      bare_machine_busy_pct: bareCpu.machineBusyPct,
      backlog_process_cpu_ms: pipelineCpu.processMs,
      backlog_machine_busy_pct: pipelineCpu.machineBusyPct,
      ...phases,
    };
    return { figures, ratios: { pipeline_vs_bare: +(figures.pipeline_img_per_s / figures.bare_img_per_s).toFixed(3) } };
  } finally {
    await env.cleanup();
  }
}
