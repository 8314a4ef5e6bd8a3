import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { meta, shaOf } from '../../test/support/events.ts';
import { EventLog } from '../events/log.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/hydra.js', import.meta.url));
let env: TestEnv;
let log: EventLog;
const hydra = (...args: string[]) =>
  run(process.execPath, [bin, ...args], {
    timeout: 60_000,
    env: {
      ...process.env,
      NATS_URL: env.config.NATS_URL,
      DATABASE_URL: env.config.DATABASE_URL,
      HYDRA_NAMESPACE: env.config.HYDRA_NAMESPACE,
    },
  });

beforeAll(async () => {
  env = await openTestEnv('cli_alarms', { migrate: false });
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test' });
  await log.append({
    type: 'alarm.raised',
    metadata: meta,
    data: {
      alarmId: 'CDC_occ-1',
      plotType: 'CDC_occ',
      detector: 'CDC',
      run: 101072,
      label: 'Bad',
      confidence: 0.93,
      firstImageId: shaOf('x'),
      imageIds: [shaOf('x')],
      raisedAt: '2026-11-26T10:00:00.000Z',
      episode: 1,
    },
  });
});
afterAll(async () => {
  await log?.close();
  await env?.cleanup();
});

describe('hydra alarms', () => {
  it('lists alarms, acknowledges one with a comment, and refuses an unknown one', async () => {
    const before = await hydra('alarms', 'list');
    expect(before.stdout).toMatch(/^CDC_occ-1\s+active\s+CDC\s+run 101072\s+Bad 0\.93\s+raised 2026-11-26 10:00:00/m);

    const ack = await hydra(
      'alarms',
      'ack',
      'CDC_occ-1',
      '--user',
      'ann',
      '--comment',
      'fa125 itrig errors, run restarted',
    );
    expect(ack.stdout).toMatch(/acknowledged CDC_occ-1 \(CDC_occ, still open\) as ann/);

    const open = await hydra('alarms', 'list', '--open', '--json');
    expect(
      open.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      expect.objectContaining({
        alarmId: 'CDC_occ-1',
        state: 'acknowledged',
        acknowledgedBy: 'ann',
        comment: 'fa125 itrig errors, run restarted',
      }),
    ]);

    await expect(hydra('alarms', 'ack', 'CDC_occ-7', '--user', 'ann')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no alarm "CDC_occ-7".*\[HYDRA_ALARM_NOT_FOUND\]/),
    });
  });
});
