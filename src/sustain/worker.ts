import type { BlobStore } from '../blobs/store.ts';
import type { Db } from '../db/connection.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { AnyNewEvent, EventLog } from '../events/log.ts';
import { classifyStoredImages } from '../inference/classify-stored.ts';
import { activationBarOf, ModelLifecycleError } from '../models/decide.ts';
import { activateModel, signOffModel } from '../models/lifecycle.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { waitForStream } from '../projections/checkpoints.ts';
import { labelQueueProjection } from '../projections/label-queue/projection.ts';
import { activeModels, modelRow } from '../projections/models/queries.ts';
import { modelsProjection } from '../projections/models/projection.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { sustainProjection } from '../projections/sustain/projection.ts';
import { comparisonOf } from '../projections/sustain/queries.ts';
import { trainingsProjection } from '../projections/trainings/projection.ts';
import { lastTrainingRequestedBy } from '../projections/trainings/queries.ts';
import { verdictsProjection } from '../projections/verdicts/projection.ts';
import { DEFAULT_RETRAIN_SETTINGS } from '../events/plottype.ts';
import type { SustainEvidence } from '../events/sustain.ts';
import { assess, type SustainPolicy } from './assess.ts';
import { assessInputOf, samplesJudgedBy } from './evidence.ts';
import { compareModels, DEFAULT_RETRAIN_POLICY } from './policy.ts';
import { contactAddresses } from '../training/mail.ts';

/** The loop's own name: the requester of its trainings and the user of its sign-offs and activations. */
export const SUSTAIN_USER = 'sustain';

export const DEFAULT_SUSTAIN_POLICY: SustainPolicy = { ...DEFAULT_RETRAIN_POLICY, maxWaitMs: 24 * 3600_000 };

export interface SustainDeps {
  readonly log: EventLog;
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly plotTypes: PlotTypeCache;
  readonly admins: readonly string[];
  readonly policy?: SustainPolicy;
  /** A mail server is configured: the first assessment of a stale episode tells the plot type's contact. */
  readonly mailContacts?: boolean;
  /** How long a round waits for the read models to hold what the stream had when it began. */
  readonly readModelWaitMs?: number;
  readonly say?: (line: string) => void;
}

export interface SustainStats {
  handled: number;
  failed: number;
  lastMs: number;
  requested: number;
  compared: number;
}

/** What one round did for a plot type: its assessment's status, where its comparison stands, what it appended. */
export interface RoundResult {
  readonly plotType: string;
  readonly status: string;
  readonly comparison?: string;
  readonly appended: readonly string[];
  /** What the assessment was taken on (appended or not). */
  readonly evidence?: SustainEvidence;
}

const READ_MODELS = [
  labelQueueProjection,
  verdictsProjection,
  modelsProjection,
  trainingsProjection,
  sustainProjection,
];

/**
 * The self-sustaining loop (`hydra worker sustain`): every interval, for each plot type with an active model, it
 * assesses the model on the read models (src/sustain/evidence.ts, decided by assess()), appends the assessment
 * when it changed and a training.requested when the evidence says so; and once a training it requested has
 * completed and enough unbiased samples were labelled after it, compares the new model with the active one and
 * activates it where the plot type allows. Event ids come from what triggered them: a repeated round is one.
 */
export class SustainWorker {
  readonly stats: SustainStats = { handled: 0, failed: 0, lastMs: 0, requested: 0, compared: 0 };
  private readonly metadata: EventMetadata = { correlationId: 'sustain', producer: 'sustain', user: SUSTAIN_USER };
  private readonly policy: SustainPolicy;
  private stopping: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: SustainDeps) {
    this.policy = deps.policy ?? DEFAULT_SUSTAIN_POLICY;
  }

  /** Runs a round now and then every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    const stopping = new AbortController();
    this.stopping = stopping;
    this.loop = (async () => {
      while (!stopping.signal.aborted) {
        await this.round().catch((err: unknown) => {
          this.stats.failed++;
          this.deps.say?.(`sustain: round failed: ${(err as Error).message}`);
        });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, intervalMs);
          const wake = () => {
            clearTimeout(t);
            resolve();
          };
          stopping.signal.addEventListener('abort', wake, { once: true });
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.loop;
  }

  /** One round over every plot type with an active model. */
  async round(now: () => Date = () => new Date()): Promise<RoundResult[]> {
    const t0 = performance.now();
    await waitForStream(this.deps.db, this.deps.log, READ_MODELS, { timeoutMs: this.deps.readModelWaitMs ?? 30_000 });
    const out: RoundResult[] = [];
    for (const model of await activeModels(this.deps.db)) {
      const spec = this.deps.plotTypes.get(model.plotType);
      if (!spec) continue;
      try {
        const compared = await this.compare(model, spec.retrain ?? DEFAULT_RETRAIN_SETTINGS);
        const assessed = await this.assess(model, now());
        out.push({
          ...assessed,
          comparison: compared.status,
          appended: [...compared.appended, ...assessed.appended],
        });
        this.stats.handled++;
      } catch (err) {
        this.stats.failed++;
        this.deps.say?.(`sustain: ${model.plotType}: ${(err as Error).message}`);
      }
    }
    this.stats.lastMs = performance.now() - t0;
    return out;
  }

  private async assess(model: ModelRow, now: Date): Promise<RoundResult> {
    const found = await assessInputOf(this.deps.db, model, this.policy);
    if (!found) return { plotType: model.plotType, status: 'no-evaluation', appended: [] };
    const spec = this.deps.plotTypes.get(model.plotType);
    const input = this.deps.mailContacts ? { ...found, contact: contactAddresses(spec?.contact) } : found;
    const auto = (spec?.retrain ?? DEFAULT_RETRAIN_SETTINGS).auto;
    const { assessment, events } = assess(input, now, this.policy);
    const planned = auto ? events : events.filter((e) => e.type !== 'training.requested');
    const evidence = assessment.evidence;
    if (planned.length === 0) return { plotType: model.plotType, status: assessment.status, appended: [], evidence };
    // The assessment first: a training request is never on the stream without the assessment that gave its reason.
    for (const e of planned) {
      const data =
        e.type === 'sustain.assessed' && !auto
          ? (({ trainingId: _t, ...rest }) => ({ ...rest, why: `${rest.why} (retrain.auto is off)`.slice(0, 500) }))(
              e.data,
            )
          : e.data;
      await this.deps.log.append({ type: e.type, id: e.id, metadata: this.metadata, data } as AnyNewEvent);
      if (e.type === 'training.requested') this.stats.requested++;
    }
    this.deps.say?.(`sustain: ${model.plotType} ${assessment.status}: ${assessment.why}`);
    return { plotType: model.plotType, status: assessment.status, appended: planned.map((e) => e.type), evidence };
  }

  /** Champion (the active model) against the challenger its last sustain-requested training produced. */
  private async compare(
    champion: ModelRow,
    settings: { autoActivate: boolean; compareSamples: number },
  ): Promise<RoundResult> {
    const { db, log } = this.deps;
    const plotType = champion.plotType;
    const skip = (status: string): RoundResult => ({ plotType, status, appended: [] });
    const training = await lastTrainingRequestedBy(db, plotType, SUSTAIN_USER);
    if (training?.status !== 'completed' || !training.modelId || !training.finishedAt) return skip('no-challenger');
    if (training.modelId === champion.modelId || (await comparisonOf(db, training.trainingId))) return skip('compared');
    const challenger = await modelRow(db, training.modelId);
    if (!challenger || challenger.status === 'retired') return skip('no-challenger');
    // Labelled after the training ended: none of them can have been in its training set.
    const samples = await samplesJudgedBy(db, plotType, champion.modelId, { labelledAfter: training.finishedAt });
    if (samples.length < settings.compareSamples) return skip(`comparing after ${settings.compareSamples} labels`);
    const spec = this.deps.plotTypes.get(plotType);
    const verdicts = await classifyStoredImages(
      this.deps.blobs,
      challenger,
      { masks: spec?.masks ?? [] },
      samples.map((s) => s.imageId),
    );
    const judged = samples
      .filter((s) => verdicts.has(s.imageId))
      .map((s) => ({ label: s.label!, champion: s.verdict!, challenger: verdicts.get(s.imageId)!.verdict }));
    const c = compareModels(judged);
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const score = `challenger ${pct(c.challengerAccuracy)} against champion ${pct(c.championAccuracy)} on ${c.n} unbiased samples labelled after training (${c.challengerOnly} only the challenger got right, ${c.championOnly} only the champion; p = ${c.pValue.toExponential(1)})`;
    let outcome: 'activated' | 'awaits-sign-off' | 'champion-kept' = c.challengerBetter
      ? 'awaits-sign-off'
      : 'champion-kept';
    let why = c.challengerBetter
      ? `${score}: better; waits for an Expert's sign-off (retrain.autoActivate is off)`
      : `${score}: not significantly better; the champion stays`;
    if (c.challengerBetter && settings.autoActivate) {
      try {
        await this.activate(challenger, spec ? activationBarOf(spec) : activationBarOf(null), score);
        outcome = 'activated';
        why = `${score}: better; activated (retrain.autoActivate)`;
      } catch (err) {
        if (!(err instanceof ModelLifecycleError)) throw err;
        why = `${score}: better, but not activated: ${err.message}`;
      }
    }
    await log.append({
      type: 'sustain.compared',
      id: `${training.trainingId}:compared`,
      metadata: this.metadata,
      data: {
        plotType,
        trainingId: training.trainingId,
        championId: champion.modelId,
        challengerId: challenger.modelId,
        samples: c.n,
        championAccuracy: c.championAccuracy,
        challengerAccuracy: c.challengerAccuracy,
        challengerOnly: c.challengerOnly,
        championOnly: c.championOnly,
        pValue: c.pValue,
        outcome,
        why: why.slice(0, 500),
      },
    });
    this.stats.compared++;
    this.deps.say?.(`sustain: ${plotType} compared ${challenger.modelId}: ${why}`);
    return { plotType, status: outcome, appended: ['sustain.compared'] };
  }

  private async activate(challenger: ModelRow, bar: ReturnType<typeof activationBarOf>, score: string): Promise<void> {
    const { log } = this.deps;
    if (challenger.status === 'trained')
      await signOffModel(
        log,
        { modelId: challenger.modelId, user: SUSTAIN_USER, comment: `the loop's comparison: ${score}`.slice(0, 1000) },
        this.metadata,
      );
    await activateModel(
      log,
      {
        modelId: challenger.modelId,
        user: SUSTAIN_USER,
        override: false,
        admins: this.deps.admins,
        bar,
        belowBar: false,
      },
      this.metadata,
    );
  }
}
