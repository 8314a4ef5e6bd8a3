import { z } from 'zod';
import { defineEvent, isoTime, positiveWholeNumber, sha256Schema, tokenSchema, wholeNumber } from './define.ts';

/**
 * Running a model over history (src/backfill/): an Expert asks for a model (active or a candidate) to judge the stored
 * arrivals of a run or time range of its plot type; the backfill worker records what it said of each one beside the
 * verdict the arrival had. Nothing here changes a verdict: a backfill is what a model would have said.
 */

/** The most arrivals one backfill judges, and the most verdicts one backfill.verdicts event carries. */
export const BACKFILL_MAX_IMAGES = 10_000;
export const BACKFILL_BATCH = 100;

const share = z.number().min(0).max(1);
/** A verdicts-table outcome: a label, or (unconfirmed), (pending), (skipped), (failed). */
const outcomeSchema = z.string().min(1).max(140);

/**
 * Which ranges make sense (both ends of each, in order, one range at least) is checked where people type them
 * (`backfillRangeText`, `requestBackfill`) and by the worker: the schema bounds each field to what its column holds.
 */
const requestedSchema = z.object({
  backfillId: tokenSchema,
  plotType: tokenSchema,
  modelId: tokenSchema,
  /** Runs from–to, both included. */
  runFrom: wholeNumber.optional(),
  runTo: wholeNumber.optional(),
  /** Arrival times from (included) to (excluded). */
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** At most this many arrivals, the earliest of the range first. */
  limit: positiveWholeNumber.max(BACKFILL_MAX_IMAGES),
  user: z.string().max(100),
});

/** What is wrong with a backfill's range, or null: each range needs both ends, in order, and there must be one. */
export function rangeProblem(r: {
  runFrom?: number | undefined;
  runTo?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): string | null {
  if ((r.runFrom === undefined) !== (r.runTo === undefined)) return 'runs need both runFrom and runTo';
  if ((r.from === undefined) !== (r.to === undefined)) return 'times need both from and to';
  if (r.runFrom === undefined && r.from === undefined) return 'a backfill needs a run range, a time range or both';
  if (r.runFrom !== undefined && r.runFrom > r.runTo!) return 'runFrom must not be after runTo';
  if (r.from !== undefined && Date.parse(r.from) >= Date.parse(r.to!)) return 'from must be before to';
  return null;
}

export const backfillRequested = defineEvent({
  type: 'backfill.requested',
  schema: requestedSchema,
  description:
    "An Expert asked for a model to judge a plot type's stored arrivals of a run or time range (a backfill), to see how it would have judged them.",
  key: (d) => d.backfillId,
});

export const backfillStarted = defineEvent({
  type: 'backfill.started',
  schema: z.object({
    backfillId: tokenSchema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    /** Arrivals of the range the backfill judges (at most its limit). */
    total: wholeNumber,
    /** Only arrivals observed up to this instant (the request's): a range reaching into the future stays fixed. */
    upTo: isoTime,
  }),
  description: 'The backfill worker chose the arrivals a backfill judges.',
  key: (d) => d.backfillId,
});

const hadSchema = z.object({
  /** The arrival's verdicts-table outcome when the backfill judged it. */
  outcome: outcomeSchema,
  modelId: tokenSchema.optional(),
  verdict: tokenSchema.optional(),
  confidence: share.optional(),
  confirmed: z.boolean().optional(),
});

export const backfillVerdictSchema = z.object({
  arrivalId: sha256Schema,
  imageId: sha256Schema,
  run: wholeNumber.optional(),
  at: isoTime,
  verdict: tokenSchema,
  confidence: share,
  confirmed: z.boolean(),
  scores: z.record(tokenSchema, share),
  had: hadSchema,
});
export type BackfillVerdict = z.infer<typeof backfillVerdictSchema>;

export const backfillVerdicts = defineEvent({
  type: 'backfill.verdicts',
  schema: z.object({
    backfillId: tokenSchema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    /** The arrivals `offset` … `offset + size - 1` of the backfill's choice; those missing could not be read. */
    offset: wholeNumber,
    size: positiveWholeNumber.max(BACKFILL_BATCH),
    verdicts: z.array(backfillVerdictSchema).max(BACKFILL_BATCH),
  }),
  description: "One batch of a backfill: the model's verdict on each arrival beside the verdict it had.",
  key: (d) => d.backfillId,
});

export const backfillPairSchema = z.object({ had: outcomeSchema, now: outcomeSchema, count: positiveWholeNumber });
export type BackfillPair = z.infer<typeof backfillPairSchema>;

export const backfillCompleted = defineEvent({
  type: 'backfill.completed',
  schema: z.object({
    backfillId: tokenSchema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    total: wholeNumber,
    /** Judged by the model; unreadable: bytes gone or not decodable. */
    judged: wholeNumber,
    unreadable: wholeNumber,
    /** Judged arrivals that had a verdict, and how many of those the model judged the same (label and confirmation). */
    compared: wholeNumber,
    agreed: wholeNumber,
    /** Judged arrivals whose outcome differs from the one they had (a verdict they lacked included). */
    changed: wholeNumber,
    /** Every (had → now) outcome pair with its count, most frequent first. */
    pairs: z.array(backfillPairSchema).max(1000),
    durationSeconds: z.number().min(0).max(1e7),
  }),
  description: 'A backfill judged every arrival of its range; its agreement with the verdicts they had.',
  key: (d) => d.backfillId,
});

export const backfillFailed = defineEvent({
  type: 'backfill.failed',
  schema: z.object({
    backfillId: tokenSchema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    code: z.enum(['unknown-model', 'retired-model', 'wrong-plot-type', 'model-error', 'crashed', 'invalid-request']),
    reason: z.string().max(2000),
  }),
  description: 'A backfill could not be done, and why.',
  key: (d) => d.backfillId,
});

export const backfillEvents = [
  backfillRequested,
  backfillStarted,
  backfillVerdicts,
  backfillCompleted,
  backfillFailed,
] as const;
