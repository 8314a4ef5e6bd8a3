import type { Db } from '../db/connection.ts';
import type { HydraEvent } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { AnyNewEvent, EventLog } from '../events/log.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { waitForCheckpoints, waitForStream } from '../projections/checkpoints.ts';
import { labelHistoryProjection, labelQueueProjection } from '../projections/label-queue/projection.ts';
import { labelHistoryOf, labelledInBatch, labelStepsOf, queueRowsOf } from '../projections/label-queue/queries.ts';
import {
  labelBefore,
  planApply,
  planComment,
  planRetract,
  planUndo,
  planUnsure,
  type ApplyCommand,
  type SelectionCommand,
} from './batch.ts';

/** What deciding reads (most actions): the Labeler's queue. */
const QUEUE = [labelQueueProjection.name];

export interface LabelerDeps {
  readonly log: EventLog;
  readonly db: Db;
}

/**
 * A read made once the action is decided and before it appends, given the images its events are about: the
 * answer's page (see readForView), which then needs no wait for the read models to apply the action. Read before
 * rather than while appending: the queue applies the action's first events while the rest are still being appended,
 * and a read cannot be of one checkpoint while it moves.
 */
export type ReadBeforeAppend<R> = (images: readonly string[]) => Promise<R>;

export interface BatchOutcome<R = undefined> {
  /** Events stored (a duplicate of an earlier request's is not counted). */
  readonly stored: number;
  readonly unchanged: number;
  /**
   * The events this action appended, as the stream holds them: what the answer folds over the queue as read, so
   * the labeller sees their action at once while the read models catch up (see readForView and foldOwn).
   */
  readonly events: readonly HydraEvent[];
  /** The label queue had not applied earlier label events within 5 s: the decision may not have seen them. */
  readonly behind: boolean;
  /** What the read before appending gave (undefined without one). */
  readonly read: R | undefined;
  /**
   * Where the time went, in ms: waiting for the queue to hold earlier labels, reading and deciding, the read before
   * appending, appending.
   */
  readonly timings: { readonly wait: number; readonly decide: number; readonly read?: number; readonly append: number };
}

/** How long an action waits for the read models to hold the label events before it (they normally already do). */
const CATCH_UP_MS = 5000;

/**
 * Waits until these read models hold every label event in the stream now. Deciding reads the queue (is this image
 * labelled already, and with what?): a labeller acting again on the images of their last action must see it, or a
 * second apply would store its labels twice. Usually instant: the labeller looked at the page in between.
 */
async function labelsCaughtUp(deps: LabelerDeps, readModels: readonly string[]): Promise<boolean> {
  const seq = await deps.log.lastSeqMatching(deps.log.names.filter('label'));
  const wanted = new Map(readModels.map((name) => [name, seq]));
  // Looked at every 20 ms at most: a labeller waits for this answer.
  const late = await waitForCheckpoints(deps.db, wanted, { timeoutMs: CATCH_UP_MS, maxPauseMs: 20 });
  return late.length === 0;
}

/** Waits for the queue to hold earlier labels, then reads the images' state and plans (timed). */
async function decide<P extends { events: readonly AnyNewEvent[] }>(
  deps: LabelerDeps,
  readModels: readonly string[],
  plan: () => Promise<P>,
): Promise<{ plan: P; behind: boolean; wait: number; decide: number }> {
  const t0 = performance.now();
  const caughtUp = await labelsCaughtUp(deps, readModels);
  const t1 = performance.now();
  const p = await plan();
  return { plan: p, behind: !caughtUp, wait: t1 - t0, decide: performance.now() - t1 };
}

async function append<R>(
  deps: LabelerDeps,
  d: { plan: { events: readonly AnyNewEvent[] }; behind: boolean; wait: number; decide: number },
  unchanged: number,
  readFirst: ReadBeforeAppend<R> | undefined,
): Promise<BatchOutcome<R>> {
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    return [await work(), performance.now() - t0];
  };
  const events = d.plan.events;
  const read = readFirst ? await timed(() => readFirst(imagesOf(events))) : undefined;
  const [results, appendMs] = await timed(async () => (events.length ? deps.log.appendMany(events) : []));
  return {
    stored: results.filter((r) => !r.duplicate).length,
    unchanged,
    events: results.map((r) => r.event),
    behind: d.behind,
    read: read?.[0],
    timings: { wait: d.wait, decide: d.decide, ...(read ? { read: read[1] } : {}), append: appendMs },
  };
}

/** The images an action's events are about (every label event names one). */
function imagesOf(events: readonly AnyNewEvent[]): string[] {
  return [...new Set(events.flatMap((e) => ('imageId' in e.data && e.data.imageId ? [e.data.imageId] : [])))];
}

/** Waits until label_history holds every label event in the stream now (what undo and the history panel read). */
async function historyCaughtUp(deps: LabelerDeps): Promise<void> {
  await waitForStream(deps.db, deps.log, [labelHistoryProjection], { timeoutMs: CATCH_UP_MS, maxPauseMs: 20 });
}

/** An image's label history as of now: every label event appended before this call is in it. */
export async function currentLabelHistory(deps: LabelerDeps, imageId: string) {
  await historyCaughtUp(deps);
  return labelHistoryOf(deps.db, imageId);
}

/** Labels a selection of images as one batch of `label.assigned` (see planApply), answering with what it appended. */
export async function applyLabels<R = undefined>(
  deps: LabelerDeps,
  spec: PlotTypeSpec,
  cmd: ApplyCommand,
  metadata: EventMetadata,
  readFirst?: ReadBeforeAppend<R>,
): Promise<BatchOutcome<R>> {
  const d = await decide(deps, QUEUE, async () =>
    planApply(new Map([[spec.name, spec]]), cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata),
  );
  return append(deps, d, d.plan.unchanged.length, readFirst);
}

/**
 * Undoes an apply: its labels that are still current are withdrawn, or replaced by the label they had replaced
 * (see planUndo), answering with what it appended.
 */
export async function undoBatch<R = undefined>(
  deps: LabelerDeps,
  batch: string,
  user: string,
  metadata: EventMetadata,
  readFirst?: ReadBeforeAppend<R>,
): Promise<BatchOutcome<R>> {
  // The batch's images are found in the queue, the labels it replaced in the history: both must hold it.
  const d = await decide(deps, [labelQueueProjection.name, labelHistoryProjection.name], async () => {
    const rows = await labelledInBatch(deps.db, batch);
    const steps = await labelStepsOf(
      deps.db,
      rows.map((r) => r.imageId),
    );
    const before = new Map(rows.map((r) => [r.imageId, labelBefore(steps.get(r.imageId) ?? [], batch)]));
    return planUndo(batch, user, new Map(rows.map((r) => [r.imageId, r])), before, metadata);
  });
  return append(deps, d, d.plan.unchanged.length, readFirst);
}

/** Flags a selection unsure, or clears the flag (see planUnsure), answering with what it appended. */
export async function markUnsure<R = undefined>(
  deps: LabelerDeps,
  cmd: SelectionCommand & { unsure: boolean; comment?: string },
  metadata: EventMetadata,
  readFirst?: ReadBeforeAppend<R>,
): Promise<BatchOutcome<R>> {
  const d = await decide(deps, QUEUE, async () => planUnsure(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, d.plan.unchanged.length, readFirst);
}

/** Comments on each image of a selection (see planComment), answering with what it appended. */
export async function commentOn<R = undefined>(
  deps: LabelerDeps,
  cmd: SelectionCommand & { comment: string },
  metadata: EventMetadata,
  readFirst?: ReadBeforeAppend<R>,
): Promise<BatchOutcome<R>> {
  const d = await decide(deps, QUEUE, async () => planComment(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, 0, readFirst);
}

/** The editor's withdrawal: each selected image's current label is retracted by this user (see planRetract). */
export async function retractLabels<R = undefined>(
  deps: LabelerDeps,
  cmd: SelectionCommand,
  metadata: EventMetadata,
  readFirst?: ReadBeforeAppend<R>,
): Promise<BatchOutcome<R>> {
  const d = await decide(deps, QUEUE, async () => planRetract(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, d.plan.unchanged.length, readFirst);
}
