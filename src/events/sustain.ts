import { z } from 'zod';
import { defineEvent, isoTime, tokenSchema, wholeNumber } from './define.ts';

/**
 * The self-sustaining loop's decisions (src/sustain/), each with the evidence it was taken on. A request to
 * retrain is a plain training.requested (requester `sustain`) whose reason is the assessment's `why`.
 */

const share = z.number().min(0).max(1);
const intervalSchema = z.object({ estimate: share.nullable(), low: share, high: share });

/** The verdict mix of src/sustain/mix.ts: the model's first live verdicts against its latest, per label. */
export const verdictMixSchema = z.object({
  reference: wholeNumber,
  recent: wholeNumber,
  labels: z.array(z.object({ label: tokenSchema, reference: wholeNumber, recent: wholeNumber })).max(100),
  /** The largest change of a label's share, and which label. */
  shift: share,
  shifted: tokenSchema,
  /** G-test statistic and its p-value. */
  statistic: z.number().min(0).max(1e9),
  pValue: share,
  drifting: z.boolean(),
});
export type VerdictMixEvidence = z.infer<typeof verdictMixSchema>;

export const sustainEvidenceSchema = z.object({
  validationAccuracy: share,
  /** Unbiased labelled samples in the window, and how many the model got right. */
  samples: wholeNumber,
  correct: wholeNumber,
  accuracy: intervalSchema,
  recall: z.record(tokenSchema, z.object({ samples: wholeNumber, recall: intervalSchema })),
  /** One-sided exact binomial p against validation less the policy's margin (null: too few samples). */
  pValue: share.nullable(),
  /** Population stability index of recent confidences against the training set's (null: too few verdicts). */
  drift: z.number().min(0).max(1000).nullable(),
  /** The verdict mix against the model's first live verdicts (null: too few verdicts; absent: assessed before it existed). */
  verdictMix: verdictMixSchema.nullable().optional(),
  /** Whether labelling lagged past the limit (whatever the status says first); absent on older assessments. */
  labelsStale: z.boolean().optional(),
  /** The plot type's contact was e-mailed that the figure is stale (once per stale episode), at these addresses. */
  notified: z.object({ to: z.array(z.email().max(200)).min(1).max(100) }).optional(),
  /** Unbiased samples waiting for a label, and the oldest one's wait. */
  waiting: wholeNumber,
  oldestWaitingMs: z.number().min(0).max(1e13),
  /** Sampling times the window covers. */
  from: isoTime.nullable(),
  to: isoTime.nullable(),
});
export type SustainEvidence = z.infer<typeof sustainEvidenceSchema>;

export const sustainStatus = z.enum(['ok', 'insufficient', 'stale', 'degraded', 'drifting', 'cooling-down']);
export type SustainStatus = z.infer<typeof sustainStatus>;

export const sustainAssessed = defineEvent({
  type: 'sustain.assessed',
  schema: z.object({
    plotType: tokenSchema,
    modelId: tokenSchema,
    status: sustainStatus,
    why: z.string().max(500),
    evidence: sustainEvidenceSchema,
    /** The training this assessment asked for, when it asked. */
    trainingId: tokenSchema.optional(),
  }),
  description:
    "The loop's judgement of a plot type's active model from the unbiased labelled sample and its confidences; appended when the status changes.",
  key: (d) => d.plotType,
});

export const sustainCompared = defineEvent({
  type: 'sustain.compared',
  schema: z.object({
    plotType: tokenSchema,
    trainingId: tokenSchema,
    championId: tokenSchema,
    challengerId: tokenSchema,
    samples: wholeNumber,
    championAccuracy: share,
    challengerAccuracy: share,
    /** Samples only the challenger got right, and only the champion. */
    challengerOnly: wholeNumber,
    championOnly: wholeNumber,
    pValue: share,
    outcome: z.enum(['activated', 'awaits-sign-off', 'champion-kept']),
    why: z.string().max(500),
  }),
  description: 'A retrained model (challenger) was compared with the active one on recent labelled samples.',
  key: (d) => d.plotType,
});

export const sustainEvents = [sustainAssessed, sustainCompared] as const;
