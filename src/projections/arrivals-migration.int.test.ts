import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type MySqlColumn } from 'drizzle-orm/mysql-core';
import { openTestEnv, openTestLog, type TestEnv } from '../../test/support/env.ts';
import { project } from '../../test/support/projection-spec.ts';
import { meta, plotTypeSpec, shaOf } from '../../test/support/events.ts';
import { MIGRATIONS_DIR, migrateDatabase } from '../db/connection.ts';
import { arrivalIdOf } from '../events/image.ts';
import { readMatching } from '../events/query.ts';
import type { EventLog } from '../events/log.ts';
import { waitForCheckpoints } from './checkpoints.ts';
import { alarmsProjection } from './alarms/projection.ts';
import { dailyCountsProjection } from './daily-counts/projection.ts';
import { labelQueueProjection } from './label-queue/projection.ts';
import { plotStatusProjection } from './plot-status/projection.ts';
import { erase, type AnyProjection } from './runtime/projection.ts';
import { readCheckpoint, writeCheckpoint } from './runtime/checkpoints.ts';
import { Replayer } from './runtime/replay.ts';
import { ProjectionRunner } from './runtime/runner.ts';
import { runsProjection } from './runs/projection.ts';
import { verdictsProjection } from './verdicts/projection.ts';

/**
 * A site that ran before arrivals had ids: its stream holds version 1 image.arrived and inference.* events and its
 * read models the rows the projections made of them then. Migration 0011 must leave those rows as a rebuild from the
 * stream makes them now, and the same bytes arriving again afterwards (version 2) must be a new arrival.
 */
let env: TestEnv;
let log: EventLog;
let dir: string;
const projections = [
  erase(verdictsProjection),
  erase(plotStatusProjection),
  erase(labelQueueProjection),
  erase(alarmsProjection),
  erase(runsProjection),
  erase(dailyCountsProjection),
];
const P = 'CDC_occ';
const images = [shaOf('old-1'), shaOf('old-2')];
const timings = { queueMs: 1, preprocessMs: 1, modelMs: 1 };

/** Publishes an event as a version 1 writer did (no arrivalId), bypassing today's schema. */
async function publishV1(type: string, key: string, data: object, n: number): Promise<void> {
  const envelope = { id: `v1-${n}`, type, version: 1, time: `2026-11-20T10:0${n}:00.000Z`, key, data, metadata: meta };
  await log.js.publish(log.names.subject(type as never, key), JSON.stringify(envelope), { msgID: envelope.id });
}

const arrivedV1 = (imageId: string, chunk: number) => ({
  imageId,
  plotType: P,
  run: 9,
  chunk,
  pad: 1,
  arrivedAt: `2026-11-20T10:0${chunk}:00.000Z`,
  width: 8,
  height: 8,
  bytes: 10,
  source: `${P}-01_000${chunk}.png`,
});
const verdictV1 = (imageId: string, verdict: 'Good' | 'Bad') => ({
  imageId,
  plotType: P,
  modelId: 'm1',
  scores: verdict === 'Bad' ? { Good: 0.1, Bad: 0.9 } : { Good: 0.9, Bad: 0.1 },
  verdict,
  confidence: 0.9,
  confirmed: true,
  timings,
});

/** The columns 0011 and later migrations added, and what a row looked like without them. */
const added: Record<string, string[]> = {
  verdicts: ['arrivalId', 'masks'],
  plot_status: ['lastArrivalId', 'arrivalId'],
  label_queue: ['modelId'],
  alarms: ['firstArrivalId'],
};
/** The columns later migrations renamed (property: the column's old name). */
const renamed: Record<string, Record<string, string>> = {
  runs: { arrivals: 'images' },
  daily_counts: { arrivals: 'arrived' },
};
function oldShape(p: AnyProjection, row: Record<string, unknown>): Record<string, unknown> {
  const out = { ...row };
  for (const k of added[p.name] ?? []) delete out[k];
  if (p.name === 'plot_status') {
    out.streakArrivalId = null; // 0007 added the column without filling it
    out.recent = (row.recent as { arrivalId: string }[]).map(({ arrivalId: _, ...r }) => r);
  }
  return out;
}

async function insertOld(p: AnyProjection, rows: Iterable<Record<string, unknown>>): Promise<void> {
  const cols = (Object.entries(getTableColumns(p.table)) as [string, MySqlColumn][]).filter(
    ([prop]) => !(added[p.name] ?? []).includes(prop),
  );
  const values = [...rows].map((r) =>
    cols.map(([prop, col]) => {
      const v = oldShape(p, r)[prop];
      return v === null || v === undefined ? null : col.mapToDriverValue(v);
    }),
  );
  const names = cols.map(([prop, c]) => `\`${renamed[p.name]?.[prop] ?? c.name}\``).join(',');
  await env.database.pool.query(`INSERT INTO \`${getTableConfig(p.table).name}\` (${names}) VALUES ?`, [values]);
}

const stream = () => readMatching(log, log.names.all);

beforeAll(async () => {
  env = await openTestEnv('arrivals_migration', { migrate: false });
  log = await openTestLog(env);
  // The migrations as they were before 0011 (the journal lists none of 0011 and after).
  dir = await mkdtemp(path.join(os.tmpdir(), 'hydra-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  await rm(path.join(dir, '0011_arrivals.sql'));
  const journal = JSON.parse(await readFile(path.join(dir, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 11);
  await writeFile(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
  await migrate(env.database.db, { migrationsFolder: dir });
});
afterAll(async () => {
  await env.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('migration 0011 (arrivals)', () => {
  it('keeps the rows of a version 1 history as a rebuild makes them, and the same bytes later make a new arrival', async () => {
    await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec(P) });
    await publishV1('image.arrived', images[0]!, arrivedV1(images[0]!, 1), 1);
    await publishV1('inference.completed', images[0]!, verdictV1(images[0]!, 'Bad'), 2);
    await publishV1('image.arrived', images[1]!, arrivedV1(images[1]!, 2), 3);
    await publishV1('inference.completed', images[1]!, verdictV1(images[1]!, 'Bad'), 4);
    // An alarm raised before alarm.raised named its first arrival (0013 adds the column, NULL as a rebuild makes it).
    await log.append({
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId: `${P}-1`,
        plotType: P,
        detector: 'CDC',
        run: 9,
        label: 'Bad',
        confidence: 0.9,
        firstImageId: images[0]!,
        imageIds: images,
        imageCount: 2,
        raisedAt: '2026-11-20T10:04:30.000Z',
        episode: 1,
      },
    });
    const old = await stream();
    expect(old.filter((e) => e.type === 'image.arrived').map((e) => e.version)).toEqual([2, 2]); // read upcast

    // The live read models as the old code left them, checkpointed at the end of the old stream.
    const lastSeq = old.at(-1)!.seq;
    for (const p of projections) {
      await insertOld(p, project(p, old).values());
      const c = await env.database.pool.getConnection();
      try {
        await readCheckpoint(c, p.name);
        await writeCheckpoint(c, p.name, lastSeq);
      } finally {
        c.release();
      }
    }
    await migrateDatabase(env.database);
    const replayer = new Replayer(env.database.pool, log);
    for (const p of projections) expect((await replayer.verify(p)).differences, p.name).toEqual([]);

    // Version 2 from now on: the first image's bytes again, in chunk 3, are a new arrival with its own verdict.
    const where = { plotType: P, run: 9, chunk: 3, pad: 1 };
    const arrivalId = arrivalIdOf({ ...where, imageId: images[0]! });
    const arrivedAt = '2026-11-20T10:05:00.000Z';
    await log.append({
      type: 'image.arrived',
      metadata: meta,
      data: { ...arrivedV1(images[0]!, 3), arrivalId, arrivedAt },
    });
    await log.append({
      type: 'inference.completed',
      metadata: meta,
      data: { ...verdictV1(images[0]!, 'Good'), arrivalId, run: 9, chunk: 3, pad: 1, arrivedAt },
    });
    const runners = projections.map((p) => new ProjectionRunner(env.database, log, p));
    await Promise.all(runners.map((r) => r.start()));
    try {
      // Each read model catches up to the last event it follows (the alarms read model: nothing new).
      const now = await stream();
      const lastOf = (p: AnyProjection) =>
        Math.max(lastSeq, ...now.filter((e) => p.handles.includes(e.type)).map((e) => e.seq));
      const targets = new Map(projections.map((p) => [p.name, lastOf(p)]));
      expect(await waitForCheckpoints(env.database.db, targets, { timeoutMs: 30_000 })).toEqual([]);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    for (const p of projections) expect((await replayer.verify(p)).differences, p.name).toEqual([]);

    const [verdicts] = await env.database.pool.query(
      'SELECT arrival_id AS arrivalId, image_id AS imageId, chunk, outcome FROM verdicts ORDER BY chunk',
    );
    expect(verdicts).toEqual([
      { arrivalId: images[0], imageId: images[0], chunk: 1, outcome: 'Bad' },
      { arrivalId: images[1], imageId: images[1], chunk: 2, outcome: 'Bad' },
      { arrivalId, imageId: images[0], chunk: 3, outcome: 'Good' },
    ]);
    const [[tile]] = (await env.database.pool.query(
      'SELECT arrival_id AS arrivalId, chunk, streak_count AS streakCount FROM plot_status WHERE plot_type = ?',
      [P],
    )) as unknown as [Record<string, unknown>[]];
    expect(tile).toEqual({ arrivalId, chunk: 3, streakCount: 0 });
    // Counts of arrivals (0014 renamed them from images/arrived): the same bytes again counted again.
    const [runRows] = await env.database.pool.query('SELECT run, arrivals FROM runs');
    expect(runRows).toEqual([{ run: 9, arrivals: 3 }]);
    const [[day]] = (await env.database.pool.query(
      'SELECT SUM(arrivals) AS arrivals FROM daily_counts',
    )) as unknown as [Record<string, unknown>[]];
    expect(Number(day!.arrivals)).toBe(3);
    const [alarmRows] = await env.database.pool.query('SELECT first_arrival_id AS firstArrivalId FROM alarms');
    expect(alarmRows).toEqual([{ firstArrivalId: null }]);
    const [queue] = await env.database.pool.query('SELECT image_id AS imageId, model_id AS modelId FROM label_queue');
    expect(queue).toEqual(expect.arrayContaining(images.map((imageId) => ({ imageId, modelId: 'm1' }))));
  });
});
