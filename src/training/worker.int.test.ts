import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { meta, plotTypeSpec } from '../../test/support/events.ts';
import { openHydra, type Hydra } from '../context.ts';
import type { HydraEvent } from '../events/catalog.ts';
import { readMatching } from '../events/query.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { TrainingWorker } from './worker.ts';
import { trainingDeps } from '../workers/training.ts';

// The worker loop on real NATS and MariaDB; the requests here never reach PyTorch (the e2e test trains).
let env: TestEnv;
let hydra: Hydra;
let plotTypes: PlotTypeCache;
let worker: TrainingWorker;
const said: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function outcomes(): Promise<HydraEvent[]> {
  return [
    ...(await readMatching(hydra.log, env.names.filter('training.completed'))),
    ...(await readMatching(hydra.log, env.names.filter('training.failed'))),
  ];
}

async function waitForOutcome(trainingId: string): Promise<HydraEvent> {
  for (let i = 0; i < 150; i++) {
    const found = (await outcomes()).find((e) => 'trainingId' in e.data && e.data.trainingId === trainingId);
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`no outcome for ${trainingId}; worker said:\n${said.join('\n')}`);
}

beforeAll(async () => {
  env = await openTestEnv('train_worker');
  hydra = await openHydra({ ...env.config, HYDRA_TRAINING_READ_MODEL_WAIT_MS: 1000 }, { producer: 'test' });
  await hydra.log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec('CDC_occupancy') });
  plotTypes = await PlotTypeCache.open(hydra.log);
  worker = new TrainingWorker(trainingDeps(hydra, plotTypes, (line) => said.push(line)));
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await plotTypes?.close();
  await hydra?.close();
  await env?.cleanup();
});

const request = (trainingId: string, plotType = 'CDC_occupancy') => ({
  type: 'training.requested' as const,
  metadata: meta,
  data: { trainingId, plotType, parameters: {}, reason: 'test', requester: 'alice' },
});

describe('training worker', () => {
  it('turns an unreadable request into training.failed invalid-request and goes on', async () => {
    const { js, names } = hydra.log;
    const garbage = await js.publish(`${names.namespace}.training.requested.x`, 'this is not an event');
    const badParams = JSON.stringify({
      id: 'r1',
      type: 'training.requested',
      version: 1,
      time: new Date().toISOString(),
      key: 't-bad',
      metadata: meta,
      data: { trainingId: 't-bad', plotType: 'CDC_occupancy', parameters: { epochs: -3 }, reason: '', requester: '' },
    });
    await js.publish(`${names.namespace}.training.requested.t-bad`, badParams);
    const first = await waitForOutcome(`invalid-${garbage.seq}`);
    expect(first).toMatchObject({ type: 'training.failed', data: { plotType: 'unknown', code: 'invalid-request' } });
    const second = await waitForOutcome('t-bad');
    expect(second).toMatchObject({
      type: 'training.failed',
      data: { plotType: 'CDC_occupancy', code: 'invalid-request', reason: expect.stringContaining('epochs') },
    });
    expect(second.metadata.producer).toBe('training');
  });

  it('records a request for a plot type nobody configured, or without labels, as failed', async () => {
    await hydra.log.appendMany([request('t-ghost', 'NoSuchPlot'), request('t-empty')]);
    expect((await waitForOutcome('t-ghost')).data).toMatchObject({
      code: 'dataset-error',
      reason: expect.stringContaining('"NoSuchPlot" is not configured'),
    });
    expect((await waitForOutcome('t-empty')).data).toMatchObject({
      code: 'too-few-labels',
      reason: expect.stringContaining('Good: 0, Bad: 0'),
    });
  });

  it('does not train again a redelivered request whose outcome is already recorded', async () => {
    await hydra.log.append({
      type: 'training.failed',
      id: 'training.outcome:t-done',
      metadata: meta,
      data: { trainingId: 't-done', plotType: 'CDC_occupancy', code: 'nan-loss', reason: 'earlier run' },
    });
    await hydra.log.appendMany([request('t-done'), request('t-after')]);
    await waitForOutcome('t-after'); // handled in order: t-done came first
    const mine = (await outcomes()).filter((e) => 'trainingId' in e.data && e.data.trainingId === 't-done');
    expect(mine).toHaveLength(1);
    expect(said.join('\n')).toContain('training t-done: already has its outcome; not training again');
    const info = await hydra.log.jsm.consumers.info(env.names.stream, worker.consumerName);
    expect(info.num_ack_pending + info.num_pending).toBe(0); // everything acknowledged
  });
});
