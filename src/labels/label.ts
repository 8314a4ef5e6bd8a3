import type { EventMetadata } from '../events/envelope.ts';
import type { AppendResult, EventLog } from '../events/log.ts';
import {
  checkLabel,
  labelAssigned,
  labelRetracted,
  LabelError,
  type LabelCommand,
  type PlotTypeLookup,
} from './decide.ts';

export interface LabelDeps {
  readonly log: EventLog;
  readonly plotTypes: PlotTypeLookup;
}

/** The plot type an image arrived as, from its (last) image.arrived event; null when it never arrived. */
export async function arrivedPlotType(log: EventLog, imageId: string): Promise<string | null> {
  return (await log.lastEvent('image.arrived', imageId))?.data.plotType ?? null;
}

async function check(deps: LabelDeps, cmd: LabelCommand): Promise<void> {
  checkLabel(deps.plotTypes, cmd.plotType, cmd.label);
  const arrived = await arrivedPlotType(deps.log, cmd.imageId);
  if (arrived === null) throw new LabelError('HYDRA_LABEL_UNKNOWN_IMAGE', `no image ${cmd.imageId} has arrived`);
  if (arrived !== cmd.plotType) {
    throw new LabelError(
      'HYDRA_LABEL_WRONG_PLOT_TYPE',
      `image ${cmd.imageId} is a ${arrived} plot, not ${cmd.plotType}`,
    );
  }
}

/**
 * Records a person's label for a stored image (a later one replaces it). Throws LabelError when the
 * label is not one of the plot type's, or the image is unknown or of another plot type.
 * `id` makes a retried request (same id) store nothing new.
 */
export async function assignLabel(
  deps: LabelDeps,
  cmd: LabelCommand,
  opts: { metadata: EventMetadata; id?: string },
): Promise<AppendResult> {
  await check(deps, cmd);
  return deps.log.append(labelAssigned(cmd, opts.metadata, opts.id));
}

/** Withdraws a label (only the current one matters: retracting an older label changes nothing). */
export async function retractLabel(
  deps: LabelDeps,
  cmd: LabelCommand,
  opts: { metadata: EventMetadata; id?: string },
): Promise<AppendResult> {
  await check(deps, cmd);
  return deps.log.append(labelRetracted(cmd, opts.metadata, opts.id));
}
