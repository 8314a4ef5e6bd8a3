import path from 'node:path';
import { AckPolicy, DeliverPolicy, JetStreamApiError, type JsMsg } from '@nats-io/jetstream';
import type { Hydra } from '../context.ts';
import type { EventMetadata } from '../events/envelope.ts';
import { readItem } from '../events/log.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { runTrainingJob, type JobOutcome, type TrainingJobDeps } from '../training/job.ts';
import { failedData, progressLine, salvageRequestIds, type TrainingRequest } from '../training/plan.ts';
import type { Role, RoleStats } from './role.ts';

/** Attempts of one request that end in an unexpected error before it is recorded as failed. */
export const MAX_ATTEMPTS = 3;
const ACK_WAIT_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The dedup id of a training's one outcome (completed or failed): a second outcome is never stored. */
export const outcomeId = (trainingId: string): string => `training.outcome:${trainingId}`;

/**
 * The training worker: a durable JetStream consumer on training.requested, one request at a time per
 * worker. The outcome event is appended before the request is acknowledged; a request redelivered after
 * a crash whose outcome already exists is acknowledged without training again. A request that cannot be
 * read, or fails unexpectedly again and again, becomes training.failed: the worker never dies of one.
 */
export class TrainingWorker {
  readonly stats: RoleStats = { handled: 0, failed: 0, lastMs: 0 };
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly deps: TrainingJobDeps) {}

  get consumerName(): string {
    return this.deps.log.names.consumer('training');
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Cancels a run in progress (its request is handed back to the stream for another worker) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }

  private async ensureConsumer(): Promise<void> {
    const { jsm, names } = this.deps.log;
    try {
      await jsm.consumers.info(names.stream, this.consumerName);
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
      await jsm.consumers
        .add(names.stream, {
          durable_name: this.consumerName,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: names.filter('training.requested'),
          ack_wait: ACK_WAIT_MS * 1_000_000,
          max_ack_pending: 64,
        })
        .catch((e: unknown) => {
          if (!(e instanceof JetStreamApiError)) throw e; // another worker created it first
        });
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.ensureConsumer();
        const consumer = await this.deps.log.js.consumers.get(this.deps.log.names.stream, this.consumerName);
        while (!this.stopped) {
          // One message at a time, handled outside any pull: a run takes minutes, a pull's heartbeats seconds.
          const m = await consumer.next({ expires: 3000 });
          if (m) await this.handle(m);
        }
      } catch (err) {
        if (this.stopped) break;
        this.deps.say(`training: ${(err as Error).message}; retrying`);
        await sleep(1000);
      }
    }
  }

  private async outcomeExists(trainingId: string): Promise<boolean> {
    const log = this.deps.log;
    return (
      (await log.lastSubjectSeq('training.completed', trainingId)) > 0 ||
      (await log.lastSubjectSeq('training.failed', trainingId)) > 0
    );
  }

  private async handle(m: JsMsg): Promise<void> {
    const t0 = performance.now();
    const item = readItem(m.data, m.seq, m.subject);
    if (!item.ok || item.event.type !== 'training.requested') {
      const ids = salvageRequestIds(new TextDecoder().decode(m.data), m.seq);
      const why = item.ok ? `an event of type ${item.event.type}` : item.error.message;
      this.deps.say(`training: request at seq ${m.seq} is unusable (${why}); recorded as failed`);
      if (!(await this.outcomeExists(ids.trainingId))) {
        await this.append(
          {
            kind: 'failed',
            data: failedData(
              ids,
              'invalid-request',
              `the training request at stream sequence ${m.seq} is invalid: ${why}`,
            ),
          },
          { correlationId: ids.trainingId, producer: 'training' },
        );
      }
      this.stats.failed++;
      m.ack();
      return;
    }
    const request = item.event.data;
    const metadata: EventMetadata = {
      correlationId: item.event.metadata.correlationId,
      causationId: item.event.id,
      producer: 'training',
    };
    if (await this.outcomeExists(request.trainingId)) {
      this.deps.say(`training ${request.trainingId}: already has its outcome; not training again`);
      m.ack();
      return;
    }
    const keepAlive = setInterval(() => m.working(), ACK_WAIT_MS / 3);
    try {
      this.deps.say(
        `training ${request.trainingId}: ${request.plotType}, requested by ${request.requester || 'someone'}${request.reason ? ` (${request.reason})` : ''}`,
      );
      const outcome = await this.train(request, metadata);
      if (outcome.kind === 'cancelled') {
        m.nak();
        return;
      }
      await this.append(outcome, metadata);
      m.ack();
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
    } catch (err) {
      if (this.stopped) {
        m.nak();
        return;
      }
      const attempts = m.info.deliveryCount;
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
        m.ack();
      } else {
        m.nak(5000);
      }
    } finally {
      clearInterval(keepAlive);
      this.stats.lastMs = performance.now() - t0;
    }
  }

  /** Runs the job, appending a training.progress event per epoch (in order, before the outcome). */
  private async train(request: TrainingRequest, metadata: EventMetadata): Promise<JobOutcome> {
    let progress: Promise<unknown> = Promise.resolve();
    const outcome = await runTrainingJob(this.deps, request, {
      signal: this.abort.signal,
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

export function trainingDeps(hydra: Hydra, plotTypes: PlotTypeCache, say: (line: string) => void): TrainingJobDeps {
  const c = hydra.config;
  return {
    log: hydra.log,
    blobs: hydra.blobs,
    db: hydra.database.db,
    plotTypes,
    say,
    workDir: path.resolve(c.HYDRA_TRAINING_DIR ?? path.join(c.HYDRA_VAR_DIR, 'training')),
    readModelWaitMs: c.HYDRA_TRAINING_READ_MODEL_WAIT_MS,
    ...(c.HYDRA_PYTHON ? { python: c.HYDRA_PYTHON } : {}),
  };
}

/** Trains the models people ask for (training.requested), one at a time per worker. */
export const trainingRole: Role = {
  name: 'training',
  description: 'trains a model per training.requested with the PyTorch trainer and records the outcome',
  async start(hydra, say) {
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const worker = new TrainingWorker(trainingDeps(hydra, plotTypes, say));
    worker.start();
    return {
      stats: () => ({ ...worker.stats }),
      async stop() {
        await worker.stop();
        await plotTypes.close();
      },
    };
  },
};
