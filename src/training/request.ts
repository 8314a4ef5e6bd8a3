import { randomBytes } from 'node:crypto';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { EventData, EventInput, HydraEvent } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import { readItem, type AppendResult, type EventLog } from '../events/log.ts';
import { encodeKey } from '../events/subjects.ts';
import { trainingParametersSchema } from '../events/training.ts';
import type { PlotTypeLookup } from '../labels/decide.ts';
import { ModelLifecycleError } from '../models/decide.ts';
import { newTrainingId } from './plan.ts';

/** Asking for a model (`hydra train`) and following the run until its outcome. */

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
  const consumer = await log.js.consumers.get(log.names.stream, {
    filter_subjects: `${log.names.namespace}.training.*.${encodeKey(trainingId)}`,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 100 });
  const stop = () => void messages.close();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (opts.signal?.aborted) return null;
    for await (const m of messages) {
      const item = readItem(m.data, m.seq, m.subject);
      if (!item.ok) continue;
      const e = item.event;
      opts.onEvent?.(e);
      if (e.type === 'training.completed') return { kind: 'completed', data: e.data };
      if (e.type === 'training.failed') return { kind: 'failed', data: e.data };
    }
    return null;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    await messages.close().catch(() => undefined);
  }
}
