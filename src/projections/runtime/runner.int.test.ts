import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { arrived, meta, plotTypeSpec, randomSha } from '../../../test/support/events.ts';
import { EventLog, readItem } from '../../events/log.ts';
import { ConcurrencyConflictError, EventValidationError } from '../../events/errors.ts';
import { erase } from './projection.ts';
import { applyBatch } from './apply.ts';
import { RowStore } from './store.ts';
import { ProjectionRunner } from './runner.ts';
import { imagesProjection } from '../images/projection.ts';
import { dailyCountsProjection } from '../daily-counts/projection.ts';
import { plotTypesProjection } from '../plot-types/projection.ts';
import { mysqlTable, tinyint, varchar } from 'drizzle-orm/mysql-core';
import { defineProjection } from './projection.ts';

/** A read model whose column is narrower than the schema: the database refuses chunks over 127. */
const probeTable = mysqlTable('refusal_probe', {
  imageId: varchar('image_id', { length: 64 }).primaryKey(),
  chunk: tinyint('chunk').notNull(),
});
const probeProjection = defineProjection({
  name: 'refusal_probe',
  table: probeTable,
  idColumn: 'imageId',
  handles: ['image.arrived'],
  keyOf: (e) => (e.type === 'image.arrived' ? e.data.imageId : null),
  evolve: (_row, e) => (e.type === 'image.arrived' ? { imageId: e.data.imageId, chunk: e.data.chunk } : null),
});

let env: TestEnv;
let log: EventLog;

beforeAll(async () => {
  env = await openTestEnv('runner');
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
});
afterAll(async () => env.cleanup());

const q = async <T = RowDataPacket>(sql: string, args: unknown[] = []) =>
  (await env.database.pool.query<RowDataPacket[]>(sql, args))[0] as T[];
async function until(check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

describe('event log', () => {
  it('stores a retried publish once', async () => {
    const e = {
      type: 'plottype.defined',
      id: 'define-dedup',
      metadata: meta,
      data: plotTypeSpec('DEDUP_plot'),
    } as const;
    const first = await log.append(e);
    const again = await log.append(e);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
  });

  it('refuses a write that lost an optimistic-concurrency race', async () => {
    const base = { type: 'plottype.updated', metadata: meta, data: plotTypeSpec('RACE_plot') } as const;
    const last = await log.lastSubjectSeq('plottype.updated', 'RACE_plot');
    expect(last).toBe(0);
    const won = await log.append({ ...base, expectedLastSubjectSeq: 0 });
    await expect(log.append({ ...base, expectedLastSubjectSeq: 0 })).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(log.append({ ...base, expectedLastSubjectSeq: won.seq })).resolves.toMatchObject({ duplicate: false });
  });

  it('rejects malformed data before it reaches the stream', async () => {
    const before = (await log.streamInfo()).state.messages;
    await expect(
      log.append({ type: 'image.arrived', metadata: meta, data: { imageId: 'short' } as never }),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect((await log.streamInfo()).state.messages).toBe(before);
  });
});

describe('projection runner', () => {
  it('applies the same events delivered three times once', async () => {
    const plot = 'TRIPLE_plot';
    const ids = [randomSha(), randomSha()];
    const res = await log.appendMany(ids.map((id, i) => arrived(id, plot, i)));
    const items = [];
    for await (const item of log.read({ fromSeq: res[0]!.seq, untilSeq: res[1]!.seq })) items.push(item);
    const store = new RowStore(erase(dailyCountsProjection));
    for (let i = 0; i < 3; i++) await applyBatch(env.database.pool, store, items);
    const rows = await q<{ arrivals: number }>('SELECT arrivals FROM daily_counts WHERE plot_type = ?', [plot]);
    expect(rows).toEqual([{ arrivals: 2 }]);
  });

  it('parks a poison event and still applies the next one', async () => {
    const runner = new ProjectionRunner(env.database, log, erase(imagesProjection), { batchSize: 50 });
    await runner.start();
    try {
      const poison = await log.js.publish(`${log.names.namespace}.image.arrived.poison`, '{"not": "an envelope"');
      const good = randomSha();
      const next = await log.append(arrived(good, 'POISON_plot', 1));
      await until(async () => (await runner.lag()).checkpoint >= next.seq);
      const dead = await q<{ seq: number; error: string }>('SELECT seq, error FROM dead_letters WHERE projection = ?', [
        'images',
      ]);
      expect(dead.map((d) => d.seq)).toContain(poison.seq);
      expect(dead.find((d) => d.seq === poison.seq)?.error).toMatch(/not JSON/);
      expect(await q('SELECT image_id FROM images WHERE image_id = ?', [good])).toHaveLength(1);
      expect(runner.stats.parked).toBeGreaterThanOrEqual(1);
    } finally {
      await runner.stop();
    }
  });

  it('never decodes an event of a type it does not handle: the checkpoint only moves past it', async () => {
    // Two aggregates: the one filter is the whole stream, so other types are delivered too.
    const wide = defineProjection({
      ...probeProjection,
      name: 'wide_probe',
      table: mysqlTable('wide_probe', {
        imageId: varchar('image_id', { length: 64 }).primaryKey(),
        chunk: tinyint('chunk').notNull(),
      }),
      handles: ['image.arrived', 'news.posted'],
    });
    await q('CREATE TABLE wide_probe (image_id varchar(64) PRIMARY KEY, chunk tinyint NOT NULL)');
    const runner = new ProjectionRunner(env.database, log, erase(wide), { batchSize: 50 });
    await runner.start();
    try {
      const other = await log.js.publish(`${log.names.namespace}.label.assigned.x`, 'not even JSON');
      const good = randomSha();
      const next = await log.append(arrived(good, 'WIDE_plot', 2));
      await until(async () => (await runner.lag()).checkpoint >= next.seq);
      const dead = await q<{ seq: number }>('SELECT seq FROM dead_letters WHERE projection = ?', ['wide_probe']);
      expect(dead.map((d) => d.seq)).not.toContain(other.seq);
      expect(await q('SELECT image_id FROM wide_probe WHERE image_id = ?', [good])).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });

  it('parks an event the database refuses and applies the rest of its batch', async () => {
    await q('CREATE TABLE refusal_probe (image_id varchar(64) PRIMARY KEY, chunk tinyint NOT NULL)');
    const chunks = [1, 2, 300, 4, 5];
    const ids = chunks.map(() => randomSha());
    const res = await log.appendMany(ids.map((id, i) => ({ ...arrived(id, 'REFUSED_plot', chunks[i]) })));
    const runner = new ProjectionRunner(env.database, log, erase(probeProjection), { batchSize: 50 });
    await runner.start();
    try {
      await until(async () => (await runner.lag()).checkpoint >= res.at(-1)!.seq);
      const rows = await q<{ chunk: number }>('SELECT chunk FROM refusal_probe WHERE image_id IN (?) ORDER BY chunk', [
        ids,
      ]);
      expect(rows.map((r) => r.chunk)).toEqual([1, 2, 4, 5]);
      const dead = await q<{ seq: number; error: string; event_type: string }>(
        'SELECT seq, error, event_type FROM dead_letters WHERE projection = ? AND event_type IS NOT NULL',
        ['refusal_probe'],
      );
      expect(dead).toEqual([
        { seq: res[2]!.seq, event_type: 'image.arrived', error: expect.stringMatching(/refused.*chunk/) },
      ]);
      expect(runner.stats.parked).toBe(2); // and the undecodable one of the test before
    } finally {
      await runner.stop();
    }
  });

  it('never double counts after a crash between the row write and the ack', async () => {
    const plot = 'CRASH_plot';
    const res = await log.appendMany(Array.from({ length: 20 }, (_, i) => arrived(randomSha(), plot, i)));
    const last = res.at(-1)!.seq;
    // A batch was committed to MySQL, but the process died before acking: the messages are still pending.
    const items = [];
    for await (const m of log.read({ fromSeq: res[0]!.seq, untilSeq: res[9]!.seq })) items.push(m);
    await applyBatch(env.database.pool, new RowStore(erase(dailyCountsProjection)), items);
    const runner = new ProjectionRunner(env.database, log, erase(dailyCountsProjection));
    await runner.start();
    try {
      await until(async () => (await runner.lag()).checkpoint >= last);
      const rows = await q<{ arrivals: number }>('SELECT arrivals FROM daily_counts WHERE plot_type = ?', [plot]);
      expect(rows).toEqual([{ arrivals: 20 }]);
    } finally {
      await runner.stop();
    }
  });

  it('keeps one active runner per projection', async () => {
    const a = new ProjectionRunner(env.database, log, erase(plotTypesProjection));
    const b = new ProjectionRunner(env.database, log, erase(plotTypesProjection));
    await a.start();
    await until(async () => a.stats.active);
    await b.start();
    await new Promise((r) => setTimeout(r, 2500));
    expect(b.stats.active).toBe(false);
    await a.stop();
    await until(async () => b.stats.active, 10_000);
    await b.stop();
  });

  it('reports undecodable messages without throwing', () => {
    const item = readItem(new TextEncoder().encode('garbage'), 5, 'x.y');
    expect(item.ok).toBe(false);
  });
});
