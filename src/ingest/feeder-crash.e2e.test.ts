import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { badCorpus, tempDirs } from '../../test/support/ingest.ts';
import { meta } from '../../test/support/events.ts';
import { plotTypeSpecs, simulate } from '../../fixtures/generator/index.ts';
import { EventLog } from '../events/log.ts';

let env: TestEnv;
let log: EventLog;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
const root = path.resolve(import.meta.dirname, '../..');

function startFeeder(): ChildProcess {
  return spawn(process.execPath, [path.join(root, 'bin/hydra.js'), 'worker', 'ingest'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NATS_URL: env.config.NATS_URL,
      DATABASE_URL: env.config.DATABASE_URL,
      HYDRA_NAMESPACE: env.config.HYDRA_NAMESPACE,
      HYDRA_INBOX: dirs.inbox,
      HYDRA_VAR_DIR: dirs.root,
      HYDRA_INGEST_GRACE_MS: '300',
      HYDRA_INGEST_CONCURRENCY: '8',
    },
  });
}
const pngsIn = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name !== 'run.json')
    .length;
/** Resolves once the worker says it watches the inbox: from then on it is taking files. */
const watching = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ingest: watching')) resolve();
    });
    child.once('exit', () => resolve());
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  env = await openTestEnv('crash');
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  await log.appendMany(
    plotTypeSpecs().map(
      (s) => ({ type: 'plottype.defined', metadata: meta, data: { ...s, collectPercent: 30 } }) as const,
    ),
  );
  dirs = await tempDirs('crash');
});
afterAll(async () => env.cleanup());

describe('feeder crash safety', () => {
  it('ingests or rejects every file exactly once when killed -9 again and again', async () => {
    const sim = await simulate({ inbox: dirs.inbox, run: 4242, chunks: 40, interval: 0, width: 320, height: 240 });
    const corpus = await badCorpus(path.join(dirs.inbox, 'junk'));
    const total = sim.images + corpus.length;
    let kills = 0;
    const leftAfterKill: number[] = [];
    // Kill it at varying moments: before it is up, while it is busy, mid-file.
    for (const after of [150, 400, 700, 1000, 1300, 1600]) {
      const child = startFeeder();
      await watching(child);
      await sleep(after);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      leftAfterKill.push(await pngsIn(dirs.inbox));
    }
    // At least one kill landed mid-stream: some files taken, some not.
    expect(
      leftAfterKill.some((n) => n > 0 && n < total),
      JSON.stringify(leftAfterKill),
    ).toBe(true);
    const child = startFeeder();
    const deadline = Date.now() + 60_000;
    while ((await pngsIn(dirs.inbox)) > 0 && Date.now() < deadline) await sleep(200);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(await pngsIn(dirs.inbox)).toBe(0);

    const arrived = new Map<string, number>();
    const rejected = new Map<string, number>();
    const sampled = new Map<string, number>();
    for await (const item of log.read()) {
      if (!item.ok) continue;
      const e = item.event;
      if (e.type === 'image.arrived') arrived.set(e.data.imageId, (arrived.get(e.data.imageId) ?? 0) + 1);
      if (e.type === 'image.rejected') rejected.set(e.data.source, (rejected.get(e.data.source) ?? 0) + 1);
      if (e.type === 'image.sampled') sampled.set(e.data.imageId, (sampled.get(e.data.imageId) ?? 0) + 1);
    }
    expect(kills).toBe(6);
    expect(arrived.size).toBe(sim.images);
    expect([...arrived.values()].every((n) => n === 1)).toBe(true);
    expect(rejected.size).toBe(corpus.length);
    expect([...rejected.values()].every((n) => n === 1)).toBe(true);
    expect([...sampled.values()].every((n) => n === 1)).toBe(true);
    expect(arrived.size + rejected.size).toBe(total);
  }, 180_000);
});
