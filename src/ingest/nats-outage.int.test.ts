import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readdir } from 'node:fs/promises';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { startTestFeeder, tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { until } from '../../test/support/wait.ts';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.ts';
import { plotTypeInfo, plotTypeSpec, simulate } from '../../fixtures/generator/index.ts';
import { EventLog } from '../events/log.ts';
import { BlobStore } from '../blobs/store.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { Feeder } from './feeder.ts';

// NATS goes away under a running feeder (connections reset, then refused) and comes back: the files that
// piled up meanwhile are ingested within seconds of its return, each exactly once.

let env: TestEnv;
let proxy: TcpProxy;
let nc: NatsConnection;
let direct: EventLog;
let plotTypes: PlotTypeCache;
let feeder: Feeder;
let dirs: Awaited<ReturnType<typeof tempDirs>>;

async function arrivals(): Promise<string[]> {
  const out: string[] = [];
  for await (const item of direct.read()) if (item.ok && item.event.type === 'image.arrived') out.push(item.event.key);
  return out;
}
const inboxFiles = async () =>
  (await readdir(dirs.inbox, { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile() && e.name.endsWith('.png'),
  ).length;
beforeAll(async () => {
  env = await openTestEnv('nats-outage', { migrate: false });
  const target = new URL(env.config.NATS_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 4222) });
  // The feeder's connection goes through the proxy, with the same reconnect settings as Hydra's own.
  nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  direct = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  await direct.append({
    type: 'plottype.defined',
    metadata: meta,
    data: { ...plotTypeSpec(plotTypeInfo('CDC_occupancy')!), collectPercent: 0 },
  });
  const log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'feeder',
    nc,
  });
  const blobs = await BlobStore.open(nc, log.names.blobBucket);
  plotTypes = await PlotTypeCache.open(log);
  dirs = await tempDirs('nats-outage');
  ({ feeder } = startTestFeeder(log, blobs, plotTypes, dirs));
});
afterAll(async () => {
  await feeder?.stop();
  await plotTypes?.close();
  await nc?.close();
  await proxy?.close();
  await env?.cleanup();
});

describe('the feeder through a NATS outage', () => {
  it('ingests what piled up during the outage within 10 s of NATS coming back, once each', async () => {
    const before = await simulate({
      inbox: dirs.inbox,
      run: 5001,
      chunks: 1,
      interval: 0,
      plotTypes: ['CDC_occupancy'],
      seed: 1,
    });
    await until(async () => (await arrivals()).length === before.images, 'the first chunk', { timeoutMs: 60_000 });

    await proxy.down();
    const during = await simulate({
      inbox: dirs.inbox,
      run: 5001,
      chunks: 3,
      firstChunk: 2,
      interval: 0,
      plotTypes: ['CDC_occupancy'],
      seed: 2,
    });
    // While NATS is away nothing can be appended, and nothing is lost: the files wait in the inbox.
    await until(async () => (await inboxFiles()) === during.images, 'the files to wait', { timeoutMs: 10_000 });
    await proxy.up();

    const total = before.images + during.images;
    await until(
      async () => (await arrivals()).length >= total && (await inboxFiles()) === 0,
      'ingest to resume within 10 s of NATS coming back',
      { timeoutMs: 10_000 },
    );
    const keys = await arrivals();
    expect(keys).toHaveLength(total);
    expect(new Set(keys).size).toBe(total);
  });
});
