import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { mixedHistory } from '../../../test/support/events.ts';
import { eventStream } from '../../../test/support/projection-spec.ts';
import type { HydraEvent } from '../../events/catalog.ts';
import { applyBatch } from '../runtime/apply.ts';
import { erase } from '../runtime/projection.ts';
import { RowStore } from '../runtime/store.ts';
import { labelQueueProjection } from './projection.ts';
import {
  foldOwn,
  inOrder,
  matchesFilter,
  queueMatching,
  queuePage,
  queueView,
  readForView,
  type QueueFilter,
} from './queries.ts';
import { labelQueue, type LabelQueueRow } from './table.ts';

/**
 * The Labeler answers an action from the queue as read at its checkpoint with the action's own events folded over
 * it (readForView, then foldOwn). That is only right if the fold sees what SQL sees: the filter in memory must select and
 * order exactly as the SQL does, and the answer must equal the view once the queue has caught up.
 */
let env: TestEnv;
const store = new RowStore(erase(labelQueueProjection));
const stored = eventStream('2026-11-20T10:00:00.000Z');
const handled = new Set<string>(labelQueueProjection.handles);
let rows: LabelQueueRow[] = [];

/** The view an action's answer shows: read as of one checkpoint (side by side, or in one snapshot), then folded. */
const viewAfter = async (f: QueueFilter, own: readonly HydraEvent[], quickTries?: number) => {
  const images = [...new Set(own.flatMap((e) => ('imageId' in e.data && e.data.imageId ? [e.data.imageId] : [])))];
  return foldOwn(f, await readForView(env.database.db, f, images, { quickTries }), own);
};

const apply = (events: readonly HydraEvent[]) =>
  applyBatch(
    env.database.pool,
    store,
    events.map((event) => ({ ok: true as const, event })),
  );

beforeAll(async () => {
  env = await openTestEnv('label_queue_queries');
  const base = mixedHistory(1500, 11)
    .filter((e) => handled.has(e.type))
    .map((e) => stored(e.type, e.data as never, { user: 'expert' }));
  await apply(base);
  rows = await env.database.db.select().from(labelQueue);
});

afterAll(async () => {
  await env?.cleanup();
});

const base: QueueFilter = { plotType: 'CDC_occupancy', queue: 'all', labelled: 'any', order: 'newest', limit: 20 };

/** Views that exercise every condition: queues, whose labels, order, runs, times, verdicts, labels, the cursor. */
function filters(): QueueFilter[] {
  const cdc = rows.filter((r) => r.plotType === 'CDC_occupancy').sort((a, b) => inOrder('newest', a, b));
  const mid = cdc[Math.floor(cdc.length / 2)]!;
  const cursor = { at: mid.at, imageId: mid.imageId };
  const out: QueueFilter[] = [];
  for (const queue of ['unbiased', 'bad', 'unconfirmed', 'unsure', 'all'] as const)
    for (const labelled of ['unlabelled', 'labelled', 'any'] as const)
      for (const order of ['newest', 'oldest'] as const) out.push({ ...base, queue, labelled, order });
  out.push(
    { ...base, plotType: 'FCAL_occupancy' },
    { ...base, runFrom: 1002, runTo: 1004 },
    { ...base, runFrom: 1005 },
    { ...base, from: '2026-11-11T00:00:00.000Z', to: '2026-11-13T03:00:00.000Z' },
    { ...base, to: '2026-11-12T00:00:00.000Z', order: 'oldest' },
    { ...base, verdict: 'Bad' },
    { ...base, verdict: '(unconfirmed)' },
    { ...base, label: '(none)' },
    { ...base, label: 'Good', queue: 'bad' },
    { ...base, after: cursor },
    { ...base, after: cursor, order: 'oldest' },
    { ...base, labelled: 'unlabelled', after: cursor },
  );
  return out;
}

describe("the Labeler's view in memory and in SQL", () => {
  it('selects and orders the same images for every kind of filter', async () => {
    const db = env.database.db;
    expect(rows.length).toBeGreaterThan(200);
    // Arrival times are shared by many images: the order's tie-break on the image id matters.
    expect(new Set(rows.map((r) => r.at)).size).toBeLessThan(rows.length / 2);
    for (const f of filters()) {
      const all = { ...f, limit: 100_000 };
      const inSql = (await queuePage(db, all)).rows.map((r) => r.imageId);
      const inMemory = rows
        .filter((r) => matchesFilter(f, r))
        .sort((a, b) => inOrder(f.order, a, b))
        .map((r) => r.imageId);
      expect(inMemory, JSON.stringify(f)).toEqual(inSql);
      expect(rows.filter((r) => matchesFilter(f, r, false)).length).toBe(await queueMatching(db, f));
    }
  });

  it("answers an action's view before the queue holds it as the queue shows it once it does", async () => {
    const db = env.database.db;
    const cdc = rows.filter((r) => r.plotType === 'CDC_occupancy').sort((a, b) => inOrder('newest', a, b));
    // The first page's unlabelled images, some further down, one labelled one: labels, a withdrawal, doubts.
    const unlabelled = cdc.filter((r) => !r.labelled);
    const labelled = cdc.filter((r) => r.labelled);
    expect(unlabelled.length).toBeGreaterThan(40);
    const batch = randomUUID();
    const own: HydraEvent[] = [
      ...unlabelled
        .slice(0, 25)
        .map((r) =>
          stored('label.assigned', { imageId: r.imageId, plotType: r.plotType, label: 'Good', user: 'ann', batch }),
        ),
      ...unlabelled
        .slice(30, 34)
        .map((r) => stored('label.assigned', { imageId: r.imageId, plotType: r.plotType, label: 'Bad', user: 'ann' })),
      stored('label.retracted', {
        imageId: labelled[0]!.imageId,
        plotType: 'CDC_occupancy',
        label: labelled[0]!.label!,
        user: 'ann',
      }),
      ...unlabelled
        .slice(40, 43)
        .map((r) => stored('label.unsure-flagged', { imageId: r.imageId, plotType: r.plotType, user: 'ann' })),
      stored('label.commented', {
        imageId: unlabelled[44]!.imageId,
        plotType: 'CDC_occupancy',
        comment: 'look again',
        user: 'ann',
      }),
    ];
    const views = filters().flatMap((f) => [f, { ...f, limit: 5 }]);
    const before = await Promise.all(views.map((f) => queueView(db, f)));
    const answered = await Promise.all(views.map((f) => viewAfter(f, own)));
    // Half of the events applied: the view is read at a checkpoint inside the action.
    await apply(own.slice(0, 20));
    const halfway = await Promise.all(views.map((f) => viewAfter(f, own)));
    const halfwaySnapshot = await Promise.all(views.map((f) => viewAfter(f, own, 0)));
    await apply(own.slice(20));
    const caughtUp = await Promise.all(views.map((f) => queueView(db, f)));
    views.forEach((f, i) => {
      const label = JSON.stringify(f);
      expect(answered[i], label).toEqual(caughtUp[i]);
      expect(halfway[i], label).toEqual(caughtUp[i]);
      expect(halfwaySnapshot[i], label).toEqual(caughtUp[i]);
    });
    // The action changed what the views show (else the comparison proves nothing).
    expect(views.filter((_, i) => JSON.stringify(before[i]) !== JSON.stringify(caughtUp[i])).length).toBeGreaterThan(
      views.length / 3,
    );
    // Caught up, its own events change nothing more.
    expect(await viewAfter(views[0]!, own)).toEqual(caughtUp[0]);
  });
});
