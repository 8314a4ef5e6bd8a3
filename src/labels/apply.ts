import type { Db } from '../db/connection.ts';
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

export interface LabelerDeps {
  readonly log: EventLog;
  readonly db: Db;
}

export interface BatchOutcome {
  /** Events stored (a duplicate of an earlier request's is not counted). */
  readonly stored: number;
  readonly unchanged: number;
  /** Whether the queues already show the change (false: the read model was still catching up after 5 s). */
  readonly shown: boolean;
  /** Where the time went, in ms: reading the images' state and deciding, appending, waiting for the queues. */
  readonly timings: { readonly decide: number; readonly append: number; readonly show: number };
}

/** How long an apply waits for the queues to show it, so the next page the labeller sees leaves those images out. */
const SHOW_WAIT_MS = 5000;

async function appendAndShow(
  deps: LabelerDeps,
  events: readonly AnyNewEvent[],
  unchanged: number,
  t0: number,
): Promise<BatchOutcome> {
  const t1 = performance.now();
  if (events.length === 0)
    return { stored: 0, unchanged, shown: true, timings: { decide: t1 - t0, append: 0, show: 0 } };
  const results = await deps.log.appendMany(events);
  const t2 = performance.now();
  const seq = Math.max(...results.map((r) => r.seq));
  // The queue alone: that is what the next page shows. Readers of the history (undo, the history panel) wait for
  // it themselves (historyCaughtUp), so a labeller's every apply does not wait for a second read model.
  const wanted = new Map([[labelQueueProjection.name, seq]]);
  // Looked at every 20 ms at most: a labeller waits for this answer (a 200 ms pause would often be half the wait).
  const late = await waitForCheckpoints(deps.db, wanted, { timeoutMs: SHOW_WAIT_MS, maxPauseMs: 20 });
  const timings = { decide: t1 - t0, append: t2 - t1, show: performance.now() - t2 };
  return { stored: results.filter((r) => !r.duplicate).length, unchanged, shown: late.length === 0, timings };
}

/** Waits until label_history holds every label event in the stream now (what undo and the history panel read). */
async function historyCaughtUp(deps: LabelerDeps): Promise<void> {
  await waitForStream(deps.db, deps.log, [labelHistoryProjection], { timeoutMs: SHOW_WAIT_MS, maxPauseMs: 20 });
}

/** An image's label history as of now: every label event appended before this call is in it. */
export async function currentLabelHistory(deps: LabelerDeps, imageId: string) {
  await historyCaughtUp(deps);
  return labelHistoryOf(deps.db, imageId);
}

/** Labels a selection of images as one batch of `label.assigned` (see planApply), then waits for the queues. */
export async function applyLabels(
  deps: LabelerDeps,
  spec: PlotTypeSpec,
  cmd: ApplyCommand,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const state = await queueRowsOf(deps.db, cmd.imageIds);
  const plan = planApply(new Map([[spec.name, spec]]), cmd, state, metadata);
  return appendAndShow(deps, plan.events, plan.unchanged.length, t0);
}

/**
 * Undoes an apply: its labels that are still current are withdrawn, or replaced by the label they had replaced
 * (see planUndo), then waits for the queues.
 */
export async function undoBatch(
  deps: LabelerDeps,
  batch: string,
  user: string,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  // The labels this batch replaced are found in the history: it must hold the batch (and anything since).
  await historyCaughtUp(deps);
  const rows = await labelledInBatch(deps.db, batch);
  const steps = await labelStepsOf(
    deps.db,
    rows.map((r) => r.imageId),
  );
  const before = new Map(rows.map((r) => [r.imageId, labelBefore(steps.get(r.imageId) ?? [], batch)]));
  const plan = planUndo(batch, user, new Map(rows.map((r) => [r.imageId, r])), before, metadata);
  return appendAndShow(deps, plan.events, plan.unchanged.length, t0);
}

/** Flags a selection unsure, or clears the flag (see planUnsure), then waits for the queues. */
export async function markUnsure(
  deps: LabelerDeps,
  cmd: SelectionCommand & { unsure: boolean; comment?: string },
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const plan = planUnsure(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata);
  return appendAndShow(deps, plan.events, plan.unchanged.length, t0);
}

/** Comments on each image of a selection (see planComment), then waits for the queues. */
export async function commentOn(
  deps: LabelerDeps,
  cmd: SelectionCommand & { comment: string },
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const plan = planComment(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata);
  return appendAndShow(deps, plan.events, 0, t0);
}

/** The editor's withdrawal: each selected image's current label is retracted by this user (see planRetract). */
export async function retractLabels(
  deps: LabelerDeps,
  cmd: SelectionCommand,
  metadata: EventMetadata,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  const plan = planRetract(cmd, await queueRowsOf(deps.db, cmd.imageIds), metadata);
  return appendAndShow(deps, plan.events, plan.unchanged.length, t0);
}
