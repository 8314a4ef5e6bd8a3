import type { Pool } from 'mysql2/promise';
import type { ReadItem } from '../../events/log.ts';
import { parkAll, readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { idsNeeded, planBatch, type BatchPlan } from './plan.ts';
import type { RowStore } from './store.ts';

export class ProjectionPausedError extends Error {
  override readonly name = 'ProjectionPausedError';
  readonly code = 'HYDRA_PROJECTION_PAUSED';
  constructor(readonly projection: string) {
    super(`projection ${projection} is paused (a replay is swapping its tables)`);
  }
}

/**
 * Applies a batch in ONE transaction: lock the checkpoint, load the touched rows, plan, write rows,
 * dead letters and the new checkpoint. A crash anywhere leaves either all of it or none of it.
 */
export async function applyBatch(
  pool: Pool,
  store: RowStore,
  items: readonly ReadItem[],
  opts: { checkpointName?: string; respectPause?: boolean } = {},
): Promise<BatchPlan> {
  const name = opts.checkpointName ?? store.projection.name;
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const cp = await readCheckpoint(conn, name, true);
    if (cp.paused && opts.respectPause !== false) throw new ProjectionPausedError(name);
    const fresh = items.filter((i) => (i.ok ? i.event.seq : i.seq) > cp.seq);
    const current = await store.load(conn, idsNeeded(store.projection, fresh));
    const plan = planBatch(store.projection, current, fresh, cp.seq);
    await store.write(conn, plan);
    await parkAll(conn, store.projection.name, plan.parked);
    if (plan.lastSeq > cp.seq) await writeCheckpoint(conn, name, plan.lastSeq);
    await conn.commit();
    return plan;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
