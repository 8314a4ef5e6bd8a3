import type { HydraEvent } from '../../events/catalog.ts';
import type { ReadItem } from '../../events/log.ts';
import type { AnyProjection } from './projection.ts';

export interface Parked {
  readonly seq: number;
  readonly subject: string;
  readonly eventType: string | null;
  readonly error: string;
  readonly payload: string;
}

/** What one batch does to a projection's table: rows to write, ids to delete, events to park. */
export interface BatchPlan {
  readonly upserts: Map<string, Record<string, unknown>>;
  readonly deletes: Set<string>;
  readonly parked: Parked[];
  readonly lastSeq: number;
  readonly applied: number;
}

/** A decoded event set aside with the reason it could not be applied. */
export const parkedEvent = (e: HydraEvent, error: string): Parked => ({
  seq: e.seq,
  subject: e.subject,
  eventType: e.type,
  error,
  payload: JSON.stringify({ type: e.type, key: e.key, data: e.data }),
});

export const keysOf = (p: AnyProjection, e: HydraEvent): readonly string[] => {
  const k = p.keyOf(e);
  return k === null ? [] : typeof k === 'string' ? [k] : k;
};

/** Every row id the batch needs loaded before planning. */
export function idsNeeded(p: AnyProjection, items: readonly ReadItem[]): string[] {
  const ids = new Set<string>();
  for (const item of items) {
    if (item.ok && p.handles.includes(item.event.type)) for (const k of keysOf(p, item.event)) ids.add(k);
  }
  return [...ids];
}

/**
 * Folds a batch of events over the current rows. Pure: an event that fails to decode or whose
 * evolve throws is parked and leaves the rows as they were; the rest still apply.
 * Items at or below `checkpoint` are skipped (redelivery and replay are harmless). `throughSeq`: the last
 * sequence of the batch, events the projection does not handle included (they need no decoding).
 */
export function planBatch(
  p: AnyProjection,
  current: ReadonlyMap<string, Record<string, unknown>>,
  items: readonly ReadItem[],
  checkpoint: number,
  throughSeq = 0,
): BatchPlan {
  const state = new Map<string, Record<string, unknown> | null>();
  const touched = new Set<string>();
  const parked: Parked[] = [];
  let lastSeq = Math.max(checkpoint, throughSeq);
  let applied = 0;
  const get = (id: string) => (state.has(id) ? state.get(id)! : (current.get(id) ?? null));

  for (const item of items) {
    const seq = item.ok ? item.event.seq : item.seq;
    if (seq <= checkpoint) continue;
    lastSeq = Math.max(lastSeq, seq);
    if (!item.ok) {
      parked.push({ seq, subject: item.subject, eventType: null, error: item.error.message, payload: item.payload });
      continue;
    }
    const e = item.event;
    if (!p.handles.includes(e.type)) continue;
    try {
      const next = new Map<string, Record<string, unknown> | null>();
      for (const id of keysOf(p, e)) next.set(id, p.evolve(get(id), e, id));
      for (const [id, row] of next) {
        state.set(id, row);
        touched.add(id);
      }
      applied++;
    } catch (err) {
      parked.push(parkedEvent(e, (err as Error).message ?? String(err)));
    }
  }

  const upserts = new Map<string, Record<string, unknown>>();
  const deletes = new Set<string>();
  for (const id of touched) {
    const row = state.get(id) ?? null;
    if (row === null) {
      if (current.has(id)) deletes.add(id);
    } else {
      upserts.set(id, row);
    }
  }
  return { upserts, deletes, parked, lastSeq, applied };
}
