import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
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
