import type { EventInput } from '../events/catalog.ts';
import type { SustainEvidence, SustainStatus } from '../events/sustain.ts';
import { trainingParametersSchema } from '../events/training.ts';
import {
  decideRetrain,
  type Freshness,
  type FreshnessPolicy,
  labelFreshness,
  type ModelEvidence,
  type RetrainPolicy,
  type Waiting,
} from './policy.ts';

/**
 * One assessment of a plot type's active model, pure: the decision of src/sustain/policy.ts turned into a
 * status, and the events it makes the loop append. An assessment is appended only when the status (or the
 * model, or whether labelling lags) changes, so a steady model costs nothing on the stream; a retraining request
 * always comes with the assessment that gave its reason. The assessment that starts a stale episode records that the
 * plot type's contact is to be told (evidence.notified): the mailer sends what the stream decided, once.
 */

export interface Assessment {
  readonly status: SustainStatus;
  readonly why: string;
  readonly evidence: SustainEvidence;
}

/** The last assessment the stream holds for a plot type. */
export interface PreviousAssessment {
  readonly modelId: string;
  readonly status: SustainStatus;
  /** Whether labelling lagged then (older assessments: their status said so). */
  readonly labelsStale?: boolean;
}

export interface AssessInput {
  readonly plotType: string;
  readonly model: ModelEvidence;
  /** The unbiased samples still waiting for a label. */
  readonly waiting: Waiting;
  readonly previous: PreviousAssessment | null;
  /** Id for the training it may request (and the events' ids): derived from what triggered the assessment, so a retry is one. */
  readonly trainingId: string;
  /** Addresses to e-mail when labelling turns stale (empty or absent: no mail server, or no contact). */
  readonly contact?: readonly string[];
}

export interface SustainPolicy extends RetrainPolicy, FreshnessPolicy {}

/** An event to append (metadata added by the wiring); its id makes a retried assessment one. */
export type PlannedEvent = {
  [T in 'sustain.assessed' | 'training.requested']: {
    readonly type: T;
    readonly id: string;
    readonly data: EventInput<T>;
  };
}['sustain.assessed' | 'training.requested'];

export function assess(
  input: AssessInput,
  now: Date,
  policy: SustainPolicy,
): { assessment: Assessment; events: PlannedEvent[] } {
  const decision = decideRetrain(input.model, now, policy);
  const latest = input.model.samples.at(-1)?.sampledAt ?? null;
  const freshness: Freshness = labelFreshness(input.waiting, latest, now, policy);
  const { trailing, pValue, drift, mix, validationAccuracy } = decision.evidence;
  const wasStale = input.previous ? (input.previous.labelsStale ?? input.previous.status === 'stale') : false;
  // A stale episode begins when labelling starts to lag; its first assessment tells the contact, the rest do not.
  const tell = freshness.stale && !wasStale && input.contact?.length ? [...input.contact] : null;
  const evidence: SustainEvidence = {
    validationAccuracy,
    samples: trailing.n,
    correct: trailing.correct,
    accuracy: interval(trailing.accuracy),
    recall: Object.fromEntries(
      Object.entries(trailing.recall).map(([label, r]) => [label, { samples: r.n, recall: interval(r.recall) }]),
    ),
    pValue,
    drift,
    verdictMix: mix && { ...mix, statistic: Math.min(mix.statistic, 1e9), labels: mix.labels.slice(0, 100) },
    labelsStale: freshness.stale,
    ...(tell ? { notified: { to: tell } } : {}),
    waiting: freshness.waiting,
    oldestWaitingMs: freshness.oldestWaitingMs,
    from: trailing.from,
    to: trailing.to,
  };
  const status: SustainStatus = decision.retrain
    ? 'degraded'
    : decision.why.startsWith('cooling down')
      ? 'cooling-down'
      : freshness.stale
        ? 'stale'
        : decision.drifting
          ? 'drifting'
          : pValue === null
            ? 'insufficient'
            : 'ok';
  const lag = `labelling lags: the oldest of ${freshness.waiting} unbiased samples has waited ${hours(freshness.oldestWaitingMs)}`;
  const why =
    status === 'stale' ? `${lag}; ${decision.why}` : freshness.stale ? `${decision.why}; ${lag}` : decision.why;
  const assessment: Assessment = { status, why: why.slice(0, 500), evidence };
  const changed =
    decision.retrain ||
    input.previous === null ||
    input.previous.modelId !== input.model.modelId ||
    input.previous.status !== status ||
    wasStale !== freshness.stale;
  if (!changed) return { assessment, events: [] };
  const events: PlannedEvent[] = [
    {
      type: 'sustain.assessed',
      id: `${input.trainingId}:assessed`,
      data: {
        plotType: input.plotType,
        modelId: input.model.modelId,
        ...assessment,
        ...(decision.retrain ? { trainingId: input.trainingId } : {}),
      },
    },
    ...(decision.retrain
      ? [
          {
            type: 'training.requested' as const,
            id: `${input.trainingId}:requested`,
            data: {
              trainingId: input.trainingId,
              plotType: input.plotType,
              parameters: trainingParametersSchema.parse({ parentModel: input.model.modelId }),
              reason: assessment.why,
              requester: 'sustain',
            },
          },
        ]
      : []),
  ];
  return { assessment, events };
}

function interval(i: { estimate: number; low: number; high: number }) {
  return { estimate: Number.isNaN(i.estimate) ? null : i.estimate, low: i.low, high: i.high };
}

function hours(ms: number): string {
  return ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}
