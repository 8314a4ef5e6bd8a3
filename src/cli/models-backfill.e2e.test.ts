import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { meta } from '../../test/support/events.ts';
import { eventsAfter, lastSeq, openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import { BackfillWorker } from '../backfill/worker.ts';
import { arrivalIdOf } from '../events/image.ts';
import type { AnyNewEvent } from '../events/log.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/hydra.js', import.meta.url));
const PLOT = 'FCAL_occupancy';
let h: HttpEnv;
let worker: BackfillWorker;
let modelId = '';

const hydra = (...args: string[]) =>
  run(process.execPath, [bin, ...args], {
    timeout: 90_000,
    env: {
      ...process.env,
      NATS_URL: h.env.config.NATS_URL,
      DATABASE_URL: h.env.config.DATABASE_URL,
      HYDRA_NAMESPACE: h.env.config.HYDRA_NAMESPACE,
      HYDRA_TIMEZONE: 'UTC',
    },
  });
/** The command's exit code and output when it fails. */
const failing = (...args: string[]) =>
  hydra(...args).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );

beforeAll(async () => {
  h = await openHttpEnv('cli_backfill');
  const spec = plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(PLOT)!),
    labels: [
      { name: 'Good', colour: '#2e9e44' },
      { name: 'Bad', colour: '#d62728', alarms: true },
    ],
    input: { width: 32, height: 24, channels: 3 },
  });
  await h.append([{ type: 'plottype.defined', metadata: meta, data: spec }]);
  ({ modelId } = await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 8, epochs: 1 }));
  const events: AnyNewEvent[] = [];
  for (let i = 0; i < 6; i++) {
    const runNo = 800 + (i % 3);
    const { png } = await renderPlot({ plotType: PLOT, label: 'Good', seed: 40 + i, width: 400, height: 300 });
    const { sha256: imageId } = await h.blobs.put(png, 'image/png');
    events.push({
      type: 'image.arrived',
      metadata: meta,
      data: {
        arrivalId: arrivalIdOf({ plotType: PLOT, run: runNo, chunk: i, pad: 1, imageId }),
        imageId,
        plotType: PLOT,
        run: runNo,
        chunk: i,
        pad: 1,
        arrivedAt: `2026-11-22T10:00:0${i}.000Z`,
        width: 400,
        height: 300,
        bytes: png.length,
        source: `${PLOT}-01_000${i}.png`,
      },
    });
  }
  await h.append(events);
  worker = new BackfillWorker({ log: h.log, db: h.env.database.db, blobs: h.blobs, say: () => undefined });
  await worker.start();
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

describe('hydra models backfill', () => {
  it('asks for a backfill in the user’s name and, with --wait, prints its summary', async () => {
    const seq = await lastSeq(h.log);
    const out = await hydra(
      'models',
      'backfill',
      modelId,
      '--runs',
      '800-801',
      '--user',
      'ann',
      '--wait',
      '--timeout',
      '60',
    );
    expect(out.stdout).toMatch(/requested backfill bf-FCAL_occupancy-\S+: \S+ over runs 800–801/);
    expect(out.stdout).toMatch(/^4 of 4 judged \(0 unreadable\); agrees with 0 of 0 verdicts; 4 changed$/m);
    const events = await eventsAfter(h.log, seq);
    const req = events.find((e) => e.type === 'backfill.requested');
    expect(req?.metadata.user).toBe('ann');
    expect(req?.data).toMatchObject({ modelId, runFrom: 800, runTo: 801, limit: 1000, user: 'ann' });
    expect(events.filter((e) => e.type === 'backfill.completed')).toHaveLength(1);
  });

  it('takes a time range in HYDRA_TIMEZONE, and refuses a half range or another plot type, recording nothing', async () => {
    const seq = await lastSeq(h.log);
    const times = await hydra(
      ...['models', 'backfill', modelId, '--from', '2026-11-22T10:00:01', '--to', '2026-11-22T10:00:03'],
      ...['--user', 'ann', '--wait'],
    );
    expect(times.stdout).toMatch(/^2 of 2 judged/m);
    const after = await lastSeq(h.log);
    const half = await failing('models', 'backfill', modelId, '--from', '2026-11-22', '--user', 'ann');
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('to: times need both ends');
    const other = await failing(
      'models',
      'backfill',
      modelId,
      '--plot-type',
      'CDC_occupancy',
      '--runs',
      '1-2',
      '--user',
      'ann',
    );
    expect(other.stderr).toContain(`${modelId} is a model of ${PLOT}, not of CDC_occupancy`);
    expect(await lastSeq(h.log)).toBe(after);
    expect(after).toBeGreaterThan(seq);
  });
});
