import { z } from 'zod';
import { defineEvent, sha256Schema, tokenSchema } from './define.ts';

export const inferenceTimingsSchema = z.object({
  queueMs: z.number().min(0),
  preprocessMs: z.number().min(0),
  modelMs: z.number().min(0),
  publishMs: z.number().min(0).optional(),
});

export const inferenceCompleted = defineEvent({
  type: 'inference.completed',
  schema: z.object({
    imageId: sha256Schema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    scores: z.record(z.string(), z.number().min(0).max(1)),
    verdict: tokenSchema,
    confidence: z.number().min(0).max(1),
    confirmed: z.boolean(),
    heatmap: sha256Schema.optional(),
    timings: inferenceTimingsSchema,
    worker: z.string().max(200).optional(),
  }),
  description: "A model's verdict on an image, with every label's score and whether it passed its threshold.",
  key: (d) => d.imageId,
});

export const inferenceSkipped = defineEvent({
  type: 'inference.skipped',
  schema: z.object({
    imageId: sha256Schema,
    plotType: tokenSchema,
    reason: z.enum(['no-active-model', 'ignored', 'retired-plot-type']),
  }),
  description: 'An image was not classified, and why (it is recorded, not dropped).',
  key: (d) => d.imageId,
});

export const inferenceFailed = defineEvent({
  type: 'inference.failed',
  schema: z.object({
    imageId: sha256Schema,
    plotType: tokenSchema,
    modelId: tokenSchema.optional(),
    reason: z.string().max(2000),
  }),
  description: 'An image could not be classified; it is not retried.',
  key: (d) => d.imageId,
});

export const inferenceEvents = [inferenceCompleted, inferenceSkipped, inferenceFailed] as const;
