import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { mixedHistory, arrived, randomSha } from '../../../test/support/events.ts';
import { EventLog } from '../../events/log.ts';
import { waitForCheckpoints } from '../checkpoints.ts';
import { allProjections } from '../index.ts';
import { ProjectionRunner } from './runner.ts';
import { Replayer } from './replay.ts';

let env: TestEnv;
let log: EventLog;
let runners: ProjectionRunner[];

beforeAll(async () => {
  env = await openTestEnv('replay');
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  const history = mixedHistory(10_500, 7);
  for (let i = 0; i < history.length; i += 1000) await log.appendMany(history.slice(i, i + 1000));
  runners = allProjections.map((p) => new ProjectionRunner(env.database, log, p));
  await Promise.all(runners.map((r) => r.start()));
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const lags = await Promise.all(runners.map((r) => r.lag()));
    if (lags.every((l) => l.pending === 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await env.cleanup();
});

const count = async (table: string) =>
  Number(
    ((await env.database.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}\``))[0][0] as { n: number })
      .n,
  );

describe('replay', () => {
  it('rebuilds every projection from sequence 1 to exactly the live rows after 10,000 mixed events', async () => {
    const progress: number[] = [];
    const replayer = new Replayer(env.database.pool, log, (p) => progress.push(p.events));
    expect((await log.streamInfo()).state.messages).toBeGreaterThanOrEqual(10_500);
    for (const p of allProjections) {
      const result = await replayer.verify(p);
      expect(result.differences, p.name).toEqual([]);
      if (!['models', 'alarms', 'news'].includes(p.name)) expect(result.rows, p.name).toBeGreaterThan(0);
    }
    expect(progress.length).toBeGreaterThan(5);
  });

  it('finds a row that differs from what the history says', async () => {
    await env.database.pool.query('UPDATE daily_counts SET arrivals = arrivals + 1 ORDER BY id LIMIT 1');
    const result = await new Replayer(env.database.pool, log).verify(
      allProjections.find((p) => p.name === 'daily_counts')!,
    );
    expect(result.differences).toHaveLength(1);
    expect(result.differences[0]!.live).not.toEqual(result.differences[0]!.rebuilt);
  });

  it('switches to rebuilt tables while the live runner keeps going', async () => {
    const daily = allProjections.find((p) => p.name === 'daily_counts')!;
    const before = await count('daily_counts');
    const result = await new Replayer(env.database.pool, log).rebuildAndSwitch(daily);
    expect(result.rows).toBe(before);
    // The corrupted row is gone, and the live runner carries on from the swapped checkpoint.
    expect((await new Replayer(env.database.pool, log).verify(daily)).differences).toEqual([]);
    const next = await log.append(arrived(randomSha(), 'AFTER_swap', 1));
    expect(
      await waitForCheckpoints(env.database.db, new Map([['daily_counts', next.seq]]), { timeoutMs: 20_000 }),
    ).toEqual([]);
    const [rows] = await env.database.pool.query<RowDataPacket[]>(
      'SELECT arrivals FROM daily_counts WHERE plot_type = ?',
      ['AFTER_swap'],
    );
    expect(rows.map((r) => r.arrivals)).toEqual([1]);
  });
});
