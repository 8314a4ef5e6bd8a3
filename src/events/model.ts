import { z } from 'zod';
import { defineEvent, sha256Schema, tokenSchema } from './define.ts';
import { evaluationSchema, modelInputSchema } from './training.ts';

export const modelImported = defineEvent({
  type: 'model.imported',
  schema: z.object({
    modelId: tokenSchema,
    plotType: tokenSchema,
    onnx: sha256Schema,
    input: modelInputSchema,
    labels: z.array(tokenSchema),
    user: z.string().max(100),
    evaluation: evaluationSchema.optional(),
    comment: z.string().max(2000).optional(),
  }),
  description: 'A model trained elsewhere (ONNX) was validated and registered.',
  key: (d) => d.plotType,
});

export const modelSignedOff = defineEvent({
  type: 'model.signed-off',
  schema: z.object({
    modelId: tokenSchema,
    plotType: tokenSchema,
    user: z.string().max(100),
    comment: z.string().max(2000).optional(),
  }),
  description: 'An expert approved a model for use.',
  key: (d) => d.plotType,
});

export const modelActivated = defineEvent({
  type: 'model.activated',
  schema: z.object({
    modelId: tokenSchema,
    plotType: tokenSchema,
    user: z.string().max(100),
    previousModelId: tokenSchema.optional(),
    override: z.boolean().default(false),
    /** Activated although its validation was under the plot type's activation bar (someone accepted that). */
    belowBar: z.boolean().default(false),
  }),
  description: "A model became its plot type's active model (appended with an expected last sequence: one winner).",
  key: (d) => d.plotType,
});

export const modelRetired = defineEvent({
  type: 'model.retired',
  schema: z.object({
    modelId: tokenSchema,
    plotType: tokenSchema,
    user: z.string().max(100),
    reason: z.string().max(2000).optional(),
  }),
  description: 'A model was taken out of use.',
  key: (d) => d.plotType,
});

export const modelThresholdsChanged = defineEvent({
  type: 'model.thresholds-changed',
  schema: z.object({
    modelId: tokenSchema,
    plotType: tokenSchema,
    /** Every label's confirmation threshold from now on: a verdict is confirmed when its score is above it. */
    thresholds: z.record(tokenSchema, z.number().min(0).max(1)),
    /** The thresholds they replace. */
    previous: z.record(tokenSchema, z.number().min(0).max(1)),
    user: z.string().max(100),
    comment: z.string().max(2000).optional(),
  }),
  description: "An expert set a model's confirmation thresholds (per label); inference applies them to later verdicts.",
  key: (d) => d.plotType,
});

export const modelEvents = [
  modelImported,
  modelSignedOff,
  modelActivated,
  modelRetired,
  modelThresholdsChanged,
] as const;
