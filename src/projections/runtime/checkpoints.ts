import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Parked } from './plan.ts';

const now = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

export interface CheckpointRow {
  readonly seq: number;
  readonly paused: boolean;
}

/** Reads (creating if missing) a projection's checkpoint; `forUpdate` locks it for the transaction. */
export async function readCheckpoint(conn: PoolConnection, name: string, forUpdate = false): Promise<CheckpointRow> {
  await conn.query('INSERT IGNORE INTO projection_checkpoints (name, seq, paused, updated_at) VALUES (?, 0, 0, ?)', [
    name,
    now(),
  ]);
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT seq, paused FROM projection_checkpoints WHERE name = ?${forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  const r = rows[0];
  return { seq: Number(r?.seq ?? 0), paused: Boolean(r?.paused) };
}

export async function writeCheckpoint(
  conn: PoolConnection,
  name: string,
  seq: number,
  paused?: boolean,
): Promise<void> {
  if (paused === undefined) {
    await conn.query('UPDATE projection_checkpoints SET seq = ?, updated_at = ? WHERE name = ?', [seq, now(), name]);
  } else {
    await conn.query('UPDATE projection_checkpoints SET seq = ?, paused = ?, updated_at = ? WHERE name = ?', [
      seq,
      paused,
      now(),
      name,
    ]);
  }
}

export async function setPaused(conn: PoolConnection, name: string, paused: boolean): Promise<void> {
  await conn.query('UPDATE projection_checkpoints SET paused = ?, updated_at = ? WHERE name = ?', [
    paused,
    now(),
    name,
  ]);
}

export async function parkAll(conn: PoolConnection, projection: string, parked: readonly Parked[]): Promise<void> {
  if (parked.length === 0) return;
  await conn.query(
    'INSERT IGNORE INTO dead_letters (projection, seq, subject, event_type, error, payload, parked_at) VALUES ?',
    [
      parked.map((p) => [
        projection,
        p.seq,
        p.subject.slice(0, 400),
        p.eventType,
        p.error.slice(0, 60000),
        p.payload,
        now(),
      ]),
    ],
  );
}

/**
 * Waits until each named read model's checkpoint has reached its sequence (an event it must have applied
 * before a page may read it). True when they all did, false after `timeoutMs` or once `stopped()` says so.
 */
export async function waitForCheckpoints(
  pool: Pool,
  needs: ReadonlyMap<string, number>,
  opts: { timeoutMs: number; clock?: () => number; stopped?: () => boolean },
): Promise<boolean> {
  if (needs.size === 0) return true;
  const clock = opts.clock ?? Date.now;
  const end = clock() + opts.timeoutMs;
  while (!opts.stopped?.()) {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT name, seq FROM projection_checkpoints WHERE name IN (?)', [
      [...needs.keys()],
    ]);
    const at = new Map(rows.map((r) => [String(r.name), Number(r.seq)]));
    if ([...needs].every(([name, seq]) => (at.get(name) ?? 0) >= seq)) return true;
    if (clock() > end) return false;
    await sleep(15);
  }
  return false;
}
