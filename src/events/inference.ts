import { z } from 'zod';
import { defineEvent, isoTime, sha256Schema, tokenSchema, wholeNumber } from './define.ts';
import { arrivalOfImage } from './image.ts';
import { maskRegionSchema } from './plottype.ts';

export const inferenceTimingsSchema = z.object({
  queueMs: z.number().min(0),
  preprocessMs: z.number().min(0),
  modelMs: z.number().min(0),
  publishMs: z.number().min(0).optional(),
});

const completedSchema = z.object({
  /** The arrival decided on (image.arrived's arrivalId); the image is its content. */
  arrivalId: sha256Schema,
  imageId: sha256Schema,
  plotType: tokenSchema,
  /** Where and when the arrival was observed; absent before version 2. */
  run: wholeNumber.optional(),
  chunk: wholeNumber.optional(),
  pad: wholeNumber.optional(),
  arrivedAt: isoTime.optional(),
  modelId: tokenSchema,
  scores: z.record(z.string(), z.number().min(0).max(1)),
  verdict: tokenSchema,
  confidence: z.number().min(0).max(1),
  confirmed: z.boolean(),
  heatmap: sha256Schema.optional(),
  /** The rectangles (source pixels) blanked before the model saw the image: the plot type's masks then. */
  masks: z
    .array(maskRegionSchema.omit({ reason: true }))
    .max(100)
    .optional(),
  timings: inferenceTimingsSchema,
  worker: z.string().max(200).optional(),
});

export const inferenceCompleted = defineEvent({
  type: 'inference.completed',
  schema: completedSchema,
  description:
    "A model's verdict on one arrival of an image, with every label's score and whether it passed its threshold.",
  key: (d) => d.imageId,
  // Version 2 added arrivalId (and where the arrival was observed); version 1 decided on an image's one arrival.
  version: 2,
  upcasters: { 1: arrivalOfImage },
  previous: { 1: completedSchema.omit({ arrivalId: true, run: true, chunk: true, pad: true, arrivedAt: true }) },
});

const skippedSchema = z.object({
  arrivalId: sha256Schema,
  imageId: sha256Schema,
  plotType: tokenSchema,
  reason: z.enum(['no-active-model', 'ignored', 'retired-plot-type']),
});

export const inferenceSkipped = defineEvent({
  type: 'inference.skipped',
  schema: skippedSchema,
  description: 'An arrival was not classified, and why (it is recorded, not dropped).',
  key: (d) => d.imageId,
  version: 2,
  upcasters: { 1: arrivalOfImage },
  previous: { 1: skippedSchema.omit({ arrivalId: true }) },
});

const failedSchema = z.object({
  arrivalId: sha256Schema,
  imageId: sha256Schema,
  plotType: tokenSchema,
  modelId: tokenSchema.optional(),
  reason: z.string().max(2000),
});

export const inferenceFailed = defineEvent({
  type: 'inference.failed',
  schema: failedSchema,
  description: 'An arrival could not be classified; it is not retried.',
  key: (d) => d.imageId,
  version: 2,
  upcasters: { 1: arrivalOfImage },
  previous: { 1: failedSchema.omit({ arrivalId: true }) },
});

export const inferenceEvents = [inferenceCompleted, inferenceSkipped, inferenceFailed] as const;
