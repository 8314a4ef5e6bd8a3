import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { isRefusal } from './refusal.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await openTestEnv('refusal');
  await env.database.pool.query(
    'CREATE TABLE probe (id int PRIMARY KEY, small tinyint, name varchar(4), at datetime(3), n int NOT NULL DEFAULT 0)',
  );
  await env.database.pool.query('INSERT INTO probe (id) VALUES (1)');
});
afterAll(async () => env.cleanup());

/** The error MariaDB really gives for a statement. */
async function errorOf(sql: string, args: unknown[] = []): Promise<unknown> {
  return env.database.pool.query(sql, args).then(
    () => new Error(`expected ${sql} to fail`),
    (err: unknown) => err,
  );
}

describe('what counts as the events fault', () => {
  it('refusals: values out of range, too long, not a date, a duplicate key, a null in a NOT NULL column', async () => {
    for (const [sql, args] of [
      ['INSERT INTO probe (id, small) VALUES (2, ?)', [300]],
      ['INSERT INTO probe (id, name) VALUES (3, ?)', ['too long']],
      ['INSERT INTO probe (id, at) VALUES (4, ?)', ['2024-13-45 00:00:00']],
      ['INSERT INTO probe (id) VALUES (?)', [1]],
      ['INSERT INTO probe (id, n) VALUES (5, ?)', [null]],
      ['INSERT INTO probe (id) VALUES (?)', [2_147_483_648]],
    ] as const) {
      const err = await errorOf(sql, [...args]);
      expect(isRefusal(err), `${sql} ${String(err)}`).toBe(true);
    }
    expect(isRefusal(new RangeError('Invalid time value'))).toBe(true);
  });

  it('not refusals: a missing table or column, a killed connection, a closed pool, a paused projection', async () => {
    expect(isRefusal(await errorOf('INSERT INTO nowhere (id) VALUES (1)'))).toBe(false);
    expect(isRefusal(await errorOf('INSERT INTO probe (nope) VALUES (1)'))).toBe(false);
    const victim = await env.database.pool.getConnection();
    const [[row]] = (await victim.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    await env.database.pool.query(`KILL ${row.id}`);
    const killed = await victim.query('SELECT 1').then(
      () => null,
      (err: unknown) => err,
    );
    victim.destroy();
    expect(killed).not.toBeNull();
    expect(isRefusal(killed)).toBe(false);
    expect(isRefusal(new Error('Pool is closed.'))).toBe(false);
    expect(isRefusal(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  });
});
