import { createHash } from 'node:crypto';
import os from 'node:os';
import type { BlobStore } from '../blobs/store.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { AnyNewEvent, EventLog } from '../events/log.ts';
import {
  ack,
  DurableConsumer,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../events/consume/index.ts';
import type { HydraEventOf } from '../events/catalog.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { preprocessBatch } from '../preprocess/index.ts';
import { samplingReason, wantsHeatmap } from '../verdicts/semantics.ts';
import type { Verdict } from './classify.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { heatmapPng, heatmapSize } from './heatmap.ts';
import type { ActiveModels, LoadedModel } from './active-models.ts';
import { runModel, type ModelRun } from './run-model.ts';

type Arrived = HydraEventOf<'image.arrived'>;
interface Job {
  readonly delivery: Delivery;
  readonly event: Arrived;
  readonly received: number;
}

export interface InferenceStats {
  handled: number;
  failed: number;
  lastMs: number;
  batches: number;
  histogram: Record<string, number>;
  /** Verdicts given again to another arrival of the same bytes, by the same model, without running it. */
  reused: number;
  /** Total milliseconds spent in each step, to see where a batch's time goes. */
  phases: { blobs: number; preprocess: number; model: number; heatmaps: number; append: number };
}

const BUCKETS = [5, 10, 20, 50, 100, 200, 500, 1000, Infinity];
const MAX_DELIVER = 5;
/** Verdicts remembered for reuse (an unchanged plot arrives again every chunk; a few per plot type suffice). */
const REMEMBERED = 1024;

/** A verdict computed for some bytes by a model under a plot type's settings, and its heatmap. */
interface Remembered {
  readonly v: Verdict;
  readonly heatmap: string | undefined;
}

/**
 * Classifies every arriving image. Any number of workers share one durable consumer, so JetStream
 * spreads the images among them; under a backlog each pull is a batch, run through the model at once.
 */
export class InferenceWorker {
  readonly stats: InferenceStats = {
    handled: 0,
    failed: 0,
    lastMs: 0,
    batches: 0,
    histogram: {},
    reused: 0,
    phases: { blobs: 0, preprocess: 0, model: 0, heatmaps: 0, append: 0 },
  };
  /** Verdicts by model, plot-type settings and image (content), newest last. */
  private readonly remembered = new Map<string, Remembered>();
  private readonly metadata: EventMetadata;
  private readonly consumer: DurableConsumer;

  constructor(
    private readonly log: EventLog,
    private readonly blobs: BlobStore,
    private readonly plotTypes: PlotTypeCache,
    private readonly models: ActiveModels,
    private readonly opts: { batchSize?: number; name?: string; say?: (l: string) => void } = {},
  ) {
    this.metadata = {
      correlationId: 'inference',
      producer: `inference@${opts.name ?? `${os.hostname()}:${process.pid}`}`,
    };
    this.consumer = new DurableConsumer(
      log,
      {
        durable: this.consumerName,
        filter: log.names.filter('image.arrived'),
        deliver: 'all',
        ackWaitMs: 30_000,
        // One more than the attempts: the last delivery records inference.failed instead of trying again.
        maxDeliver: MAX_DELIVER + 1,
        maxAckPending: 1000,
        retry: { baseMs: 1000, maxMs: 10_000 },
      },
      // Two batches at once: one is decoded (sharp, on libuv's threads) while the other is in the model (which
      // holds the event loop) or waits on its heatmaps and appends.
      { kind: 'batch', maxBatch: opts.batchSize ?? 16, concurrent: 2, handle: (ds) => this.handle(ds) },
      (line) => opts.say?.(`inference: ${line}`),
    );
  }

  get consumerName(): string {
    return this.log.names.consumer('inference');
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  /** Creates the shared durable (if new: from the first image in the stream) and starts classifying. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Terminates what is not an image.arrived; classifies the rest as one batch (a throw hands them all back). */
  private async handle(ds: readonly Delivery[]): Promise<Outcome[]> {
    const jobs: Job[] = [];
    const outcomes = ds.map((d): Outcome => {
      const item = d.read();
      if (!item.ok || item.event.type !== 'image.arrived') {
        const what = item.ok ? item.event.type : item.error.message;
        this.opts.say?.(`inference: message ${d.seq} is not an image.arrived event (${what}); terminated`);
        return term('not an image.arrived event');
      }
      jobs.push({ delivery: d, event: item.event, received: d.receivedAt });
      return ack;
    });
    await this.process(jobs);
    return outcomes;
  }

  /** One batch: everything appended, then acked; a batch that cannot be appended is retried. */
  private async process(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const t0 = performance.now();
    const events: AnyNewEvent[] = [];
    const byPlot = new Map<string, Job[]>();
    for (const j of jobs) {
      // Tried often enough: record the failure instead of trying forever.
      if (j.delivery.deliveryCount >= MAX_DELIVER)
        events.push(this.failed(j, `gave up after ${j.delivery.deliveryCount} attempts`));
      else byPlot.set(j.event.data.plotType, [...(byPlot.get(j.event.data.plotType) ?? []), j]);
    }
    for (const [plotType, group] of byPlot) events.push(...(await this.classifyGroup(plotType, group)));
    const tAppend = performance.now();
    await this.log.appendMany(events);
    this.stats.phases.append += performance.now() - tAppend;
    const ms = performance.now() - t0;
    this.stats.handled += jobs.length;
    this.stats.failed += events.filter((e) => e.type === 'inference.failed').length;
    this.stats.lastMs = ms;
    this.stats.batches++;
    const bucket = String(BUCKETS.find((b) => ms / jobs.length <= b));
    this.stats.histogram[bucket] = (this.stats.histogram[bucket] ?? 0) + jobs.length;
  }

  private failed(j: Job, reason: string, modelId?: string): AnyNewEvent {
    const { arrivalId, imageId, plotType } = j.event.data;
    return {
      type: 'inference.failed',
      id: `inference.failed:${arrivalId}`,
      metadata: this.meta(j),
      data: { arrivalId, imageId, plotType, reason: reason.slice(0, 2000), ...(modelId ? { modelId } : {}) },
    };
  }

  private meta(j: Job): EventMetadata {
    return { ...this.metadata, correlationId: j.event.metadata.correlationId, causationId: j.event.id };
  }

  private async classifyGroup(plotType: string, group: Job[]): Promise<AnyNewEvent[]> {
    const skipped = (reason: 'no-active-model' | 'ignored' | 'retired-plot-type') =>
      group.map(
        (j): AnyNewEvent => ({
          type: 'inference.skipped',
          id: `inference.skipped:${j.event.data.arrivalId}`,
          metadata: this.meta(j),
          data: { arrivalId: j.event.data.arrivalId, imageId: j.event.data.imageId, plotType, reason },
        }),
      );
    const spec = this.plotTypes.get(plotType);
    if (!spec) return skipped('retired-plot-type');
    if (spec.ignore) return skipped('ignored');
    let model: LoadedModel | null;
    try {
      model = await this.models.forPlotType(plotType);
    } catch (err) {
      return group.map((j) => this.failed(j, `the active model could not be loaded: ${(err as Error).message}`));
    }
    if (!model) return skipped('no-active-model');

    // Another arrival of bytes this model already judged under the same settings (and thresholds) gets that verdict
    // again.
    const settings = createHash('sha256')
      .update(JSON.stringify([spec, model.thresholds]))
      .digest('hex');
    const keyOf = (j: Job) => `${model.modelId}\n${j.event.data.imageId}\n${settings}`;
    const again: AnyNewEvent[] = [];
    const fresh = group.filter((j) => {
      const known = this.remembered.get(keyOf(j));
      if (known) again.push(...this.verdictEvents(j, spec, model.modelId, known, { preprocessMs: 0, modelMs: 0 }));
      return !known;
    });
    this.stats.reused += group.length - fresh.length;
    if (fresh.length === 0) return again;
    const decided = await this.classifyFresh(spec, model, fresh);
    for (const [j, known] of decided.remembered) this.remember(keyOf(j), known);
    return [...again, ...decided.events];
  }

  private remember(key: string, known: Remembered): void {
    this.remembered.delete(key);
    this.remembered.set(key, known);
    if (this.remembered.size > REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
  }

  /** The verdict on one arrival (and its joining the labelling queue when Bad or Unconfirmed). */
  private verdictEvents(
    j: Job,
    spec: PlotTypeSpec,
    modelId: string,
    { v, heatmap }: Remembered,
    timings: { preprocessMs: number; modelMs: number },
  ): AnyNewEvent[] {
    const d = j.event.data;
    const out: AnyNewEvent[] = [
      {
        type: 'inference.completed',
        id: `inference.completed:${d.arrivalId}`,
        metadata: this.meta(j),
        data: {
          arrivalId: d.arrivalId,
          imageId: d.imageId,
          plotType: d.plotType,
          run: d.run,
          chunk: d.chunk,
          pad: d.pad,
          arrivedAt: d.arrivedAt,
          modelId,
          scores: v.scores,
          verdict: v.verdict,
          confidence: v.confidence,
          confirmed: v.confirmed,
          ...(heatmap ? { heatmap } : {}),
          // The evidence of what the model was shown: the masks blanked by the shared preprocessing.
          ...(spec.masks.length
            ? { masks: spec.masks.map(({ x, y, width, height }) => ({ x, y, width, height })) }
            : {}),
          timings: {
            queueMs: Math.max(0, j.received - Date.parse(d.arrivedAt)),
            preprocessMs: round(timings.preprocessMs),
            modelMs: round(timings.modelMs),
          },
          worker: this.metadata.producer,
        },
      },
    ];
    const reason = samplingReason(spec, v);
    if (reason)
      out.push({
        type: 'image.sampled',
        id: `image.sampled:${reason}:${d.imageId}`,
        metadata: this.meta(j),
        data: { imageId: d.imageId, plotType: d.plotType, reason },
      });
    return out;
  }

  /** Runs the model on arrivals of bytes it has not judged yet: their events, and the verdicts to remember. */
  private async classifyFresh(
    spec: PlotTypeSpec,
    model: LoadedModel,
    group: readonly Job[],
  ): Promise<{ events: AnyNewEvent[]; remembered: [Job, Remembered][] }> {
    const remembered: [Job, Remembered][] = [];
    const tBlobs = performance.now();
    const bytes = await Promise.all(group.map((j) => this.blobs.get(j.event.data.imageId).catch((err: Error) => err)));
    const tPre = performance.now();
    this.stats.phases.blobs += tPre - tBlobs;
    const ok = group.map((_, i) => !(bytes[i] instanceof Error));
    const batch = await preprocessBatch(
      bytes.map((b) => (b instanceof Error ? new Uint8Array(0) : b)),
      {
        width: model.input.width,
        height: model.input.height,
        channels: model.input.channels as 1 | 3,
        masks: spec.masks,
      },
    );
    this.stats.phases.preprocess += performance.now() - tPre;
    const preprocessMs = (performance.now() - tPre) / group.length;

    const out: AnyNewEvent[] = [];
    const good: number[] = [];
    group.forEach((j, i) => {
      const r = batch.results[i]!;
      if (!ok[i]) out.push(this.failed(j, `image bytes not found: ${(bytes[i] as Error).message}`, model.modelId));
      else if (!r.ok) out.push(this.failed(j, `${r.error.code}: ${r.error.message}`, model.modelId));
      else good.push(i);
    });
    if (good.length === 0) return { events: out, remembered };

    const tModel = performance.now();
    let run: ModelRun;
    try {
      run = await runModel(model.session, model, batch.pixels, good);
    } catch (err) {
      const failed = good.map((gi) =>
        this.failed(group[gi]!, `the model failed: ${(err as Error).message}`, model.modelId),
      );
      return { events: [...out, ...failed], remembered };
    }
    this.stats.phases.model += performance.now() - tModel;
    const modelMs = (performance.now() - tModel) / good.length;
    const k = model.labels.length;
    const { verdicts, outputs } = run;
    const cams = model.hasCams ? outputs.cams : undefined;
    // Heatmaps are rendered and stored side by side, not one after another.
    const tHeat = performance.now();
    const heatmaps = await Promise.all(
      verdicts.map(async (v, n) => {
        if (!cams || !wantsHeatmap(spec, v)) return undefined;
        const d = group[good[n]!]!.event.data;
        const [, , ch, cw] = cams.dims as number[];
        const cells = ch! * cw!;
        const camData = (cams.data as Float32Array).subarray(
          (n * k + v.verdictIndex) * cells,
          (n * k + v.verdictIndex + 1) * cells,
        );
        const size = heatmapSize(cw!, ch!, d.width, d.height);
        // A heatmap is as good as always new: no lookup first (the store still keeps one copy of each).
        const png = await heatmapPng(camData, cw!, ch!, size.width, size.height);
        return (await this.blobs.put(png, 'image/png', { isNew: true })).sha256;
      }),
    );
    this.stats.phases.heatmaps += performance.now() - tHeat;
    verdicts.forEach((v, n) => {
      const j = group[good[n]!]!;
      const known = { v, heatmap: heatmaps[n] };
      out.push(...this.verdictEvents(j, spec, model.modelId, known, { preprocessMs, modelMs }));
      remembered.push([j, known]);
    });
    return { events: out, remembered };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
