import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { arrived, meta, plotTypeSpec, randomSha } from '../../test/support/events.ts';
import { EventLog } from '../events/log.ts';
import { behind, listCheckpoints, readAtOneCheckpoint, waitForCheckpoints, waitForStream } from './checkpoints.ts';
import { imagesProjection } from './images/projection.ts';
import { plotTypesProjection } from './plot-types/projection.ts';
import { erase } from './runtime/projection.ts';
import { ProjectionRunner } from './runtime/runner.ts';

let env: TestEnv;
let log: EventLog;

beforeAll(async () => {
  env = await openTestEnv('checkpoints');
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
});
afterAll(async () => env.cleanup());

describe('the checkpoint API', () => {
  it('names the read models short of their targets', () => {
    const targets = new Map([
      ['a', 5],
      ['b', 3],
      ['c', 0],
    ]);
    expect(behind(targets, new Map([['a', 5]]))).toEqual(['b']);
    expect(behind(targets, new Map([['b', 9]]))).toEqual(['a']);
  });

  it('waits for read models to reach the stream, and says which are still behind when time is up', async () => {
    const images = erase(imagesProjection);
    const plotTypes = erase(plotTypesProjection);
    await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec('CP_plot') });
    const last = await log.appendMany([0, 1, 2].map((i) => arrived(randomSha(), 'CP_plot', i)));
    const target = Math.max(...last.map((r) => r.seq));

    // Nothing runs yet: both are behind once the (short) wait is over.
    expect(await waitForStream(env.database.db, log, [images, plotTypes], { timeoutMs: 50 })).toEqual([
      'images',
      'plot_types',
    ]);

    const runner = new ProjectionRunner(env.database, log, images);
    await runner.start();
    try {
      expect(await waitForCheckpoints(env.database.db, new Map([['images', target]]), { timeoutMs: 30_000 })).toEqual(
        [],
      );
      expect(await waitForStream(env.database.db, log, [images, plotTypes], { timeoutMs: 50 })).toEqual(['plot_types']);
      const cps = await listCheckpoints(env.database.db);
      expect(cps.find((c) => c.name === 'images')).toMatchObject({ seq: target, paused: false });
      expect(cps.find((c) => c.name === 'images')?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    } finally {
      await runner.stop();
    }
  });

  it('reads as of one checkpoint, or says it could not while the read model moves', async () => {
    const db = env.database.db;
    const images = erase(imagesProjection);
    const runner = new ProjectionRunner(env.database, log, images);
    await runner.start();
    try {
      const seqs = async () => (await listCheckpoints(db)).find((c) => c.name === 'images')?.seq ?? 0;
      const append = async () => {
        const [r] = await log.appendMany([arrived(randomSha(), 'CP_plot', 9)]);
        expect(await waitForCheckpoints(db, new Map([['images', r!.seq]]), { timeoutMs: 30_000 })).toEqual([]);
      };
      // Quiet: the value read, at the checkpoint it was read at.
      const quiet = await readAtOneCheckpoint(db, 'images', seqs);
      expect(quiet).toEqual({ checkpoint: quiet?.value, value: quiet?.value });
      // The read model applies an event during every read: no answer, as often as asked.
      let reads = 0;
      const moving = await readAtOneCheckpoint(
        db,
        'images',
        async () => {
          reads += 1;
          await append();
        },
        3,
      );
      expect(moving).toBeUndefined();
      expect(reads).toBe(3);
    } finally {
      await runner.stop();
    }
  });

  it('gives up at once when aborted', async () => {
    const stop = new AbortController();
    stop.abort();
    const late = await waitForCheckpoints(env.database.db, new Map([['never', 10 ** 9]]), {
      timeoutMs: 600_000,
      signal: stop.signal,
    });
    expect(late).toEqual(['never']);
  });
});
