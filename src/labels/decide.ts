import { createHash } from 'node:crypto';
import type { EventMetadata } from '../events/envelope.ts';
import type { NewEvent } from '../events/log.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';

/**
 * Pure label decisions: is this label allowed for this plot type, and which event records it.
 * Used by the bulk import, the CLI and (later) the Labeler page alike.
 */

/** Anything that knows the plot types in use (the live PlotTypeCache, or a Map in tests). */
export interface PlotTypeLookup {
  get(name: string): PlotTypeSpec | undefined;
}

export type LabelErrorCode =
  | 'HYDRA_LABEL_UNKNOWN_PLOT_TYPE'
  | 'HYDRA_LABEL_NOT_ALLOWED'
  | 'HYDRA_LABEL_UNKNOWN_IMAGE'
  | 'HYDRA_LABEL_WRONG_PLOT_TYPE'
  | 'HYDRA_LABEL_BATCH_TOO_LARGE';

export class LabelError extends Error {
  override readonly name = 'LabelError';
  readonly status = 400;
  constructor(
    readonly code: LabelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LabelCommand {
  readonly imageId: string;
  readonly plotType: string;
  readonly label: string;
  readonly user: string;
  readonly comment?: string;
  /** The Labeler's apply it belongs to. */
  readonly batch?: string;
}

export const allowedLabels = (spec: PlotTypeSpec): string[] => spec.labels.map((l) => l.name);

/** Why a (plot type, label) pair cannot be used, or null when it can. */
export function labelProblem(
  plotTypes: PlotTypeLookup,
  plotType: string,
  label: string,
): { code: LabelErrorCode; message: string } | null {
  const spec = plotTypes.get(plotType);
  if (!spec)
    return {
      code: 'HYDRA_LABEL_UNKNOWN_PLOT_TYPE',
      message: `plot type "${plotType}" is not configured (hydra plot-types list)`,
    };
  const allowed = allowedLabels(spec);
  if (!allowed.includes(label))
    return {
      code: 'HYDRA_LABEL_NOT_ALLOWED',
      message: `label "${label}" is not one of ${plotType}'s labels: ${allowed.join(', ')}`,
    };
  return null;
}

/** Throws LabelError when the label is not allowed. */
export function checkLabel(plotTypes: PlotTypeLookup, plotType: string, label: string): void {
  const p = labelProblem(plotTypes, plotType, label);
  if (p) throw new LabelError(p.code, p.message);
}

/**
 * The dedup id of an imported label: the same image, label and user give the same id, so importing a
 * file again (within the stream's duplicate window) stores nothing new.
 */
export function importLabelId(imageId: string, label: string, user: string): string {
  return `label.assigned:${imageId}:${createHash('sha256').update(`${label}\0${user}`).digest('hex').slice(0, 16)}`;
}

function data(cmd: LabelCommand) {
  return {
    imageId: cmd.imageId,
    plotType: cmd.plotType,
    label: cmd.label,
    user: cmd.user,
    ...(cmd.comment ? { comment: cmd.comment } : {}),
    ...(cmd.batch ? { batch: cmd.batch } : {}),
  };
}

/** The event that assigns a label; `id` is the dedup id (a retried request, an import row). */
export function labelAssigned(cmd: LabelCommand, metadata: EventMetadata, id?: string): NewEvent<'label.assigned'> {
  return { type: 'label.assigned', metadata: { ...metadata, user: cmd.user }, data: data(cmd), ...(id ? { id } : {}) };
}

export function labelRetracted(cmd: LabelCommand, metadata: EventMetadata, id?: string): NewEvent<'label.retracted'> {
  return { type: 'label.retracted', metadata: { ...metadata, user: cmd.user }, data: data(cmd), ...(id ? { id } : {}) };
}
