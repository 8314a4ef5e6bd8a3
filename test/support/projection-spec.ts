import { expect } from 'vitest';
import {
  definitionOf,
  validateData,
  type EventInput,
  type EventType,
  type HydraEvent,
} from '../../src/events/catalog.ts';
import { planBatch } from '../../src/projections/runtime/plan.ts';
import { erase, type Projection } from '../../src/projections/runtime/projection.ts';
import type { ReadItem } from '../../src/events/log.ts';
import type { MySqlTable } from 'drizzle-orm/mysql-core';

/** Builds stored events with consecutive sequences and times a second apart (or given ones). */
export function eventStream(start = '2026-11-26T10:00:00.000Z') {
  let seq = 0;
  let t = Date.parse(start);
  return function stored<T extends EventType>(
    type: T,
    data: EventInput<T>,
    opts: { time?: string; user?: string } = {},
  ): HydraEvent {
    const def = definitionOf(type);
    const valid = validateData(type, data);
    seq += 1;
    const time = opts.time ?? new Date(t).toISOString();
    t = Math.max(t, Date.parse(time)) + 1000;
    const key = def.key(valid as never);
    return {
      id: `e${seq}`,
      type,
      version: def.version,
      time,
      key,
      data: valid,
      metadata: { correlationId: 'spec', producer: 'spec', ...(opts.user ? { user: opts.user } : {}) },
      seq,
      subject: `spec.${type}.${key}`,
    } as HydraEvent;
  };
}

const items = (events: readonly HydraEvent[]): ReadItem[] => events.map((event) => ({ ok: true, event }));

/**
 * Folds events through a projection the way the runner does, and proves the result does not depend
 * on batching and that feeding the same events again (a redelivery) changes nothing. Returns the rows.
 */
export function project<T extends MySqlTable>(
  projection: Projection<T>,
  events: readonly HydraEvent[],
): Map<string, T['$inferSelect']> {
  const p = erase(projection);
  const once = planBatch(p, new Map(), items(events), 0);
  expect(once.parked).toEqual([]);
  const rows = new Map(once.upserts);

  // One event per batch: the rows read back between batches are the rows written before.
  const stepwise = new Map<string, Record<string, unknown>>();
  let checkpoint = 0;
  for (const e of events) {
    const plan = planBatch(p, stepwise, items([e]), checkpoint);
    for (const [id, row] of plan.upserts) stepwise.set(id, structuredClone(row));
    for (const id of plan.deletes) stepwise.delete(id);
    checkpoint = plan.lastSeq;
  }
  expect(stepwise).toEqual(rows);

  // Twice: everything at or below the checkpoint is skipped.
  const again = planBatch(p, rows, items(events), once.lastSeq);
  expect(again.upserts.size + again.deletes.size).toBe(0);
  return rows as Map<string, T['$inferSelect']>;
}
