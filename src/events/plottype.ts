import { z } from 'zod';
import { defineEvent, tokenSchema } from './define.ts';

/** A label a plot type's model can give, with its reserved colour and whether it raises alarms. */
export const labelSpecSchema = z.object({
  name: tokenSchema,
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb'),
  alarms: z.boolean().default(false),
});

/** A rectangle in image coordinates (pixels of the original image) blanked before inference. */
export const maskRegionSchema = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  reason: z.string().max(200).optional(),
});

export const alarmPolicySchema = z.object({
  labels: z.array(tokenSchema).default(['Bad']),
  minConfidence: z.number().min(0).max(1).default(0.5),
  consecutive: z.number().int().positive().default(2),
});

/** What a model must show on validation to be activated without an explicit override. */
export const activationBarSchema = z.object({
  minBalancedAccuracy: z.number().min(0).max(1).default(0.8),
  minRecall: z.number().min(0).max(1).default(0.5),
});
export const DEFAULT_ACTIVATION_BAR = activationBarSchema.parse({});

/** What the self-sustaining loop (hydra worker sustain) may do for a plot type on its own. */
export const retrainPolicySchema = z.object({
  /** Request a training when the evidence says the active model got worse. */
  auto: z.boolean().default(true),
  /** Activate a retrained model that beat the active one (else it waits for an Expert's sign-off). */
  autoActivate: z.boolean().default(false),
  /** Unbiased samples labelled after a retraining before the two models are compared. */
  compareSamples: z.number().int().min(5).max(10_000).default(30),
});
export const DEFAULT_RETRAIN_SETTINGS = retrainPolicySchema.parse({});

export const plotTypeSpecSchema = z.object({
  name: tokenSchema,
  title: z.string().max(200).optional(),
  detector: z.string().min(1).max(64),
  /** Regex with named groups plot, pad, chunk (and optionally run), matched against the file name. */
  pattern: z.string().min(1).max(500),
  labels: z.array(labelSpecSchema).min(2),
  input: z.object({
    width: z.number().int().min(8).max(2048),
    height: z.number().int().min(8).max(2048),
    channels: z.union([z.literal(1), z.literal(3)]),
  }),
  collectPercent: z.number().min(0).max(100).default(5),
  ignore: z.boolean().default(false),
  hidden: z.boolean().default(false),
  masks: z.array(maskRegionSchema).max(100).default([]),
  contact: z.string().max(200).optional(),
  alarmPolicy: alarmPolicySchema.default({ labels: ['Bad'], minConfidence: 0.5, consecutive: 2 }),
  heatmap: z.enum(['always', 'bad', 'never']).default('bad'),
  sampling: z.enum(['none', 'balanced', 'weighted']).default('balanced'),
  activationBar: activationBarSchema.default(DEFAULT_ACTIVATION_BAR),
  retrain: retrainPolicySchema.default(DEFAULT_RETRAIN_SETTINGS),
});
export type PlotTypeSpec = z.infer<typeof plotTypeSpecSchema>;

export const plotTypeDefined = defineEvent({
  type: 'plottype.defined',
  schema: plotTypeSpecSchema,
  description: 'A new plot type is configured.',
  key: (d) => d.name,
});
export const plotTypeUpdated = defineEvent({
  type: 'plottype.updated',
  schema: plotTypeSpecSchema,
  description: 'A plot type configuration changed; data is the whole new configuration.',
  key: (d) => d.name,
});
export const plotTypeRetired = defineEvent({
  type: 'plottype.retired',
  schema: z.object({ name: tokenSchema, reason: z.string().max(500).optional() }),
  description: 'A plot type is no longer in use.',
  key: (d) => d.name,
});

export const plotTypeEvents = [plotTypeDefined, plotTypeUpdated, plotTypeRetired] as const;
