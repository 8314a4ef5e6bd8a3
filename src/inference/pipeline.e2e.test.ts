import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import { plotTypeInfo, plotTypeSpec, simulate, type PixelBox } from '../../fixtures/generator/index.ts';
import { EventLog } from '../events/log.ts';
import type { HydraEvent, HydraEventOf } from '../events/catalog.ts';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { BlobStore } from '../blobs/store.ts';
import { PlotTypeRegistry } from '../plottypes/registry.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { Feeder } from '../ingest/feeder.ts';
import { ProjectionRunner } from '../projections/index.ts';
import { erase } from '../projections/runtime/projection.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import { ActiveModels } from './models.ts';
import { InferenceWorker } from './worker.ts';

let env: TestEnv;
let log: EventLog;
let blobs: BlobStore;
let registry: PlotTypeRegistry;
let runner: ProjectionRunner;
let models: ActiveModels;
let feeder: Feeder;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
let fcal: PlotTypeSpec;
const RUN = 71500;
const truth = new Map<string, { chunk: number; plot: string; label: string; region: PixelBox | null }>();

const spec = (name: string, extra: Partial<PlotTypeSpec> = {}) =>
  plotTypeSpecSchema.parse({ ...plotTypeSpec(plotTypeInfo(name)!), input: { width: 96, height: 72, channels: 3 }, collectPercent: 0, ...extra });

async function events(): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const item of log.read()) if (item.ok) out.push(item.event);
  return out;
}
async function until<T>(fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** Verdicts (completed or skipped) of every image of the run, once each image has one. */
async function verdictsFor(n: number) {
  return until(async () => {
    const evs = await events();
    const arrived = evs.filter((e): e is HydraEventOf<'image.arrived'> => e.type === 'image.arrived' && e.data.run === RUN);
    const done = evs.filter((e) => e.type === 'inference.completed' || e.type === 'inference.skipped' || e.type === 'inference.failed');
    if (arrived.length < n || done.length < arrived.length) return undefined;
    return { arrived, evs };
  });
}

beforeAll(async () => {
  env = await openTestEnv('pipeline');
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test', nc: env.nc });
  blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  fcal = spec('FCAL_occupancy');
  await log.appendMany([fcal, spec('RF_timing')].map((s) => ({ type: 'plottype.defined', metadata: meta, data: s }) as const));
  registry = await PlotTypeRegistry.open(log);
  runner = new ProjectionRunner(env.database.pool, log, erase(modelsProjection));
  runner.start();
  const trained = await trainAndActivate(log, blobs, fcal, { mode: 'dead_crate' });
  expect(trained.valAccuracy).toBeGreaterThanOrEqual(0.9);
  models = new ActiveModels(env.database.pool, blobs, log);
  models.start();
  dirs = await tempDirs('pipeline');
  const ingestor = new Ingestor(log, blobs, registry, dirs, { maxBytes: 20_000_000, maxPixels: 40_000_000 }, meta);
  feeder = new Feeder(ingestor, { inbox: dirs.inbox, graceMs: 2000, settleMs: 0, concurrency: 4, after: 'delete', archiveDir: dirs.archive });
  feeder.start();
  await until(async () => (await models.forPlotType('FCAL_occupancy')) ?? undefined);
}, 180_000);

afterAll(async () => {
  await feeder.stop();
  await models.stop();
  await runner.stop();
  await registry.close();
  await env.cleanup();
});

describe('inference', () => {
  it('finds the injected failure from its chunk on, shows where, and leaves the Good plots alone', async () => {
    const worker = new InferenceWorker(log, blobs, registry, models);
    worker.start();
    try {
      await simulate({
        inbox: dirs.inbox, run: RUN, chunks: 8, interval: 0, width: 400, height: 300, plotTypes: ['FCAL_occupancy', 'RF_timing'],
        fail: [{ plotType: 'FCAL_occupancy', mode: 'dead_crate', chunk: 5, severity: 1 }],
        onImage: (entry) => truth.set(`${entry.plotType}:${entry.chunk}`, { chunk: entry.chunk, plot: entry.plotType, label: entry.label, region: entry.region }),
      });
      const { arrived, evs } = await verdictsFor(16);
      const byImage = new Map(arrived.map((a) => [a.data.imageId, a.data]));
      const completed = evs.filter((e): e is HydraEventOf<'inference.completed'> => e.type === 'inference.completed');
      const fcalVerdicts = completed.map((c) => ({ chunk: byImage.get(c.data.imageId)!.chunk, c: c.data })).sort((a, b) => a.chunk - b.chunk);
      expect(fcalVerdicts.map((v) => v.chunk)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(fcalVerdicts.map((v) => v.c.verdict)).toEqual(['Good', 'Good', 'Good', 'Good', 'Good', 'Bad', 'Bad', 'Bad']);
      for (const v of fcalVerdicts) {
        expect(Object.keys(v.c.scores).sort()).toEqual(['Bad', 'Good']);
        expect(v.c.timings.modelMs).toBeGreaterThan(0);
      }
      // A plot type with no active model is recorded as such, not dropped.
      const skipped = evs.filter((e) => e.type === 'inference.skipped');
      expect(skipped).toHaveLength(8);
      expect(skipped.every((e) => e.type === 'inference.skipped' && e.data.reason === 'no-active-model')).toBe(true);

      // The heatmap is brightest over the dead crate.
      for (const v of fcalVerdicts.filter((x) => x.c.verdict === 'Bad')) {
        const region = truth.get(`FCAL_occupancy:${v.chunk}`)!.region!;
        expect(v.c.heatmap).toBeDefined();
        const { data, info } = await sharp(Buffer.from(await blobs.get(v.c.heatmap!))).raw().toBuffer({ resolveWithObject: true });
        let best = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > data[best * 4 + 3]!) best = (i - 3) / 4;
        const x = best % info.width;
        const y = Math.floor(best / info.width);
        const cell = Math.ceil(400 / 12); // one CAM cell in source pixels, the map's own resolution
        expect(x, `peak x ${x} vs region ${JSON.stringify(region)}`).toBeGreaterThanOrEqual(region.x - cell);
        expect(x).toBeLessThanOrEqual(region.x + region.width + cell);
        expect(y, `peak y ${y} vs region ${JSON.stringify(region)}`).toBeGreaterThanOrEqual(region.y - cell);
        expect(y).toBeLessThanOrEqual(region.y + region.height + cell);
      }
      // Confirmed Bad and Unconfirmed images join the labelling queue.
      const queued = evs.filter((e) => e.type === 'image.sampled' && e.data.reason !== 'unbiased').map((e) => e.type === 'image.sampled' && e.data.imageId);
      for (const v of fcalVerdicts) {
        if (v.c.verdict === 'Bad' || !v.c.confirmed) expect(queued).toContain(v.c.imageId);
      }
    } finally {
      await worker.stop();
    }
  }, 120_000);
});
