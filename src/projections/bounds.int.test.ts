import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, type EventType, type HydraEvent } from '../events/catalog.ts';
import type { ReadItem } from '../events/log.ts';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { extremeData, type Extreme } from '../../test/support/extremes.ts';
import { mixedHistory } from '../../test/support/events.ts';
import { eventStream } from '../../test/support/projection-spec.ts';
import { allProjections } from './index.ts';
import { applyOrPark } from './runtime/apply.ts';
import { RowStore } from './runtime/store.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await openTestEnv('bounds');
});
afterAll(async () => env.cleanup());

const items = (events: readonly HydraEvent[]): ReadItem[] => events.map((event) => ({ ok: true, event }));

/**
 * The property behind "a poison event never stops a read model": for every event type, data at the
 * edges its schema allows is applied by every projection that handles it, in the real database, and
 * is stored (a bound the schema accepts is one every table can hold: the database refuses nothing)
 * or, where `evolve` itself refuses it, parked; and the ordinary events after it still apply.
 */
describe('every bound an event schema accepts is one every read model can hold', () => {
  it('stores the largest and smallest values of every event type in every projection, then the next events', async () => {
    const stored = eventStream('2026-11-20T00:00:00.000Z');
    const edges: HydraEvent[] = [];
    for (const mode of ['max', 'min'] as Extreme[])
      for (const def of catalog) edges.push(stored(def.type, extremeData(def.type, mode) as never));
    const ordinary = mixedHistory(120, 3).map((e) => stored(e.type as EventType, e.data as never));

    const refused: string[] = [];
    const evolveRefused: string[] = [];
    for (const p of allProjections) {
      const store = new RowStore(p);
      const handled = edges.filter((e) => p.handles.includes(e.type));
      const plan = await applyOrPark(env.database.pool, store, items(edges));
      expect(plan.applied + plan.parked.length, p.name).toBe(handled.length);
      for (const x of plan.parked) {
        const line = `${p.name} ← ${x.eventType}: ${x.error}`;
        (x.error.startsWith('the database refused') ? refused : evolveRefused).push(line);
      }
      const next = await applyOrPark(env.database.pool, store, items(ordinary));
      expect(next.parked, p.name).toEqual([]);
      expect(next.lastSeq, p.name).toBe(ordinary.at(-1)!.seq);
    }
    if (evolveRefused.length > 0) console.info(`refused by evolve (allowed):\n${evolveRefused.join('\n')}`);
    expect(refused).toEqual([]);
  });
});
