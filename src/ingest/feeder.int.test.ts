import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openTestEnv, openTestLog, type TestEnv } from '../../test/support/env.ts';
import { badCorpus, startTestFeeder, tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { plotTypeSpec, plotTypeInfo, simulate } from '../../fixtures/generator/index.ts';
import type { EventLog } from '../events/log.ts';
import type { HydraEvent } from '../events/catalog.ts';
import { BlobStore } from '../blobs/store.ts';
import { arrivalIdOf } from '../events/image.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { Ingestor } from './ingest.ts';
import type { Feeder } from './feeder.ts';
import { reingestUnassigned } from './reingest.ts';

let env: TestEnv;
let log: EventLog;
let blobs: BlobStore;
let plotTypes: PlotTypeCache;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
let ingestor: Ingestor;
let feeder: Feeder;

const spec = (name: string) => ({ ...plotTypeSpec(plotTypeInfo(name)!), collectPercent: 50 });

async function events(): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const item of log.read()) if (item.ok) out.push(item.event);
  return out;
}
async function until(check: () => Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out; inbox has ${JSON.stringify(await allFiles(dirs.inbox))}`);
}
const allFiles = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

beforeAll(async () => {
  env = await openTestEnv('feeder', { migrate: false });
  log = await openTestLog(env);
  blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  await log.appendMany(
    ['CDC_occupancy', 'FCAL_occupancy'].map(
      (n) => ({ type: 'plottype.defined', metadata: meta, data: spec(n) }) as const,
    ),
  );
  plotTypes = await PlotTypeCache.open(log);
  dirs = await tempDirs('feeder');
  ({ ingestor, feeder } = startTestFeeder(log, blobs, plotTypes, dirs));
});
afterAll(async () => {
  await feeder.stop();
  await plotTypes.close();
  await env.cleanup();
});

describe('directory feeder', () => {
  it('ingests a simulated run, rejects every bad file with its reason, and leaves the inbox empty', async () => {
    const sim = await simulate({
      inbox: dirs.inbox,
      run: 101072,
      chunks: 2,
      interval: 0,
      width: 400,
      height: 300,
      plotTypes: ['CDC_occupancy', 'FCAL_occupancy'],
    });
    const corpus = await badCorpus(path.join(dirs.inbox, 'misc'));
    // The same bytes from another pad: another arrival of one image.
    const { renderPlot } = await import('../../fixtures/generator/index.ts');
    const same = (await renderPlot({ plotType: 'CDC_occupancy', label: 'Good', seed: 123, width: 300, height: 200 }))
      .png;
    await writeFile(path.join(dirs.inbox, 'misc', 'CDC_occupancy-05_0001.png'), same);
    await writeFile(path.join(dirs.inbox, 'misc', 'CDC_occupancy-06_0001.png'), same);
    expect(sim.images).toBe(4);
    await until(async () => (await allFiles(dirs.inbox)).every((f) => f === 'run.json'));

    const evs = await events();
    const arrived = evs.filter((e) => e.type === 'image.arrived');
    expect(arrived).toHaveLength(6);
    expect(new Set(arrived.map((e) => e.data.arrivalId)).size).toBe(6);
    expect(new Set(arrived.map((e) => e.data.imageId)).size).toBe(5);
    for (const e of arrived.filter((a) => a.data.source.startsWith('run-'))) {
      expect(e.data.run).toBe(101072);
      expect(e.data.runPeriod).toBeTruthy();
      expect(e.data.width).toBe(400);
      expect(await blobs.has(e.data.imageId)).toBe(true);
    }
    const rejected = evs.filter((e) => e.type === 'image.rejected');
    const byFile = new Map(rejected.map((e) => [path.basename(e.data.source), e.data]));
    for (const c of corpus) {
      expect(byFile.get(c.file)?.code, c.file).toBe(c.code);
    }
    expect(rejected).toHaveLength(corpus.length);
    // Each rejected file sits in quarantine beside its reason.
    const q = await allFiles(dirs.quarantine);
    expect(q.filter((f) => f.endsWith('.reason.txt'))).toHaveLength(corpus.length);
    const truncated = byFile.get('CDC_occupancy-01_0101.png')!;
    expect(await readFile(`${truncated.quarantinePath}.reason.txt`, 'utf8')).toMatch(/^truncated: .*IEND|^truncated: /);
    // Sampling at 50 %: decided by the image id, and recorded.
    const sampled = evs.filter((e) => e.type === 'image.sampled');
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled.every((e) => e.data.reason === 'unbiased')).toBe(true);
    expect(feeder.stats.duplicates).toBe(0);
    // The same file delivered again is the same arrival.
    await writeFile(path.join(dirs.inbox, 'misc', 'CDC_occupancy-05_0001.png'), same);
    await until(async () => feeder.stats.duplicates === 1);
    expect((await events()).filter((e) => e.type === 'image.arrived')).toHaveLength(6);
  });

  it('keeps an image of an unconfigured plot type and ingests it once the type is defined', async () => {
    const { renderPlot } = await import('../../fixtures/generator/index.ts');
    const png = (await renderPlot({ plotType: 'TOF_paddles', label: 'Good', seed: 5, width: 300, height: 200 })).png;
    await writeFile(path.join(dirs.inbox, 'run-101072', 'TOF_paddles-01_0001.png'), png);
    await until(async () => (await events()).some((e) => e.type === 'image.unassigned'));
    expect((await allFiles(dirs.unassigned)).some((f) => f.startsWith('TOF') || f.includes('TOF_paddles'))).toBe(true);

    await log.append({ type: 'plottype.defined', metadata: meta, data: spec('TOF_paddles') });
    await until(async () => plotTypes.get('TOF_paddles') !== undefined);
    expect(await reingestUnassigned(ingestor, dirs.unassigned, 'TOF_paddles')).toBe(1);
    const arrived = (await events()).filter((e) => e.type === 'image.arrived' && e.data.plotType === 'TOF_paddles');
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.type === 'image.arrived' && arrived[0]!.data.run).toBe(101072);
    expect((await allFiles(dirs.unassigned)).filter((f) => f.endsWith('.png'))).toHaveLength(0);
  });

  it('records the same bytes in chunks 1..3 as three arrivals of one stored image; a retried file stays one', async () => {
    const { renderPlot } = await import('../../fixtures/generator/index.ts');
    const png = (await renderPlot({ plotType: 'CDC_occupancy', label: 'Good', seed: 7, width: 200, height: 150 })).png;
    const file = (chunk: number) => ({
      source: `run-5/CDC_occupancy-01_000${chunk}.png`,
      fileName: `CDC_occupancy-01_000${chunk}.png`,
      run: 5,
    });
    const arrivals = async () =>
      (await events()).flatMap((e) => (e.type === 'image.arrived' && e.data.run === 5 ? [e.data] : []));
    const outcomes = [];
    for (const chunk of [1, 2, 3]) outcomes.push(await ingestor.ingest(png, file(chunk)));
    expect(outcomes.map((o) => o.kind === 'arrived' && o.duplicate)).toEqual([false, false, false]);
    const first = outcomes[0]!;
    const imageId = first.kind === 'arrived' ? first.imageId : '';
    expect(await blobs.has(imageId)).toBe(true);

    const seen = await arrivals();
    expect(seen.map((a) => a.chunk)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((a) => a.imageId))).toEqual(new Set([imageId]));
    expect(seen.map((a) => a.arrivalId)).toEqual(
      [1, 2, 3].map((chunk) => arrivalIdOf({ plotType: 'CDC_occupancy', run: 5, chunk, pad: 1, imageId })),
    );

    // A retried delivery: of the image's last arrival (found in the stream), and of an earlier one (the dedup id).
    for (const chunk of [3, 1]) {
      const again = await ingestor.ingest(png, file(chunk), new Date(Date.now() + 60_000));
      expect(again).toMatchObject({ kind: 'arrived', duplicate: true, arrivalId: seen[chunk - 1]!.arrivalId });
    }
    expect(await arrivals()).toHaveLength(3);
  });
});
