import { z } from 'zod';
import { defineEvent, positiveWholeNumber, sha256Schema, tokenSchema, wholeNumber } from './define.ts';

/** The input shape a model takes (pixels and channels). */
export const modelInputSchema = z.object({
  width: positiveWholeNumber,
  height: positiveWholeNumber,
  channels: positiveWholeNumber,
});

export const trainingParametersSchema = z.object({
  epochs: z.number().int().positive().max(1000).default(30),
  learningRate: z.number().positive().max(1).default(0.003),
  batchSize: z.number().int().positive().max(4096).default(32),
  annealing: z.enum(['cosine', 'step', 'none']).default('cosine'),
  patience: z.number().int().min(0).default(5),
  minDelta: z.number().min(0).default(0.001),
  validationFraction: z.number().gt(0).lt(1).default(0.2),
  sampling: z.enum(['none', 'balanced', 'weighted']).optional(),
  seed: z.number().int().min(0).default(1),
  minPerClass: z.number().int().positive().default(5),
  parentModel: tokenSchema.optional(),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /**
   * shipped: start from models/backbone/ and train its last block and the head (seconds); none: train every
   * block from scratch. Absent: shipped where the plot type's input has 3 channels and a backbone ships.
   */
  backbone: z.enum(['shipped', 'none']).optional(),
});
export type TrainingParameters = z.infer<typeof trainingParametersSchema>;

/** Per-cell histogram of the model's confidence, for the enhanced confusion matrix. */
export const evaluationSchema = z.object({
  labels: z.array(tokenSchema),
  confusion: z.array(z.array(z.number().int().min(0))),
  confidenceHistograms: z.array(z.array(z.array(z.number().int().min(0)))),
  precision: z.record(z.string(), z.number()),
  recall: z.record(z.string(), z.number()),
  thresholds: z.record(z.string(), z.number().min(0).max(1)),
  accuracy: z.number().min(0).max(1),
  calibrationError: z.number().min(0),
  misclassified: z.array(
    z.object({ imageId: sha256Schema, label: tokenSchema, predicted: tokenSchema, confidence: z.number() }),
  ),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

export const trainingRequested = defineEvent({
  type: 'training.requested',
  schema: z.object({
    trainingId: tokenSchema,
    plotType: tokenSchema,
    parameters: trainingParametersSchema,
    reason: z.string().max(500),
    requester: z.string().max(100),
  }),
  description: 'Someone (or the self-sustaining loop) asked for a model to be trained.',
  key: (d) => d.trainingId,
});

export const trainingProgress = defineEvent({
  type: 'training.progress',
  schema: z.object({
    trainingId: tokenSchema,
    plotType: tokenSchema,
    epoch: z.number().int().min(0),
    epochs: z.number().int().positive(),
    loss: z.number(),
    valLoss: z.number().optional(),
    valAccuracy: z.number().min(0).max(1),
    /** Mean per-label validation recall: what picks the best epoch (a majority-label model cannot win it). */
    valBalancedAccuracy: z.number().min(0).max(1).optional(),
    /** Validation recall of each label, by name. */
    valRecall: z.record(tokenSchema, z.number().min(0).max(1)).optional(),
    learningRate: z.number().optional(),
    imagesPerSecond: z.number().min(0).optional(),
  }),
  description: 'One finished epoch of a training run.',
  key: (d) => d.trainingId,
});

export const trainingCompleted = defineEvent({
  type: 'training.completed',
  schema: z.object({
    trainingId: tokenSchema,
    plotType: tokenSchema,
    modelId: tokenSchema,
    onnx: sha256Schema,
    input: modelInputSchema,
    labels: z.array(tokenSchema),
    evaluation: evaluationSchema,
    dataset: z.object({
      size: wholeNumber,
      train: wholeNumber,
      validation: wholeNumber,
      manifestHash: sha256Schema,
      perLabel: z.record(z.string(), wholeNumber),
      /** Labelled images left out because their bytes could not be loaded or decoded. */
      skipped: wholeNumber.optional(),
    }),
    parameters: trainingParametersSchema,
    frameworks: z.record(z.string(), z.string()),
    durationSeconds: z.number().min(0),
    trainer: z
      .object({
        device: z.string(),
        epochsRun: wholeNumber,
        bestEpoch: wholeNumber,
        imagesPerSecond: z.number().min(0),
      })
      .optional(),
    /**
     * Blobs (SHA-256) kept with the model: the trainer's softmax on every validation image, its info.json, and the
     * trained network's weights (what a retraining with this model as parentModel starts from; absent before).
     */
    artifacts: z
      .object({ valPredictions: sha256Schema, info: sha256Schema, weights: sha256Schema.optional() })
      .optional(),
  }),
  description: 'A model was trained and evaluated; it waits for sign-off.',
  key: (d) => d.trainingId,
});

export const trainingFailed = defineEvent({
  type: 'training.failed',
  schema: z.object({
    trainingId: tokenSchema,
    plotType: tokenSchema,
    code: z.enum([
      'too-few-labels',
      'nan-loss',
      'out-of-memory',
      'no-torch',
      'trainer-crashed',
      'dataset-error',
      'invalid-request',
      'cancelled',
    ]),
    reason: z.string().max(4000),
    /** Who cancelled it (code `cancelled`): from the Library or `hydra train cancel`. */
    user: z.string().max(100).optional(),
  }),
  description: 'A training run failed, with the reason (or was cancelled, code cancelled, by someone).',
  key: (d) => d.trainingId,
});

export const trainingEvents = [trainingRequested, trainingProgress, trainingCompleted, trainingFailed] as const;
