import type { Pool } from 'mysql2/promise';
import type { ReadItem } from '../../events/log.ts';
import { parkAll, readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { idsNeeded, parkedEvent, planBatch, type BatchPlan } from './plan.ts';
import type { AnyProjection } from './projection.ts';
import { isRefusal, refusalMessage } from './refusal.ts';
import type { RowStore } from './store.ts';

export class ProjectionPausedError extends Error {
  override readonly name = 'ProjectionPausedError';
  readonly code = 'HYDRA_PROJECTION_PAUSED';
  constructor(readonly projection: string) {
    super(`projection ${projection} is paused (a replay is swapping its tables)`);
  }
}

export interface ApplyOptions {
  readonly checkpointName?: string;
  readonly respectPause?: boolean;
  /**
   * The batch also holds events up to this sequence of types the projection does not handle, left undecoded:
   * the checkpoint moves past them.
   */
  readonly throughSeq?: number;
}

/**
 * Applies a batch; when the database refuses it for something in the events themselves, splits it
 * in halves until the refused events stand alone, and parks each of those in `dead_letters` with
 * the refusal, so one poison event never stops a read model. Anything else (connection lost, a
 * deadlock, a paused projection) is thrown for the caller to retry from its checkpoint.
 */
export async function applyOrPark(
  pool: Pool,
  store: RowStore,
  items: readonly ReadItem[],
  opts: ApplyOptions = {},
): Promise<BatchPlan> {
  try {
    return await applyBatch(pool, store, items, opts);
  } catch (err) {
    if (!isRefusal(err)) throw err;
    if (items.length === 1) return applyBatch(pool, store, items, { ...opts, refused: refusalMessage(err) });
    const mid = Math.ceil(items.length / 2);
    // Only the second half may move the checkpoint past the events left undecoded.
    const first = await applyOrPark(pool, store, items.slice(0, mid), { ...opts, throughSeq: undefined });
    const second = await applyOrPark(pool, store, items.slice(mid), opts);
    return {
      upserts: new Map([...first.upserts, ...second.upserts]),
      deletes: new Set([...first.deletes, ...second.deletes]),
      parked: [...first.parked, ...second.parked],
      lastSeq: Math.max(first.lastSeq, second.lastSeq),
      applied: first.applied + second.applied,
    };
  }
}

/**
 * Applies a batch in ONE transaction: lock the checkpoint, load the touched rows, plan, write rows,
 * dead letters and the new checkpoint. A crash anywhere leaves either all of it or none of it.
 * `refused`: park every fresh event the projection handles with this reason instead of writing its rows.
 */
export async function applyBatch(
  pool: Pool,
  store: RowStore,
  items: readonly ReadItem[],
  opts: ApplyOptions & { refused?: string } = {},
): Promise<BatchPlan> {
  const name = opts.checkpointName ?? store.projection.name;
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const cp = await readCheckpoint(conn, name, true);
    if (cp.paused && opts.respectPause !== false) throw new ProjectionPausedError(name);
    const fresh = items.filter((i) => (i.ok ? i.event.seq : i.seq) > cp.seq);
    const current = await store.load(conn, idsNeeded(store.projection, fresh));
    const planned = planBatch(store.projection, current, fresh, cp.seq, opts.throughSeq);
    const plan = opts.refused === undefined ? planned : refusedPlan(store.projection, planned, fresh, opts.refused);
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

/** The plan that stores nothing and parks the events whose rows the database refused. */
function refusedPlan(p: AnyProjection, planned: BatchPlan, fresh: readonly ReadItem[], reason: string): BatchPlan {
  const already = new Set(planned.parked.map((x) => x.seq));
  const refused = fresh.flatMap((i) =>
    i.ok && p.handles.includes(i.event.type) && !already.has(i.event.seq) ? [parkedEvent(i.event, reason)] : [],
  );
  return {
    upserts: new Map(),
    deletes: new Set(),
    parked: [...planned.parked, ...refused],
    lastSeq: planned.lastSeq,
    applied: 0,
  };
}
