import type { EventMetadata } from '../events/envelope.ts';
import type { EventLog } from '../events/log.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { planPlotTypes, type PlotTypeChange } from './plan.ts';
import { PlotTypeCache } from './cache.ts';

/** The registry as the stream has it now (not a projection that may lag): name → spec and retired flag. */
export async function currentPlotTypes(log: EventLog): Promise<Map<string, { spec: PlotTypeSpec; retired: boolean }>> {
  const reg = await PlotTypeCache.open(log);
  try {
    return reg.snapshot();
  } finally {
    await reg.close();
  }
}

/**
 * Appends what a plot-types file changes. Each append demands the subject's last sequence it saw,
 * so two admins applying at once cannot silently overwrite each other.
 */
export async function applyPlotTypes(
  log: EventLog,
  wanted: readonly PlotTypeSpec[],
  metadata: EventMetadata,
): Promise<PlotTypeChange[]> {
  const changes = planPlotTypes(wanted, await currentPlotTypes(log));
  for (const c of changes) {
    if (c.kind === 'define') {
      await log.append({
        type: 'plottype.defined',
        metadata,
        data: c.spec,
        expectedLastSubjectSeq: await log.lastSubjectSeq('plottype.defined', c.spec.name),
      });
    } else if (c.kind === 'update') {
      await log.append({
        type: 'plottype.updated',
        metadata,
        data: c.spec,
        expectedLastSubjectSeq: await log.lastSubjectSeq('plottype.updated', c.spec.name),
      });
    }
  }
  return changes;
}

/** Takes a plot type out of use (its images are then skipped). Throws when there is no such plot type. */
export async function retirePlotType(
  log: EventLog,
  name: string,
  reason: string | undefined,
  metadata: EventMetadata,
): Promise<void> {
  const all = await currentPlotTypes(log);
  if (!all.has(name)) throw new Error(`no plot type "${name}"`);
  await log.append({ type: 'plottype.retired', metadata, data: { name, ...(reason ? { reason } : {}) } });
}
