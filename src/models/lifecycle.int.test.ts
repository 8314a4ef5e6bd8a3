import { DEFAULT_ACTIVATION_BAR } from '../events/plottype.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { meta } from '../../test/support/events.ts';
import { EventLog } from '../events/log.ts';
import { isConcurrencyConflict } from '../events/errors.ts';
import { readMatching } from '../events/query.ts';
import { evaluate } from '../training/evaluate.ts';
import { activeModel } from './decide.ts';
import { activateModel, readModels, retireModel, rollbackModel, signOffModel } from './lifecycle.ts';

let env: TestEnv;
let log: EventLog;
const hex = (c: string) => c.repeat(64);
const admins: string[] = [];
const bar = DEFAULT_ACTIVATION_BAR;

async function trained(modelId: string, plotType = 'CDC_occupancy'): Promise<void> {
  const evaluation = evaluate({
    labels: ['Good', 'Bad'],
    trueLabels: [0, 1],
    probabilities: [
      [0.9, 0.1],
      [0.2, 0.8],
    ],
    imageIds: [hex('1'), hex('2')],
  });
  await log.append({
    type: 'training.completed',
    metadata: meta,
    data: {
      trainingId: `t-${modelId}`,
      plotType,
      modelId,
      onnx: hex('a'),
      input: { width: 64, height: 48, channels: 3 },
      labels: ['Good', 'Bad'],
      evaluation,
      dataset: { size: 10, train: 8, validation: 2, manifestHash: hex('b'), perLabel: { Good: 5, Bad: 5 } },
      parameters: {},
      frameworks: { torch: '2.4' },
      durationSeconds: 3,
    },
  });
}

beforeAll(async () => {
  env = await openTestEnv('registry', { migrate: false });
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  for (const id of ['m1', 'm2', 'm3']) await trained(id);
  await trained('other', 'RF_timing');
  for (const id of ['m1', 'm2', 'm3']) await signOffModel(log, { modelId: id, user: 'expert' }, meta);
});
afterAll(async () => env?.cleanup());

describe('model registry on the stream', () => {
  it('of two activations racing for one plot type exactly one wins; the loser, retried, replaces the winner', async () => {
    // Both read the registry and decide; neither appends until both have decided.
    let arrived = 0;
    let release!: () => void;
    const bothDecided = new Promise<void>((r) => (release = r));
    const hold = async () => {
      if (++arrived === 2) release();
      await bothDecided;
    };
    const results = await Promise.allSettled(
      ['m1', 'm2'].map((modelId) =>
        activateModel(log, { modelId, user: 'expert', override: false, admins, bar, belowBar: false }, meta, {
          beforeAppend: hold,
        }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isConcurrencyConflict(lost[0]!.reason)).toBe(true);
    expect(await readMatching(log, env.names.filter('model.activated'))).toHaveLength(1);

    const winner = results[0]!.status === 'fulfilled' ? 'm1' : 'm2',
      loser = winner === 'm1' ? 'm2' : 'm1';
    expect(activeModel(await readModels(log, 'CDC_occupancy'), 'CDC_occupancy')?.modelId).toBe(winner);
    const retried = await activateModel(
      log,
      { modelId: loser, user: 'expert', override: false, admins, bar, belowBar: false },
      meta,
    );
    expect(retried.previousModelId).toBe(winner);
    const models = await readModels(log, 'CDC_occupancy');
    expect([models.get(winner)!.status, models.get(loser)!.status, models.get('m3')!.status]).toEqual([
      'signed-off',
      'active',
      'signed-off',
    ]);
    expect([...models.keys()].sort()).toEqual(['m1', 'm2', 'm3']); // only this plot type's
  });

  it('activations that do not overlap both succeed, each naming the one before', async () => {
    const a = await activateModel(
      log,
      { modelId: 'm3', user: 'expert', override: false, admins, bar, belowBar: false },
      meta,
    );
    await retireModel(log, { modelId: 'm3', user: 'expert', reason: 'replaced' }, meta);
    const all = await readModels(log);
    expect(activeModel(all, 'CDC_occupancy')).toBeUndefined();
    expect(all.get('m3')!.status).toBe('retired');
    expect(a.previousModelId).toMatch(/^m[12]$/);
    await expect(
      activateModel(log, { modelId: 'other', user: 'expert', override: false, admins, bar, belowBar: false }, meta),
    ).rejects.toMatchObject({ code: 'HYDRA_MODEL_NOT_SIGNED_OFF' });
    await expect(signOffModel(log, { modelId: 'ghost', user: 'expert' }, meta)).rejects.toMatchObject({
      code: 'HYDRA_MODEL_UNKNOWN',
    });
  });
});

describe('rollback', () => {
  it('activates the model the active one replaced, read from the stream, and refuses one retired since', async () => {
    for (const id of ['r1', 'r2', 'r3']) {
      await trained(id, 'BCAL_occupancy');
      await signOffModel(log, { modelId: id, user: 'expert' }, meta);
    }
    const cmd = { user: 'expert', override: false, admins, bar, belowBar: false };
    await activateModel(log, { ...cmd, modelId: 'r1' }, meta);
    await activateModel(log, { ...cmd, modelId: 'r2' }, meta);
    const back = await rollbackModel(log, { ...cmd, plotType: 'BCAL_occupancy' }, meta);
    expect(back).toMatchObject({ modelId: 'r1', previousModelId: 'r2' });
    expect(activeModel(await readModels(log, 'BCAL_occupancy'), 'BCAL_occupancy')?.modelId).toBe('r1');

    await activateModel(log, { ...cmd, modelId: 'r3' }, meta);
    await retireModel(log, { modelId: 'r1', user: 'expert' }, meta);
    await expect(rollbackModel(log, { ...cmd, plotType: 'BCAL_occupancy' }, meta)).rejects.toMatchObject({
      code: 'HYDRA_MODEL_RETIRED',
    });
  });
});
