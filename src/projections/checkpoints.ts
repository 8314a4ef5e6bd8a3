import { inArray } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/connection.ts';
import type { EventType } from '../events/catalog.ts';
import type { EventLog } from '../events/log.ts';
import type { AnyProjection } from './runtime/projection.ts';
import { projectionCheckpoints } from './runtime/tables.ts';

/**
 * The read side's clock: where each read model has got to in the stream. Everything that must see its own
 * writes in a read model (a training run after `hydra labels import`, the live Run page after a verdict)
 * waits here for the checkpoint to reach the event's sequence.
 */

export interface Checkpoint {
  readonly name: string;
  /** Last stream sequence the read model has applied. */
  readonly seq: number;
  /** Set while `hydra replay` swaps the rebuilt table in. */
  readonly paused: boolean;
  readonly updatedAt: string;
}

/** Every read model's checkpoint (those that have never run have none). */
export async function listCheckpoints(db: Db): Promise<Checkpoint[]> {
  return db.select().from(projectionCheckpoints);
}

/** The applied sequence of each named read model (0 for one that has not started). */
export async function checkpointsOf(db: Db, names: readonly string[]): Promise<Map<string, number>> {
  const out = new Map(names.map((n) => [n, 0]));
  if (names.length === 0) return out;
  const rows = await db
    .select({ name: projectionCheckpoints.name, seq: projectionCheckpoints.seq })
    .from(projectionCheckpoints)
    .where(inArray(projectionCheckpoints.name, [...names]));
  for (const r of rows) out.set(r.name, r.seq);
  return out;
}

/**
 * Reads a read model as of one checkpoint, without a transaction: the reads run side by side on the pool, between
 * two looks at the checkpoint. A read model's rows and its checkpoint commit together and every commit that changes
 * rows moves the checkpoint on, so the same checkpoint before and after means every read saw the same state.
 * Undefined when the read model moved on each of `tries` times (the caller then reads in one snapshot).
 */
export async function readAtOneCheckpoint<T>(
  db: Db,
  name: string,
  read: () => Promise<T>,
  tries = 2,
): Promise<{ checkpoint: number; value: T } | undefined> {
  for (let i = 0; i < tries; i++) {
    const before = (await checkpointsOf(db, [name])).get(name) ?? 0;
    const value = await read();
    const after = (await checkpointsOf(db, [name])).get(name) ?? 0;
    if (before === after) return { checkpoint: before, value };
  }
  return undefined;
}

/** Which read models are still short of their target sequence. Pure. */
export function behind(targets: ReadonlyMap<string, number>, at: ReadonlyMap<string, number>): string[] {
  return [...targets].filter(([name, seq]) => (at.get(name) ?? 0) < seq).map(([name]) => name);
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Gives up early (returning what is still behind) once aborted. */
  readonly signal?: AbortSignal;
  /** The longest pause between two looks (default 200 ms): short where someone watches for the answer. */
  readonly maxPauseMs?: number;
}

/**
 * Waits until every read model named in `targets` has applied at least its sequence, or the time is up.
 * Returns the ones still behind (empty: all caught up). Polls the checkpoint table, quickly at first.
 */
export async function waitForCheckpoints(
  db: Db,
  targets: ReadonlyMap<string, number>,
  opts: WaitOptions,
): Promise<string[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let pause = 5;
  for (;;) {
    const late = behind(targets, await checkpointsOf(db, [...targets.keys()]));
    if (late.length === 0 || Date.now() >= deadline || opts.signal?.aborted) return late;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, opts.maxPauseMs ?? 200);
  }
}

/** Sequence of the last event in the stream now that a read model handles (0: none yet). */
export async function lastHandledSeq(log: EventLog, handles: readonly EventType[]): Promise<number> {
  const seqs = await Promise.all(handles.map((t) => log.lastSeqMatching(log.names.filter(t))));
  return Math.max(0, ...seqs);
}

/**
 * Waits until these read models hold everything in the stream they handle as of this call. Returns the
 * names of those still behind when the time is up.
 */
export async function waitForStream(
  db: Db,
  log: EventLog,
  projections: readonly Pick<AnyProjection, 'name' | 'handles'>[],
  opts: WaitOptions,
): Promise<string[]> {
  const targets = new Map(
    await Promise.all(projections.map(async (p) => [p.name, await lastHandledSeq(log, p.handles)] as const)),
  );
  return waitForCheckpoints(db, targets, opts);
}
