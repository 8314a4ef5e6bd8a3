import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { openTestEnv, openTestLog, type TestEnv } from '../../test/support/env.ts';
import { startTestFeeder, tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { plotTypeInfo, plotTypeSpec, renderPlot, simulate, type PixelBox } from '../../fixtures/generator/index.ts';
import type { EventLog } from '../events/log.ts';
import type { HydraEvent, HydraEventOf } from '../events/catalog.ts';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { BlobStore } from '../blobs/store.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { Feeder } from '../ingest/feeder.ts';
import { ProjectionRunner } from '../projections/index.ts';
import { erase } from '../projections/runtime/projection.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import { plotStatusProjection } from '../projections/plot-status/projection.ts';
import { plotStatusOf } from '../projections/plot-status/queries.ts';
import { verdictsProjection } from '../projections/verdicts/projection.ts';
import { tileOf } from '../http/board.ts';
import { ActiveModels } from './active-models.ts';
import { InferenceWorker } from './worker.ts';
import { AlarmWorker } from '../alarms/worker.ts';
import { AlarmStateStore } from '../alarms/store.ts';

let env: TestEnv;
let log: EventLog;
let blobs: BlobStore;
let plotTypes: PlotTypeCache;
let runner: ProjectionRunner;
let models: ActiveModels;
let feeder: Feeder;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
let fcal: PlotTypeSpec;
const RUN = 71500;
const truth = new Map<string, { chunk: number; plot: string; label: string; region: PixelBox | null }>();

const spec = (name: string, extra: Partial<PlotTypeSpec> = {}) =>
  plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(name)!),
    input: { width: 96, height: 72, channels: 3 },
    collectPercent: 0,
    ...extra,
  });

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
/** Verdicts (completed or skipped) of every arrival of a run, once each arrival has one. */
async function verdictsFor(n: number, run = RUN) {
  return until(async () => {
    const evs = await events();
    const arrived = evs.filter(
      (e): e is HydraEventOf<'image.arrived'> => e.type === 'image.arrived' && e.data.run === run,
    );
    const ids = new Set(arrived.map((a) => a.data.arrivalId));
    type Outcome =
      | HydraEventOf<'inference.completed'>
      | HydraEventOf<'inference.skipped'>
      | HydraEventOf<'inference.failed'>;
    const done = evs.filter(
      (e): e is Outcome =>
        (e.type === 'inference.completed' || e.type === 'inference.skipped' || e.type === 'inference.failed') &&
        ids.has(e.data.arrivalId),
    );
    if (arrived.length < n || new Set(done.map((d) => d.data.arrivalId)).size < arrived.length) return undefined;
    return { arrived, evs, done };
  });
}

beforeAll(async () => {
  env = await openTestEnv('pipeline');
  log = await openTestLog(env);
  blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  fcal = spec('FCAL_occupancy');
  await log.appendMany(
    [fcal, spec('RF_timing')].map((s) => ({ type: 'plottype.defined', metadata: meta, data: s }) as const),
  );
  plotTypes = await PlotTypeCache.open(log);
  runner = new ProjectionRunner(env.database, log, erase(modelsProjection));
  await runner.start();
  const trained = await trainAndActivate(log, blobs, fcal, { mode: 'dead_crate' });
  expect(trained.valAccuracy).toBeGreaterThanOrEqual(0.9);
  models = new ActiveModels(env.database.db, blobs, log);
  models.start();
  dirs = await tempDirs('pipeline');
  ({ feeder } = startTestFeeder(log, blobs, plotTypes, dirs, { graceMs: 2000 }, { maxBytes: 20_000_000 }));
  await until(async () => (await models.forPlotType('FCAL_occupancy')) ?? undefined);
}, 420_000); // a real model is trained on 2 cores, maybe beside other test files

afterAll(async () => {
  await feeder?.stop();
  await models?.stop();
  await runner?.stop();
  await plotTypes?.close();
  await env?.cleanup();
});

describe('inference', () => {
  it('finds the injected failure from its chunk on, shows where, and leaves the Good plots alone', async () => {
    const worker = new InferenceWorker(log, blobs, plotTypes, models);
    await worker.start();
    const alarms = new AlarmWorker(log, plotTypes, await AlarmStateStore.open(env.nc, log));
    await alarms.start();
    try {
      await simulate({
        inbox: dirs.inbox,
        run: RUN,
        chunks: 8,
        interval: 0,
        width: 400,
        height: 300,
        plotTypes: ['FCAL_occupancy', 'RF_timing'],
        fail: [{ plotType: 'FCAL_occupancy', mode: 'dead_crate', chunk: 5, severity: 1 }],
        onImage: (entry) =>
          truth.set(`${entry.plotType}:${entry.chunk}`, {
            chunk: entry.chunk,
            plot: entry.plotType,
            label: entry.label,
            region: entry.region,
          }),
      });
      const { arrived, evs } = await verdictsFor(16);
      const byArrival = new Map(arrived.map((a) => [a.data.arrivalId, a.data]));
      const completed = evs.filter((e): e is HydraEventOf<'inference.completed'> => e.type === 'inference.completed');
      const fcalVerdicts = completed
        .filter((c) => byArrival.has(c.data.arrivalId))
        .map((c) => ({ chunk: byArrival.get(c.data.arrivalId)!.chunk, c: c.data }))
        .sort((a, b) => a.chunk - b.chunk);
      expect(fcalVerdicts.map((v) => v.chunk)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(fcalVerdicts.map((v) => v.c.verdict)).toEqual([
        'Good',
        'Good',
        'Good',
        'Good',
        'Good',
        'Bad',
        'Bad',
        'Bad',
      ]);
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
        const { data, info } = await sharp(Buffer.from(await blobs.get(v.c.heatmap!)))
          .raw()
          .toBuffer({ resolveWithObject: true });
        let best = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > data[best * 4 + 3]!) best = (i - 3) / 4;
        // The overlay keeps the image's proportions at the map's own resolution: scale back to source pixels.
        const x = ((best % info.width) + 0.5) * (400 / info.width);
        const y = (Math.floor(best / info.width) + 0.5) * (300 / info.height);
        const cell = Math.ceil(400 / 12); // one CAM cell in source pixels, the map's own resolution
        expect(x, `peak x ${x} vs region ${JSON.stringify(region)}`).toBeGreaterThanOrEqual(region.x - cell);
        expect(x).toBeLessThanOrEqual(region.x + region.width + cell);
        expect(y, `peak y ${y} vs region ${JSON.stringify(region)}`).toBeGreaterThanOrEqual(region.y - cell);
        expect(y).toBeLessThanOrEqual(region.y + region.height + cell);
      }
      // Confirmed Bad and Unconfirmed images join the labelling queue.
      const queued = evs
        .filter((e) => e.type === 'image.sampled' && e.data.reason !== 'unbiased')
        .map((e) => e.type === 'image.sampled' && e.data.imageId);
      for (const v of fcalVerdicts) {
        if (v.c.verdict === 'Bad' || !v.c.confirmed) expect(queued).toContain(v.c.imageId);
      }
      // One alarm episode for the FCAL, none for anything else.
      const raised = await until(async () => {
        const r = (await events()).filter((e) => e.type === 'alarm.raised');
        return alarms.stats.handled >= 8 && r.length > 0 ? r : undefined;
      });
      expect(raised).toHaveLength(1);
      expect(raised[0]!.type === 'alarm.raised' && raised[0]!.data).toMatchObject({
        plotType: 'FCAL_occupancy',
        run: RUN,
        label: 'Bad',
      });
    } finally {
      await alarms.stop();
      await worker.stop();
    }
  }, 120_000);

  it('gives the same bytes arriving in chunks 1..3 three verdicts and moves the Run tile on; a retried file stays one', async () => {
    const worker = new InferenceWorker(log, blobs, plotTypes, models);
    await worker.start();
    const readModels = [erase(verdictsProjection), erase(plotStatusProjection)].map(
      (p) => new ProjectionRunner(env.database, log, p),
    );
    await Promise.all(readModels.map((r) => r.start()));
    const run = RUN + 10;
    const png = (await renderPlot({ plotType: 'FCAL_occupancy', label: 'Good', seed: 4, width: 400, height: 300 })).png;
    const drop = (chunk: number) =>
      writeFile(path.join(dirs.inbox, `run-${run}`, `FCAL_occupancy-01_000${chunk}.png`), png);
    const tileNow = async () => {
      const row = await plotStatusOf(env.database.db, 'FCAL_occupancy');
      return row ? tileOf(row, Date.now(), 600_000) : null;
    };
    try {
      await mkdir(path.join(dirs.inbox, `run-${run}`), { recursive: true });
      const arrivals: string[] = [];
      for (const chunk of [1, 2, 3]) {
        await drop(chunk);
        const { arrived, done } = await verdictsFor(chunk, run);
        const mine = arrived.find((a) => a.data.chunk === chunk)!;
        arrivals.push(mine.data.arrivalId);
        expect(done.find((d) => d.data.arrivalId === mine.data.arrivalId)?.type).toBe('inference.completed');
        // The Run page's tile shows this chunk's arrival once its verdict is in.
        const shown = await until(async () => {
          const t = await tileNow();
          return t?.chunk === chunk ? t : undefined;
        });
        expect(shown).toMatchObject({ arrivalId: mine.data.arrivalId, imageId: mine.data.imageId, run });
      }
      const { arrived, done } = await verdictsFor(3, run);
      expect(new Set(arrived.map((a) => a.data.imageId)).size).toBe(1);
      expect(new Set(done.map((d) => d.data.arrivalId))).toEqual(new Set(arrivals));
      const [rows] = await env.database.pool.query('SELECT chunk FROM verdicts WHERE run = ? ORDER BY chunk', [run]);
      expect(rows).toEqual([{ chunk: 1 }, { chunk: 2 }, { chunk: 3 }]);
      // The model ran once: the other two arrivals of the same bytes got its verdict again.
      expect(worker.stats.reused).toBe(2);
      const given = done.map((d) => (d.type === 'inference.completed' ? [d.data.verdict, d.data.scores] : d.type));
      expect(given[1]).toEqual(given[0]);
      expect(given[2]).toEqual(given[0]);

      // The file of chunk 2 delivered again is the same arrival: no fourth arrival, no new verdict.
      const before = feeder.stats.duplicates;
      await drop(2);
      await until(async () => (feeder.stats.duplicates > before ? true : undefined));
      const after = await events();
      expect(after.filter((e) => e.type === 'image.arrived' && e.data.run === run)).toHaveLength(3);
      expect((await tileNow())?.chunk).toBe(3);
    } finally {
      await Promise.all(readModels.map((r) => r.stop()));
      await worker.stop();
    }
  }, 120_000);

  it('gives every image exactly one verdict with two and with four workers on one stream', async () => {
    for (const [n, run] of [
      [2, RUN + 1],
      [4, RUN + 2],
    ] as const) {
      const workers = Array.from(
        { length: n },
        (_, i) => new InferenceWorker(log, blobs, plotTypes, models, { name: `w${i}`, batchSize: 4 }),
      );
      await Promise.all(workers.map((w) => w.start()));
      try {
        await simulate({
          inbox: dirs.inbox,
          run,
          chunks: 24,
          interval: 0,
          width: 400,
          height: 300,
          plotTypes: ['FCAL_occupancy'],
        });
        const { done } = await verdictsFor(24, run);
        await new Promise((r) => setTimeout(r, 1000)); // a second verdict, were there one, would be in by now
        const again = (await verdictsFor(24, run)).done;
        expect(again.length).toBe(done.length);
        const perArrival = new Map<string, number>();
        for (const d of again) perArrival.set(d.data.arrivalId, (perArrival.get(d.data.arrivalId) ?? 0) + 1);
        expect(perArrival.size).toBe(24);
        expect([...perArrival.values()].every((c) => c === 1)).toBe(true);
        expect(workers.filter((w) => w.stats.handled > 0).length, `${n} workers sharing`).toBeGreaterThan(1);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    }
  }, 120_000);

  it('calls the plot Good again once the failed region is masked (and the model retrained with the mask)', async () => {
    // Where the simulator puts this run's dead crate (a dry run into a folder nobody watches).
    let region: PixelBox | null = null;
    await simulate({
      inbox: `${dirs.root}/dry`,
      run: RUN + 3,
      chunks: 1,
      interval: 0,
      width: 400,
      height: 300,
      plotTypes: ['FCAL_occupancy'],
      fail: [{ plotType: 'FCAL_occupancy', mode: 'dead_crate', chunk: 0, severity: 1 }],
      onImage: (e) => (region = e.region),
    });
    if (!region) throw new Error('the simulator reported no failed region');
    region = region as PixelBox;
    const masked = {
      ...fcal,
      masks: [
        {
          x: Math.max(0, region.x - 4),
          y: Math.max(0, region.y - 4),
          width: region.width + 8,
          height: region.height + 8,
          reason: 'accepted: crate off for repair',
        },
      ],
    };
    await log.append({ type: 'plottype.updated', metadata: meta, data: masked });
    await until(async () => (plotTypes.get('FCAL_occupancy')?.masks.length ? true : undefined));
    const { modelId, valAccuracy } = await trainAndActivate(log, blobs, plotTypes.get('FCAL_occupancy')!, {
      mode: 'dead_crate',
      seed: 2,
    });
    expect(valAccuracy).toBeGreaterThanOrEqual(0.9);
    await until(async () => ((await models.forPlotType('FCAL_occupancy'))?.modelId === modelId ? true : undefined));
    const worker = new InferenceWorker(log, blobs, plotTypes, models);
    await worker.start();
    try {
      await simulate({
        inbox: dirs.inbox,
        run: RUN + 3,
        chunks: 3,
        firstChunk: 0,
        interval: 0,
        width: 400,
        height: 300,
        plotTypes: ['FCAL_occupancy'],
        fail: [{ plotType: 'FCAL_occupancy', mode: 'dead_crate', chunk: 0, severity: 1 }],
      });
      const { evs, arrived } = await verdictsFor(3, RUN + 3);
      const ids = new Set(arrived.map((a) => a.data.arrivalId));
      const verdicts = evs.filter(
        (e): e is HydraEventOf<'inference.completed'> => e.type === 'inference.completed' && ids.has(e.data.arrivalId),
      );
      expect(verdicts.map((v) => v.data.modelId)).toEqual([modelId, modelId, modelId]);
      expect(verdicts.map((v) => v.data.verdict)).toEqual(['Good', 'Good', 'Good']);
    } finally {
      await worker.stop();
    }
  }, 420_000);
});
