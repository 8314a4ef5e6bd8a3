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

export interface BatchOutcome {
  /** Events stored (a duplicate of an earlier request's is not counted). */
  readonly stored: number;
  readonly unchanged: number;
  /**
   * The events this action appended, as the stream holds them: what the answer folds over the queue as read, so
   * the labeller sees their action at once while the read models catch up (see queueViewAfter).
   */
  readonly events: readonly HydraEvent[];
  /** The label queue had not applied earlier label events within 5 s: the decision may not have seen them. */
  readonly behind: boolean;
  /** Where the time went, in ms: waiting for the queue to hold earlier labels, reading and deciding, appending. */
  readonly timings: { readonly wait: number; readonly decide: number; readonly append: number };
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

async function append(
  deps: LabelerDeps,
  d: { plan: { events: readonly AnyNewEvent[] }; behind: boolean; wait: number; decide: number },
  unchanged: number,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const results = d.plan.events.length ? await deps.log.appendMany(d.plan.events) : [];
  return {
    stored: results.filter((r) => !r.duplicate).length,
    unchanged,
    events: results.map((r) => r.event),
    behind: d.behind,
    timings: { wait: d.wait, decide: d.decide, append: performance.now() - t0 },
  };
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
export async function applyLabels(
  deps: LabelerDeps,
  spec: PlotTypeSpec,
  cmd: ApplyCommand,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const d = await decide(deps, QUEUE, async () =>
    planApply(new Map([[spec.name, spec]]), cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata),
  );
  return append(deps, d, d.plan.unchanged.length);
}

/**
 * Undoes an apply: its labels that are still current are withdrawn, or replaced by the label they had replaced
 * (see planUndo), answering with what it appended.
 */
export async function undoBatch(
  deps: LabelerDeps,
  batch: string,
  user: string,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
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
  return append(deps, d, d.plan.unchanged.length);
}

/** Flags a selection unsure, or clears the flag (see planUnsure), answering with what it appended. */
export async function markUnsure(
  deps: LabelerDeps,
  cmd: SelectionCommand & { unsure: boolean; comment?: string },
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const d = await decide(deps, QUEUE, async () => planUnsure(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, d.plan.unchanged.length);
}

/** Comments on each image of a selection (see planComment), answering with what it appended. */
export async function commentOn(
  deps: LabelerDeps,
  cmd: SelectionCommand & { comment: string },
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const d = await decide(deps, QUEUE, async () => planComment(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, 0);
}

/** The editor's withdrawal: each selected image's current label is retracted by this user (see planRetract). */
export async function retractLabels(
  deps: LabelerDeps,
  cmd: SelectionCommand,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const d = await decide(deps, QUEUE, async () => planRetract(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata));
  return append(deps, d, d.plan.unchanged.length);
}
