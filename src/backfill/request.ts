import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BACKFILL_MAX_IMAGES, rangeProblem } from '../events/backfill.ts';
import { localTimeText, wholeNumberText } from '../text-input.ts';
import type { EventData, HydraEvent } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { AppendResult, EventLog } from '../events/log.ts';
import { followUntil } from '../events/query.ts';
import { ModelLifecycleError } from '../models/decide.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { backfillEventIds, newBackfillId } from './plan.ts';

/** Asking for a backfill (`hydra models backfill`, the Library's "Run over history") and following it to its outcome. */

/** The default and largest number of arrivals one backfill judges. */
export const DEFAULT_BACKFILL_LIMIT = 1000;

/**
 * A backfill's range as people type it (the Library's form, `hydra models backfill`): runs from–to and/or local
 * times from–to (in HYDRA_TIMEZONE; the caller turns them into instants), and a limit. One parser for both.
 */
export const backfillRangeText = z
  .object({
    runFrom: wholeNumberText().optional(),
    runTo: wholeNumberText().optional(),
    from: localTimeText.optional(),
    to: localTimeText.optional(),
    limit: wholeNumberText({ min: 1, max: BACKFILL_MAX_IMAGES }).default(DEFAULT_BACKFILL_LIMIT),
  })
  .superRefine((r, ctx) => {
    const need = (a: keyof typeof r, b: keyof typeof r, what: string) => {
      if ((r[a] === undefined) !== (r[b] === undefined))
        ctx.addIssue({ code: 'custom', path: [r[a] === undefined ? a : b], message: `${what} need both ends` });
    };
    need('runFrom', 'runTo', 'runs');
    need('from', 'to', 'times');
    if (r.runFrom === undefined && r.runTo === undefined && r.from === undefined && r.to === undefined)
      ctx.addIssue({ code: 'custom', path: ['runFrom'], message: 'give a run range, a time range, or both' });
    if (r.runFrom !== undefined && r.runTo !== undefined && r.runFrom > r.runTo)
      ctx.addIssue({ code: 'custom', path: ['runTo'], message: 'must not be before runFrom' });
    if (r.from !== undefined && r.to !== undefined && r.from >= r.to)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  });
export type BackfillRangeText = z.output<typeof backfillRangeText>;

/** The range as the request holds it, times made instants by `toUtc` (the edge's time zone). */
export function backfillRangeOf(
  r: BackfillRangeText,
  toUtc: (local: string) => string,
): Pick<BackfillCommand, 'runFrom' | 'runTo' | 'from' | 'to' | 'limit'> {
  return {
    ...(r.runFrom !== undefined && r.runTo !== undefined ? { runFrom: r.runFrom, runTo: r.runTo } : {}),
    ...(r.from !== undefined && r.to !== undefined ? { from: toUtc(r.from), to: toUtc(r.to) } : {}),
    limit: r.limit,
  };
}

export interface BackfillCommand {
  readonly modelId: string;
  readonly plotType: string;
  readonly runFrom?: number;
  readonly runTo?: number;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly user: string;
  readonly backfillId?: string;
}

/** The model as the one asking sees it (the read model for a page, the stream for the command line). */
export type ModelLookup = (modelId: string) => Promise<Pick<ModelRow, 'plotType' | 'status'> | null | undefined>;

/**
 * Appends backfill.requested for a model of the plot type that is not retired (active, trained or signed off: a
 * candidate is what a backfill is for). The range's own checks (both ends, in order) are the event schema's.
 */
export async function requestBackfill(
  log: EventLog,
  model: ModelLookup,
  cmd: BackfillCommand,
  metadata: Omit<EventMetadata, 'correlationId'>,
): Promise<AppendResult & { backfillId: string }> {
  const m = await model(cmd.modelId);
  if (!m) throw new ModelLifecycleError('HYDRA_MODEL_UNKNOWN', `no model "${cmd.modelId}" (hydra models list)`);
  if (m.plotType !== cmd.plotType)
    throw new ModelLifecycleError(
      'HYDRA_MODEL_INCOMPATIBLE',
      `${cmd.modelId} is a model of ${m.plotType}, not of ${cmd.plotType}`,
    );
  if (m.status === 'retired')
    throw new ModelLifecycleError('HYDRA_MODEL_RETIRED', `${cmd.modelId} is retired: it judges nothing`);
  const problem = rangeProblem(cmd);
  if (problem) throw new ModelLifecycleError('HYDRA_BACKFILL_RANGE', problem);
  const backfillId = cmd.backfillId ?? newBackfillId(cmd.plotType, new Date(), randomBytes(4).toString('hex'));
  const { backfillId: _given, ...rest } = cmd;
  const r = await log.append({
    type: 'backfill.requested',
    id: backfillEventIds.requested(backfillId),
    metadata: { ...metadata, correlationId: backfillId, user: cmd.user },
    data: { ...rest, backfillId },
  });
  return { ...r, backfillId };
}

export type BackfillOutcome =
  | { readonly kind: 'completed'; readonly data: EventData<'backfill.completed'> }
  | { readonly kind: 'failed'; readonly data: EventData<'backfill.failed'> };

/** Follows one backfill's events from its start (batches as they come) until its outcome, which it returns. */
export async function followBackfill(
  log: EventLog,
  backfillId: string,
  opts: { onEvent?: (e: HydraEvent) => void; signal?: AbortSignal } = {},
): Promise<BackfillOutcome | null> {
  return followUntil<BackfillOutcome>(
    log,
    'backfill',
    backfillId,
    (e) =>
      e.type === 'backfill.completed'
        ? { kind: 'completed', data: e.data }
        : e.type === 'backfill.failed'
          ? { kind: 'failed', data: e.data }
          : undefined,
    opts,
  );
}
