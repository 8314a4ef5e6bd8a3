import type { EventMetadata } from '../events/envelope.ts';
import type { NewEvent } from '../events/log.ts';
import { checkLabel, labelAssigned, LabelError, labelRetracted, type PlotTypeLookup } from './decide.ts';

/**
 * The Labeler's decisions, pure: which events one apply (a label for a selection of images) and one undo
 * (withdrawing an apply) append. The state of each image comes in from the read model; ids and the clock from
 * the caller.
 */

/** What the decisions need to know about an image: its plot type, and its current label and who gave it. */
export interface LabelState {
  readonly plotType: string;
  readonly label: string | null;
  readonly labelUser: string | null;
  readonly batch: string | null;
}

export interface ApplyCommand {
  readonly plotType: string;
  readonly label: string;
  readonly imageIds: readonly string[];
  readonly user: string;
  /** Chosen by the page for each apply: a retried request with the same batch stores nothing new. */
  readonly batch: string;
}

/** The most images one apply may label (a page of the Labeler's grid holds at most this many). */
export const MAX_BATCH = 1000;

export interface BatchPlan<T extends 'label.assigned' | 'label.retracted'> {
  readonly events: NewEvent<T>[];
  /** Images the apply leaves as they are (already so labelled by this user; or, for an undo, labelled since). */
  readonly unchanged: string[];
}

const few = (ids: readonly string[]) =>
  ids.slice(0, 3).join(', ') + (ids.length > 3 ? ` and ${ids.length - 3} more` : '');

/**
 * One `label.assigned` per image of the selection that does not already carry this label from this user. Refuses
 * the whole apply (LabelError) when the label is not one of the plot type's, or any image is unknown or of another
 * plot type: nothing is stored then.
 */
export function planApply(
  plotTypes: PlotTypeLookup,
  cmd: ApplyCommand,
  state: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.assigned'> {
  checkLabel(plotTypes, cmd.plotType, cmd.label);
  if (cmd.imageIds.length > MAX_BATCH)
    throw new LabelError('HYDRA_LABEL_BATCH_TOO_LARGE', `one apply labels at most ${MAX_BATCH} images`);
  const ids = [...new Set(cmd.imageIds)];
  const unknown = ids.filter((id) => !state.has(id));
  if (unknown.length) throw new LabelError('HYDRA_LABEL_UNKNOWN_IMAGE', `no such image has arrived: ${few(unknown)}`);
  const other = ids.filter((id) => state.get(id)!.plotType !== cmd.plotType);
  if (other.length) throw new LabelError('HYDRA_LABEL_WRONG_PLOT_TYPE', `not ${cmd.plotType} plots: ${few(other)}`);
  const events: NewEvent<'label.assigned'>[] = [];
  const unchanged: string[] = [];
  for (const imageId of ids) {
    const s = state.get(imageId)!;
    if (s.label === cmd.label && s.labelUser === cmd.user) unchanged.push(imageId);
    else
      events.push(
        labelAssigned(
          { imageId, plotType: cmd.plotType, label: cmd.label, user: cmd.user, batch: cmd.batch },
          metadata,
          `label.assigned:${cmd.batch}:${imageId}`,
        ),
      );
  }
  return { events, unchanged };
}

/**
 * Undo of an apply: one `label.retracted` per image whose current label still is the one that apply gave (images
 * labelled again since keep their newer label). Only who applied it may undo it.
 */
export function planUndo(
  batch: string,
  user: string,
  current: ReadonlyMap<string, LabelState>,
  metadata: EventMetadata,
): BatchPlan<'label.retracted'> {
  const events: NewEvent<'label.retracted'>[] = [];
  const unchanged: string[] = [];
  for (const [imageId, s] of current) {
    if (s.batch !== batch || s.label === null || s.labelUser !== user) {
      unchanged.push(imageId);
      continue;
    }
    events.push(
      labelRetracted(
        { imageId, plotType: s.plotType, label: s.label, user, batch },
        metadata,
        `label.retracted:${batch}:${imageId}`,
      ),
    );
  }
  return { events, unchanged };
}
