import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { BlobStore } from '../blobs/store.ts';
import type { HydraEventOf } from '../events/catalog.ts';
import { arrivalIdOf } from '../events/image.ts';
import { EventLog } from '../events/log.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { Ingestor } from './ingest.ts';

let env: TestEnv;
let log: EventLog;
let blobs: BlobStore;
let plotTypes: PlotTypeCache;
let ingestor: Ingestor;

async function arrivals(): Promise<HydraEventOf<'image.arrived'>['data'][]> {
  const out: HydraEventOf<'image.arrived'>['data'][] = [];
  for await (const item of log.read()) if (item.ok && item.event.type === 'image.arrived') out.push(item.event.data);
  return out;
}

beforeAll(async () => {
  env = await openTestEnv('arrivals', { migrate: false });
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec(plotTypeInfo('RF_timing')!) });
  plotTypes = await PlotTypeCache.open(log);
  const dirs = await tempDirs('arrivals');
  ingestor = new Ingestor(log, blobs, plotTypes, dirs, { maxBytes: 5_000_000, maxPixels: 40_000_000 }, meta);
});
afterAll(async () => {
  await plotTypes.close();
  await env.cleanup();
});

describe('an arrival is not an image', () => {
  it('records the same bytes in chunks 1..3 as three arrivals of one stored image; a retried file stays one', async () => {
    const png = (await renderPlot({ plotType: 'RF_timing', label: 'Good', seed: 7, width: 200, height: 150 })).png;
    const file = (chunk: number) => ({
      source: `run-5/RF_timing-01_000${chunk}.png`,
      fileName: `RF_timing-01_000${chunk}.png`,
      run: 5,
    });
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
      [1, 2, 3].map((chunk) => arrivalIdOf({ plotType: 'RF_timing', run: 5, chunk, pad: 1, imageId })),
    );

    // A retried delivery: of the image's last arrival (found in the stream), and of an earlier one (the dedup id).
    for (const chunk of [3, 1]) {
      const again = await ingestor.ingest(png, file(chunk), new Date(Date.now() + 60_000));
      expect(again).toMatchObject({ kind: 'arrived', duplicate: true, arrivalId: seen[chunk - 1]!.arrivalId });
    }
    expect(await arrivals()).toHaveLength(3);
  });
});
