import type { BlobStore } from '../blobs/store.ts';
import { anyOf } from '../events/query.ts';
import type { Db } from '../db/connection.ts';
import {
  ack,
  DurableConsumer,
  nak,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../events/consume/index.ts';
import type { HydraEventOf } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { EventLog } from '../events/log.ts';
import { rangeProblem } from '../events/backfill.ts';
import { readMatching } from '../events/query.ts';
import { openStoredClassifier } from '../inference/classify-stored.ts';
import { waitForStream } from '../projections/checkpoints.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import { modelRow } from '../projections/models/queries.ts';
import { plotTypesProjection } from '../projections/plot-types/projection.ts';
import { plotTypeRow } from '../projections/plot-types/queries.ts';
import { verdictsProjection } from '../projections/verdicts/projection.ts';
import { arrivalsInRange } from '../projections/verdicts/queries.ts';
import { backfillEventIds, batchesOf, judgedBatch, summarize, type BackfillRequest } from './plan.ts';

export interface BackfillDeps {
  readonly log: EventLog;
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly say: (line: string) => void;
  /** How long a request waits for the read models to hold what the stream had when it was taken. */
  readonly readModelWaitMs?: number;
}

export interface BackfillWorkerStats {
  handled: number;
  failed: number;
  lastMs: number;
}

/** Attempts of one request that end in an unexpected error before it is recorded as failed. */
export const MAX_ATTEMPTS = 3;
const ACK_WAIT_MS = 60_000;
type Failure = Pick<BackfillRequest, 'backfillId' | 'plotType' | 'modelId'> & {
  code: 'unknown-model' | 'retired-model' | 'wrong-plot-type' | 'model-error' | 'crashed' | 'invalid-request';
  reason: string;
};
class Stopping extends Error {
  override readonly name = 'Stopping';
}

/**
 * The backfill worker (`hydra worker backfill`, also in `hydra up`): a durable consumer on backfill.requested, one
 * backfill at a time per worker. It chooses the arrivals of the range from the verdicts read model (observed up to the
 * request's time, so the choice is the same at every attempt), runs the model over their stored images in batches
 * (`openStoredClassifier`: the inference's preprocessing and decide, decoding off the event loop), appends one
 * backfill.verdicts per batch beside the verdicts the arrivals had, then backfill.completed with the agreement. Every
 * event id derives from the request: a redelivered request resumes after its last batch and appends nothing twice;
 * one with an outcome is acknowledged at once. Expected failures are backfill.failed; the worker never dies of one.
 */
export class BackfillWorker {
  readonly stats: BackfillWorkerStats = { handled: 0, failed: 0, lastMs: 0 };
  private readonly consumer: DurableConsumer;

  constructor(private readonly deps: BackfillDeps) {
    this.consumer = new DurableConsumer(
      deps.log,
      {
        durable: deps.log.names.consumer('backfill'),
        filter: deps.log.names.filter('backfill.requested'),
        deliver: 'all',
        ackWaitMs: ACK_WAIT_MS,
        maxAckPending: 64,
        // One backfill at a time per worker, none fetched ahead: others may take the next one.
        capacity: 1,
      },
      { kind: 'each', handle: (d, ctx) => this.handle(d, ctx.signal) },
      (line) => deps.say(`backfill: ${line}`),
    );
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Stops after the batch in hand; the request goes back to the stream and resumes after that batch. */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private outcomeExists(backfillId: string): Promise<boolean> {
    return anyOf(this.deps.log, ['backfill.completed', 'backfill.failed'], backfillId);
  }

  private async handle(d: Delivery, signal: AbortSignal): Promise<Outcome> {
    const t0 = performance.now();
    try {
      const item = d.read();
      if (!item.ok || item.event.type !== 'backfill.requested') {
        const why = item.ok ? `an event of type ${item.event.type}` : item.error.message;
        const ids = salvage(item.ok ? JSON.stringify({ data: item.event.data }) : item.payload);
        this.deps.say(`backfill: request at seq ${d.seq} is unusable (${why})`);
        if (!ids) return term(why);
        if (!(await this.outcomeExists(ids.backfillId)))
          await this.fail(
            { ...ids, code: 'invalid-request', reason: `the request at stream sequence ${d.seq} is invalid: ${why}` },
            { correlationId: ids.backfillId, producer: 'backfill' },
          );
        return ack;
      }
      const e = item.event;
      if (await this.outcomeExists(e.data.backfillId)) return ack;
      try {
        if (await this.run(e, signal)) this.stats.handled++;
        return ack;
      } catch (err) {
        if (signal.aborted || err instanceof Stopping) return nak();
        this.deps.say(`backfill ${e.data.backfillId}: attempt ${d.deliveryCount} broke: ${(err as Error).message}`);
        if (d.deliveryCount < MAX_ATTEMPTS) return nak(5000);
        const { backfillId, plotType, modelId } = e.data;
        await this.fail(
          {
            backfillId,
            plotType,
            modelId,
            code: 'crashed',
            reason: `gave up after ${d.deliveryCount} attempts; last error: ${(err as Error).message}`.slice(0, 2000),
          },
          this.metadataOf(e),
        );
        return ack;
      }
    } finally {
      this.stats.lastMs = performance.now() - t0;
    }
  }

  private metadataOf(e: HydraEventOf<'backfill.requested'>): EventMetadata {
    return {
      correlationId: e.metadata.correlationId,
      causationId: e.id,
      producer: 'backfill',
      ...(e.metadata.user ? { user: e.metadata.user } : {}),
    };
  }

  private async fail(f: Failure, metadata: EventMetadata): Promise<void> {
    this.stats.failed++;
    this.deps.say(`backfill ${f.backfillId}: failed (${f.code}): ${f.reason}`);
    await this.deps.log.append({
      type: 'backfill.failed',
      id: backfillEventIds.outcome(f.backfillId),
      metadata,
      data: { ...f, reason: f.reason.slice(0, 2000) },
    });
  }

  /** Does the backfill; false when it ended as backfill.failed (an expected failure). */
  private async run(e: HydraEventOf<'backfill.requested'>, signal: AbortSignal): Promise<boolean> {
    const { log, db, blobs, say } = this.deps;
    const r = e.data;
    const t0 = performance.now();
    const metadata = this.metadataOf(e);
    const ids = { backfillId: r.backfillId, plotType: r.plotType, modelId: r.modelId };
    const failed = async (f: Omit<Failure, keyof typeof ids>) => {
      await this.fail({ ...ids, ...f }, metadata);
      return false;
    };
    const problem = rangeProblem(r);
    if (problem) return failed({ code: 'invalid-request', reason: problem });
    const late = await waitForStream(db, log, [verdictsProjection, modelsProjection, plotTypesProjection], {
      timeoutMs: this.deps.readModelWaitMs ?? 30_000,
      signal,
    });
    if (late.length) throw new Error(`read models ${late.join(', ')} are behind the stream`);
    const model = await modelRow(db, r.modelId);
    if (!model) return failed({ code: 'unknown-model', reason: `no model "${r.modelId}"` });
    if (model.plotType !== r.plotType)
      return failed({
        code: 'wrong-plot-type',
        reason: `${r.modelId} is a model of ${model.plotType}, not ${r.plotType}`,
      });
    if (model.status === 'retired') return failed({ code: 'retired-model', reason: `${r.modelId} is retired` });
    const plot = await plotTypeRow(db, r.plotType);
    const arrivals = await arrivalsInRange(db, {
      plotType: r.plotType,
      ...(r.runFrom !== undefined ? { runFrom: r.runFrom, runTo: r.runTo! } : {}),
      ...(r.from !== undefined ? { from: r.from, to: r.to! } : {}),
      upTo: e.time,
      limit: r.limit,
    });
    // Started once, however often the request is delivered (beyond the stream's dedup window too).
    if ((await log.lastSubjectSeq('backfill.started', r.backfillId)) === 0)
      await log.append({
        type: 'backfill.started',
        id: backfillEventIds.started(r.backfillId),
        metadata,
        data: { ...ids, total: arrivals.length, upTo: e.time },
      });
    const last = await log.lastEvent('backfill.verdicts', r.backfillId);
    const resume = last ? last.data.offset + last.data.size : 0;
    say(`backfill ${r.backfillId}: ${r.modelId} over ${arrivals.length} arrivals${resume ? `, from ${resume}` : ''}`);
    let classifier: Awaited<ReturnType<typeof openStoredClassifier>>;
    try {
      classifier = await openStoredClassifier(blobs, model, { masks: plot?.spec.masks ?? [] });
    } catch (err) {
      return failed({ code: 'model-error', reason: `the model cannot be loaded: ${(err as Error).message}` });
    }
    try {
      for (const b of batchesOf(arrivals.length, resume)) {
        if (signal.aborted) throw new Stopping('stopping');
        const slice = arrivals.slice(b.offset, b.offset + b.size);
        const verdicts = await classifier.classify([...new Set(slice.map((a) => a.imageId))]);
        await log.append({
          type: 'backfill.verdicts',
          id: backfillEventIds.batch(r.backfillId, b.offset),
          metadata,
          data: { ...ids, offset: b.offset, size: b.size, verdicts: judgedBatch(slice, verdicts) },
        });
      }
    } finally {
      await classifier.release();
    }
    // The summary is of what the stream holds, batches of earlier attempts included.
    const recorded = await readMatching(log, log.names.subject('backfill.verdicts', r.backfillId));
    const summary = summarize(
      arrivals.length,
      recorded.flatMap((x) => (x.type === 'backfill.verdicts' ? x.data.verdicts : [])),
    );
    await log.append({
      type: 'backfill.completed',
      id: backfillEventIds.outcome(r.backfillId),
      metadata,
      data: { ...ids, ...summary, durationSeconds: (performance.now() - t0) / 1000 },
    });
    say(
      `backfill ${r.backfillId}: ${summary.judged} judged, ${summary.agreed} of ${summary.compared} agree, ${summary.changed} changed`,
    );
    return true;
  }
}

/** The ids of an unreadable request, where its payload still has them. */
function salvage(payload: string): Pick<BackfillRequest, 'backfillId' | 'plotType' | 'modelId'> | null {
  const token = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : null);
  try {
    const d = (JSON.parse(payload) as { data?: Record<string, unknown> }).data ?? {};
    const [backfillId, plotType, modelId] = [token(d.backfillId), token(d.plotType), token(d.modelId)];
    return backfillId && plotType && modelId ? { backfillId, plotType, modelId } : null;
  } catch {
    return null;
  }
}
