import { ack, DurableConsumer, nak, type ConsumerStats, type Delivery, type Outcome } from '../events/consume/index.ts';
import { anyOf } from '../events/query.ts';
import type { EventMetadata } from '../events/envelope.ts';
import { readItem } from '../events/log.ts';
import { runTrainingJob, type JobOutcome, type TrainingJobDeps } from './job.ts';
import { failedData, outcomeId, progressLine, salvageRequestIds, type TrainingRequest } from './plan.ts';

export interface TrainingWorkerStats {
  handled: number;
  failed: number;
  lastMs: number;
}

/** Attempts of one request that end in an unexpected error before it is recorded as failed. */
export const MAX_ATTEMPTS = 3;
const ACK_WAIT_MS = 60_000;

/**
 * The training worker: a durable JetStream consumer on training.requested, one request at a time per
 * worker. The outcome event is appended before the request is acknowledged; a request redelivered after
 * a crash whose outcome already exists is acknowledged without training again. A request that cannot be
 * read, or fails unexpectedly again and again, becomes training.failed: the worker never dies of one.
 */
export class TrainingWorker {
  readonly stats: TrainingWorkerStats = { handled: 0, failed: 0, lastMs: 0 };
  private readonly consumer: DurableConsumer;

  constructor(private readonly deps: TrainingJobDeps) {
    this.consumer = new DurableConsumer(
      deps.log,
      {
        durable: this.consumerName,
        filter: deps.log.names.filter('training.requested'),
        deliver: 'all',
        // A run takes minutes: the runtime tells the server it is still at work every ack wait / 3.
        ackWaitMs: ACK_WAIT_MS,
        maxAckPending: 64,
        // One request at a time per worker, none fetched ahead: others may take the next one.
        capacity: 1,
      },
      { kind: 'each', handle: (d, ctx) => this.handle(d, ctx.signal) },
      (line) => deps.say(`training: ${line}`),
    );
  }

  get consumerName(): string {
    return this.deps.log.names.consumer('training');
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  /** Creates the durable (if new: from the first request in the stream) and starts taking requests. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Cancels a run in progress (its request is handed back to the stream for another worker) and stops. */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private outcomeExists(trainingId: string): Promise<boolean> {
    return anyOf(this.deps.log, ['training.completed', 'training.failed'], trainingId);
  }

  private async handle(d: Delivery, signal: AbortSignal): Promise<Outcome> {
    const t0 = performance.now();
    const item = d.read();
    if (!item.ok || item.event.type !== 'training.requested') {
      const ids = salvageRequestIds(item.ok ? JSON.stringify({ data: item.event.data }) : item.payload, d.seq);
      const why = item.ok ? `an event of type ${item.event.type}` : item.error.message;
      this.deps.say(`training: request at seq ${d.seq} is unusable (${why}); recorded as failed`);
      if (!(await this.outcomeExists(ids.trainingId))) {
        await this.append(
          {
            kind: 'failed',
            data: failedData(
              ids,
              'invalid-request',
              `the training request at stream sequence ${d.seq} is invalid: ${why}`,
            ),
          },
          { correlationId: ids.trainingId, producer: 'training' },
        );
      }
      this.stats.failed++;
      return ack;
    }
    const request = item.event.data;
    const metadata: EventMetadata = {
      correlationId: item.event.metadata.correlationId,
      causationId: item.event.id,
      producer: 'training',
    };
    if (await this.outcomeExists(request.trainingId)) {
      this.deps.say(`training ${request.trainingId}: already has its outcome; not training again`);
      return ack;
    }
    try {
      this.deps.say(
        `training ${request.trainingId}: ${request.plotType}, requested by ${request.requester || 'someone'}${request.reason ? ` (${request.reason})` : ''}`,
      );
      const cancel = this.cancellation(request.trainingId, signal);
      let outcome: JobOutcome;
      try {
        outcome = await this.train(request, metadata, cancel.signal);
      } finally {
        cancel.stop();
      }
      if (outcome.kind === 'cancelled' && cancel.byUser()) {
        this.deps.say(`training ${request.trainingId}: cancelled`);
        return ack; // its outcome is the cancellation, already in the stream
      }
      if (outcome.kind === 'cancelled') return nak();
      await this.append(outcome, metadata);
      if (outcome.kind === 'completed') {
        const d = outcome.data;
        this.deps.say(
          `training ${request.trainingId}: completed, model ${d.modelId}, validation accuracy ${(100 * d.evaluation.accuracy).toFixed(1)}% (${d.durationSeconds.toFixed(1)} s)`,
        );
        this.stats.handled++;
      } else {
        this.deps.say(`training ${request.trainingId}: failed (${outcome.data.code}): ${outcome.data.reason}`);
        this.stats.failed++;
      }
      return ack;
    } catch (err) {
      if (signal.aborted) return nak();
      const attempts = d.deliveryCount;
      this.deps.say(`training ${request.trainingId}: attempt ${attempts} broke: ${(err as Error).message}`);
      if (attempts >= MAX_ATTEMPTS) {
        await this.append(
          {
            kind: 'failed',
            data: failedData(
              request,
              'trainer-crashed',
              `gave up after ${attempts} attempts; last error: ${(err as Error).message}`,
            ),
          },
          metadata,
        );
        this.stats.failed++;
        return ack;
      }
      return nak(5000);
    } finally {
      this.stats.lastMs = performance.now() - t0;
    }
  }

  /**
   * A signal that aborts when the worker stops or someone cancels the run (\`cancelTraining\` appends its outcome,
   * \`training.failed\` with code \`cancelled\`, which this watches for on the run's subject).
   */
  private cancellation(trainingId: string, stopping: AbortSignal) {
    const ctl = new AbortController();
    let byUser = false;
    const onStop = () => ctl.abort();
    stopping.addEventListener('abort', onStop, { once: true });
    const log = this.deps.log;
    const sub = log.nc.subscribe(log.names.subject('training.failed', trainingId), {
      callback: (_err, msg) => {
        const item = readItem(msg.data, 0, msg.subject);
        if (item.ok && item.event.type === 'training.failed' && item.event.data.code === 'cancelled') {
          byUser = true;
          ctl.abort();
        }
      },
    });
    // A cancellation appended before the subscription started is in the stream already.
    void this.cancelledAlready(trainingId).then((yes) => {
      if (yes) {
        byUser = true;
        ctl.abort();
      }
    });
    return {
      signal: ctl.signal,
      byUser: () => byUser,
      stop: () => {
        sub.unsubscribe();
        stopping.removeEventListener('abort', onStop);
      },
    };
  }

  private async cancelledAlready(trainingId: string): Promise<boolean> {
    return (await this.deps.log.lastSubjectSeq('training.failed', trainingId)) > 0;
  }

  /** Runs the job, appending a training.progress event per epoch (in order, before the outcome). */
  private async train(request: TrainingRequest, metadata: EventMetadata, signal: AbortSignal): Promise<JobOutcome> {
    let progress: Promise<unknown> = Promise.resolve();
    const outcome = await runTrainingJob(this.deps, request, {
      signal,
      onProgress: (p) => {
        this.deps.say(progressLine(request.trainingId, p));
        progress = progress
          .then(() =>
            this.deps.log.append({
              type: 'training.progress',
              id: `training.progress:${request.trainingId}:${p.epoch}`,
              metadata,
              data: {
                trainingId: request.trainingId,
                plotType: request.plotType,
                epoch: p.epoch,
                epochs: p.epochs,
                loss: p.loss,
                valLoss: p.valLoss,
                valAccuracy: p.valAccuracy,
                ...(p.valBalancedAccuracy !== undefined ? { valBalancedAccuracy: p.valBalancedAccuracy } : {}),
                ...(p.valRecall !== undefined ? { valRecall: { ...p.valRecall } } : {}),
                learningRate: p.learningRate,
                imagesPerSecond: p.imagesPerSecond,
              },
            }),
          )
          .catch((err: unknown) =>
            this.deps.say(`training ${request.trainingId}: progress event not appended: ${(err as Error).message}`),
          );
      },
    });
    await progress;
    return outcome;
  }

  private async append(outcome: Exclude<JobOutcome, { kind: 'cancelled' }>, metadata: EventMetadata): Promise<void> {
    const id = outcomeId(outcome.data.trainingId);
    if (outcome.kind === 'completed')
      await this.deps.log.append({ type: 'training.completed', id, metadata, data: outcome.data });
    else await this.deps.log.append({ type: 'training.failed', id, metadata, data: outcome.data });
  }
}
