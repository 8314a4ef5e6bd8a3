import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstat, readdir, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { startTestFeeder, tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { Recorder } from '../../test/support/wait.ts';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { BlobStore } from '../blobs/store.ts';
import { EventLog } from '../events/log.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { Feeder } from './feeder.ts';
import type { IngestOutcome } from './ingest.ts';

let env: TestEnv;
let plotTypes: PlotTypeCache;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
let feeder: Feeder;
const outcomes = new Recorder<{ name: string; o: IngestOutcome }>();

beforeAll(async () => {
  env = await openTestEnv('hostile_inbox', { migrate: false });
  const log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  const blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  const cdc = plotTypeSpec(plotTypeInfo('CDC_occupancy')!);
  // The pattern that froze every role: catastrophic on a backtracking engine.
  const evil = { ...cdc, name: 'aaa', pattern: '^(?<plot>(a+)+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$' };
  await log.appendMany([cdc, evil].map((data) => ({ type: 'plottype.defined', metadata: meta, data }) as const));
  plotTypes = await PlotTypeCache.open(log);
  dirs = await tempDirs('hostile');
  ({ feeder } = startTestFeeder(log, blobs, plotTypes, dirs, {
    concurrency: 2,
    onOutcome: (o, file) => outcomes.push({ name: path.basename(file), o }),
  }));
});
afterAll(async () => {
  await feeder.stop();
  await plotTypes.close();
  await env.cleanup();
});

const outcomeOf = async (name: string) => {
  await outcomes.until((items) => items.some((i) => i.name === name), name);
  return outcomes.items.find((i) => i.name === name)!.o;
};

describe('an inbox with hostile entries', () => {
  it('matches names against a catastrophic pattern in linear time', async () => {
    const png = (await renderPlot({ plotType: 'CDC_occupancy', label: 'Good', seed: 1, width: 200, height: 150 })).png;
    for (const n of [40, 200]) await writeFile(path.join(dirs.inbox, `${'a'.repeat(n)}!.png`), png);
    await writeFile(path.join(dirs.inbox, 'CDC_occupancy-01_0001.PNG'), png);
    expect(await outcomeOf(`${'a'.repeat(40)}!.png`)).toMatchObject({ kind: 'rejected', code: 'bad-name' });
    expect(await outcomeOf(`${'a'.repeat(200)}!.png`)).toMatchObject({ kind: 'rejected', code: 'bad-name' });
    expect(await outcomeOf('CDC_occupancy-01_0001.PNG')).toMatchObject({ kind: 'arrived', plotType: 'CDC_occupancy' });
  });

  it('refuses a symbolic link and a FIFO unread, and moves them out of the inbox', async () => {
    await symlink('/etc/passwd', path.join(dirs.inbox, 'CDC_occupancy-01_0002.png'));
    execFileSync('mkfifo', [path.join(dirs.inbox, 'CDC_occupancy-01_0003.png')]);
    const link = await outcomeOf('CDC_occupancy-01_0002.png');
    expect(link).toMatchObject({
      kind: 'rejected',
      code: 'unreadable',
      reason: expect.stringMatching(/symbolic link/),
    });
    const fifo = await outcomeOf('CDC_occupancy-01_0003.png');
    expect(fifo).toMatchObject({ kind: 'rejected', code: 'unreadable', reason: expect.stringMatching(/FIFO/) });
    const moved = link.kind === 'rejected' ? link.quarantinePath : '';
    expect((await lstat(moved)).isSymbolicLink()).toBe(true);
  });

  it('refuses a sparse 3 GiB file by its size, without reading it, and quarantines it by moving', async () => {
    const big = path.join(dirs.inbox, 'CDC_occupancy-01_0004.png');
    await writeFile(big, '');
    await truncate(big, 3 * 1024 ** 3);
    const o = await outcomeOf('CDC_occupancy-01_0004.png');
    expect(o).toMatchObject({ kind: 'rejected', code: 'too-large', reason: expect.stringMatching(/3221225472 bytes/) });
    expect((await lstat(o.kind === 'rejected' ? o.quarantinePath : '')).size).toBe(3 * 1024 ** 3);
    const left = (await readdir(dirs.inbox)).filter((f) => !f.startsWith('.'));
    expect(left).toEqual([]);
  });
});
