import type { EventMetadata } from '../events/envelope.ts';
import type { NewEvent } from '../events/log.ts';
import { checkLabel, labelAssigned, LabelError, labelRetracted, type PlotTypeLookup } from './decide.ts';

/**
 * The Labeler's decisions, pure: which events one apply (a label for a selection of images), one undo
 * (withdrawing an apply), one withdrawal (the editor's), one unsure flag or one comment append. The state of
 * each image comes in from the read models; ids and the clock from the caller.
 */

/** What the decisions need to know about an image: its plot type, its current label, who gave it, its doubt. */
export interface LabelState {
  readonly plotType: string;
  readonly label: string | null;
  readonly labelUser: string | null;
  readonly batch: string | null;
  readonly unsure: boolean;
  readonly unsureBy: string | null;
}

export interface ApplyCommand {
  readonly plotType: string;
  readonly label: string;
  readonly imageIds: readonly string[];
  readonly user: string;
  /** Chosen by the page for each apply: a retried request with the same batch stores nothing new. */
  readonly batch: string;
  /** A note kept with each label (where it was given, e.g. from a training report). */
  readonly comment?: string;
}

/** The most images one apply may label (a page of the Labeler's grid holds at most this many). */
export const MAX_BATCH = 1000;

type BatchEvent =
  | 'label.assigned'
  | 'label.retracted'
  | 'label.commented'
  | 'label.unsure-flagged'
  | 'label.unsure-cleared';

/** One event of any of these types (a union of events, not an event of a union of types). */
type Each<T extends BatchEvent> = T extends BatchEvent ? NewEvent<T> : never;

export interface BatchPlan<T extends BatchEvent> {
  readonly events: Each<T>[];
  /** Images the action leaves as they are (already so labelled by this user; or, for an undo, labelled since). */
  readonly unchanged: string[];
}

const few = (ids: readonly string[]) =>
  ids.slice(0, 3).join(', ') + (ids.length > 3 ? ` and ${ids.length - 3} more` : '');

/** The selection, once: refused when too large, or when an image is unknown or of another plot type. */
function checkSelection(plotType: string, imageIds: readonly string[], state: ReadonlyMap<string, LabelState>) {
  if (imageIds.length > MAX_BATCH)
    throw new LabelError('HYDRA_LABEL_BATCH_TOO_LARGE', `one apply labels at most ${MAX_BATCH} images`);
  const ids = [...new Set(imageIds)];
  const unknown = ids.filter((id) => !state.has(id));
  if (unknown.length) throw new LabelError('HYDRA_LABEL_UNKNOWN_IMAGE', `no such image has arrived: ${few(unknown)}`);
  const other = ids.filter((id) => state.get(id)!.plotType !== plotType);
  if (other.length) throw new LabelError('HYDRA_LABEL_WRONG_PLOT_TYPE', `not ${plotType} plots: ${few(other)}`);
  return ids.map((id) => [id, state.get(id)!] as const);
}

/**
 * One `label.assigned` per image of the selection that does not already carry this label from this user; an image
 * someone else flagged unsure is looked at again by this label, so its flag is cleared (`label.unsure-cleared`).
 * Refuses the whole apply (LabelError) when the label is not one of the plot type's, or any image is unknown or of
 * another plot type: nothing is stored then.
 */
export function planApply(
  plotTypes: PlotTypeLookup,
  cmd: ApplyCommand,
  state: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.assigned' | 'label.unsure-cleared'> {
  checkLabel(plotTypes, cmd.plotType, cmd.label);
  const events: Each<'label.assigned' | 'label.unsure-cleared'>[] = [];
  const unchanged: string[] = [];
  for (const [imageId, s] of checkSelection(cmd.plotType, cmd.imageIds, state)) {
    if (s.label === cmd.label && s.labelUser === cmd.user) {
      unchanged.push(imageId);
      continue;
    }
    events.push(
      labelAssigned(
        {
          imageId,
          plotType: cmd.plotType,
          label: cmd.label,
          user: cmd.user,
          batch: cmd.batch,
          ...(cmd.comment ? { comment: cmd.comment } : {}),
        },
        metadata,
        `label.assigned:${cmd.batch}:${imageId}`,
      ),
    );
    if (s.unsure && s.unsureBy !== cmd.user)
      events.push({
        type: 'label.unsure-cleared',
        id: `label.unsure-cleared:${cmd.batch}:${imageId}`,
        metadata: { ...metadata, user: cmd.user },
        data: { imageId, plotType: cmd.plotType, user: cmd.user },
      });
  }
  return { events, unchanged };
}

/** A label as it stood: which, by whom, from which apply. */
export interface PriorLabel {
  readonly label: string;
  readonly user: string;
  readonly batch: string | null;
}

/** One label event of an image, in stream order (the label_history read model's rows). */
export interface LabelStep {
  readonly kind: string;
  readonly label: string | null;
  readonly user: string;
  readonly batch: string | null;
}

/**
 * The label an image had just before `batch` first labelled it, replaying its label events the way the read models
 * do (a later assignment replaces; withdrawing the current label leaves none). Null: it had none.
 */
export function labelBefore(steps: readonly LabelStep[], batch: string): PriorLabel | null {
  let current: PriorLabel | null = null;
  for (const s of steps) {
    if (s.kind === 'assigned' && s.batch === batch) return current;
    if (s.kind === 'assigned' && s.label !== null) current = { label: s.label, user: s.user, batch: s.batch };
    else if (s.kind === 'retracted' && current?.label === s.label) current = null;
  }
  return current;
}

/**
 * Undo of an apply, for each image whose current label still is the one that apply gave (images labelled again
 * since keep their newer label): the label it replaced is given back, as a `label.assigned` in that person's name
 * and apply (`undoes` says why, the metadata who undid it); an image that had none gets `label.retracted`. Only
 * who applied it may undo it.
 */
export function planUndo(
  batch: string,
  user: string,
  current: ReadonlyMap<string, LabelState>,
  before: ReadonlyMap<string, PriorLabel | null>,
  metadata: EventMetadata,
): BatchPlan<'label.assigned' | 'label.retracted'> {
  const events: Each<'label.assigned' | 'label.retracted'>[] = [];
  const unchanged: string[] = [];
  const by = { ...metadata, user };
  for (const [imageId, s] of current) {
    if (s.batch !== batch || s.label === null || s.labelUser !== user) {
      unchanged.push(imageId);
      continue;
    }
    const prior = before.get(imageId) ?? null;
    const id = `label.undo:${batch}:${imageId}`;
    events.push(
      prior
        ? {
            type: 'label.assigned',
            id,
            metadata: by,
            data: {
              imageId,
              plotType: s.plotType,
              label: prior.label,
              user: prior.user,
              ...(prior.batch ? { batch: prior.batch } : {}),
              undoes: batch,
            },
          }
        : {
            type: 'label.retracted',
            id,
            metadata: by,
            data: { imageId, plotType: s.plotType, label: s.label, user, batch, undoes: batch },
          },
    );
  }
  return { events, unchanged };
}

export interface SelectionCommand {
  readonly plotType: string;
  readonly imageIds: readonly string[];
  readonly user: string;
  /** Chosen by the page for each action (the dedup ids' part). */
  readonly batch: string;
}

/** The editor's withdrawal: one `label.retracted` (by this user) per selected image that has a label. */
export function planRetract(
  cmd: SelectionCommand,
  state: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.retracted'> {
  const events: Each<'label.retracted'>[] = [];
  const unchanged: string[] = [];
  for (const [imageId, s] of checkSelection(cmd.plotType, cmd.imageIds, state)) {
    if (s.label === null) unchanged.push(imageId);
    else
      events.push(
        labelRetracted(
          { imageId, plotType: cmd.plotType, label: s.label, user: cmd.user },
          metadata,
          `label.retracted:${cmd.batch}:${imageId}`,
        ),
      );
  }
  return { events, unchanged };
}

/**
 * Flags the selection unsure (a second expert should look) or clears the flag; images already so are left alone.
 * A comment goes with a flag (why not sure).
 */
export function planUnsure(
  cmd: SelectionCommand & { readonly unsure: boolean; readonly comment?: string },
  state: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.unsure-flagged' | 'label.unsure-cleared'> {
  const events: Each<'label.unsure-flagged' | 'label.unsure-cleared'>[] = [];
  const unchanged: string[] = [];
  const by = { ...metadata, user: cmd.user };
  for (const [imageId, s] of checkSelection(cmd.plotType, cmd.imageIds, state)) {
    const base = { imageId, plotType: cmd.plotType, user: cmd.user };
    if (s.unsure === cmd.unsure) unchanged.push(imageId);
    else if (cmd.unsure)
      events.push({
        type: 'label.unsure-flagged',
        id: `label.unsure-flagged:${cmd.batch}:${imageId}`,
        metadata: by,
        data: { ...base, ...(cmd.comment ? { comment: cmd.comment } : {}) },
      });
    else
      events.push({
        type: 'label.unsure-cleared',
        id: `label.unsure-cleared:${cmd.batch}:${imageId}`,
        metadata: by,
        data: base,
      });
  }
  return { events, unchanged };
}

/** One `label.commented` per selected image, for whoever labels it next. */
export function planComment(
  cmd: SelectionCommand & { readonly comment: string },
  state: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.commented'> {
  const events: Each<'label.commented'>[] = checkSelection(cmd.plotType, cmd.imageIds, state).map(([imageId]) => ({
    type: 'label.commented',
    id: `label.commented:${cmd.batch}:${imageId}`,
    metadata: { ...metadata, user: cmd.user },
    data: { imageId, plotType: cmd.plotType, user: cmd.user, comment: cmd.comment },
  }));
  return { events, unchanged: [] };
}
