import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { decimalText, wholeNumberText } from '../text-input.ts';
import { tokenSchema } from '../events/define.ts';
import type { EventData, EventInput, HydraEvent } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { AppendResult, EventLog } from '../events/log.ts';
import { trainingParametersSchema } from '../events/training.ts';
import type { PlotTypeLookup } from '../labels/decide.ts';
import { ModelLifecycleError } from '../models/decide.ts';
import { newTrainingId, outcomeId } from './plan.ts';
import { followUntil, readMatching } from '../events/query.ts';

/** Asking for a model (`hydra train`, the Library's Train form) and following the run until its outcome. */

/** A training request's parameters as people type them (CLI options, form fields): one parser for both. */
export const trainingParameterText = z.object({
  epochs: wholeNumberText({ min: 1, max: 1000 }).optional(),
  learningRate: decimalText({ min: 0, max: 1, aboveMin: true }).optional(),
  batchSize: wholeNumberText({ min: 1, max: 4096 }).optional(),
  annealing: z.enum(['cosine', 'step', 'none']).optional(),
  patience: wholeNumberText({ max: 1000 }).optional(),
  minDelta: decimalText({ min: 0, max: 1_000_000 }).optional(),
  validationFraction: decimalText({ min: 0, max: 1, aboveMin: true, belowMax: true }).optional(),
  sampling: z.enum(['none', 'balanced', 'weighted']).optional(),
  seed: wholeNumberText().optional(),
  minPerClass: wholeNumberText({ min: 1 }).optional(),
  parentModel: tokenSchema.optional(),
  device: z.enum(['auto', 'cpu', 'cuda']).optional(),
  backbone: z.enum(['shipped', 'none']).optional(),
});
export type TrainingParameterText = z.output<typeof trainingParameterText>;

/** The parameters given (the others take the request schema's defaults). */
export function givenParameters(o: TrainingParameterText): TrainCommand['parameters'] {
  return Object.fromEntries(
    Object.keys(trainingParameterText.shape)
      .map((k) => [k, o[k as keyof TrainingParameterText]] as const)
      .filter(([, v]) => v !== undefined),
  ) as TrainCommand['parameters'];
}

export interface TrainCommand {
  readonly plotType: string;
  readonly parameters: EventInput<'training.requested'>['parameters'];
  readonly reason: string;
  readonly requester: string;
  readonly trainingId?: string;
}

export async function requestTraining(
  log: EventLog,
  plotTypes: PlotTypeLookup,
  cmd: TrainCommand,
  metadata: Omit<EventMetadata, 'correlationId'>,
): Promise<AppendResult & { trainingId: string }> {
  if (!plotTypes.get(cmd.plotType))
    throw new ModelLifecycleError(
      'HYDRA_PLOT_TYPE_UNKNOWN',
      `plot type "${cmd.plotType}" is not configured (hydra plot-types list)`,
    );
  const trainingId = cmd.trainingId ?? newTrainingId(cmd.plotType, new Date(), randomBytes(4).toString('hex'));
  const r = await log.append({
    type: 'training.requested',
    id: `training.requested:${trainingId}`,
    metadata: { ...metadata, correlationId: trainingId },
    data: {
      trainingId,
      plotType: cmd.plotType,
      parameters: trainingParametersSchema.parse(cmd.parameters),
      reason: cmd.reason,
      requester: cmd.requester,
    },
  });
  return { ...r, trainingId };
}

export type TrainingOutcome =
  | { readonly kind: 'completed'; readonly data: EventData<'training.completed'> }
  | { readonly kind: 'failed'; readonly data: EventData<'training.failed'> };

/**
 * Follows one training's events from the start (progress as it comes) until its outcome, which it
 * returns. `signal` gives up waiting (the training itself goes on).
 */
export async function followTraining(
  log: EventLog,
  trainingId: string,
  opts: { onEvent?: (e: HydraEvent) => void; signal?: AbortSignal } = {},
): Promise<TrainingOutcome | null> {
  return followUntil<TrainingOutcome>(
    log,
    'training',
    trainingId,
    (e) =>
      e.type === 'training.completed'
        ? { kind: 'completed', data: e.data }
        : e.type === 'training.failed'
          ? { kind: 'failed', data: e.data }
          : undefined,
    opts,
  );
}

/**
 * Cancels a training run that has no outcome yet (\`hydra train cancel\`, the Library's Cancel button): its outcome is
 * \`training.failed\` with code \`cancelled\` and who did it, under the one outcome id (a worker finishing at the same
 * moment stores one of the two). A worker training it stops the trainer; a request still queued is never started.
 */
export async function cancelTraining(
  log: EventLog,
  cmd: { trainingId: string; user: string; reason?: string },
  metadata: EventMetadata,
): Promise<AppendResult> {
  const [request] = await readMatching(log, log.names.subject('training.requested', cmd.trainingId));
  if (request?.type !== 'training.requested')
    throw new ModelLifecycleError('HYDRA_TRAINING_UNKNOWN', `no training "${cmd.trainingId}" was requested`);
  const finished =
    (await log.lastSubjectSeq('training.completed', cmd.trainingId)) > 0 ||
    (await log.lastSubjectSeq('training.failed', cmd.trainingId)) > 0;
  if (finished) throw new ModelLifecycleError('HYDRA_TRAINING_FINISHED', `training ${cmd.trainingId} has finished`);
  const r = await log.append({
    type: 'training.failed',
    id: outcomeId(cmd.trainingId),
    metadata: { ...metadata, user: cmd.user },
    data: {
      trainingId: cmd.trainingId,
      plotType: request.data.plotType,
      code: 'cancelled',
      reason: `cancelled by ${cmd.user}${cmd.reason ? `: ${cmd.reason}` : ''}`,
      user: cmd.user,
    },
  });
  if (r.duplicate)
    throw new ModelLifecycleError('HYDRA_TRAINING_FINISHED', `training ${cmd.trainingId} has just finished`);
  return r;
}
