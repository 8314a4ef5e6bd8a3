import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** val_predictions.json: the trained model's softmax on every validation sample (fp32, best epoch). */
export const valPredictionsSchema = z
  .object({
    labels: z.array(z.string()).min(2),
    samples: z.array(
      z.object({
        index: z.number().int().min(0),
        imageId: z.string(),
        label: z.number().int().min(0),
        probabilities: z.array(z.number().min(0).max(1)),
      }),
    ),
  })
  .refine((v) => v.samples.every((s) => s.label < v.labels.length && s.probabilities.length === v.labels.length), {
    message: 'every sample needs a label in range and one probability per label',
  });
export type ValPredictions = z.infer<typeof valPredictionsSchema>;

/** info.json: what the trainer ran with (frameworks, parameters, device, timings); kept as it is. */
export const trainerInfoSchema = z
  .object({
    frameworks: z.record(z.string(), z.string()),
    device: z.string(),
    amp: z.string(),
    epochs_run: z.number().int(),
    best_epoch: z.number().int(),
    timings: z.record(z.string(), z.number()),
    parameters: z.record(z.string(), z.unknown()),
  })
  .loose();
export type TrainerInfo = z.infer<typeof trainerInfoSchema>;

export async function readValPredictions(file: string): Promise<ValPredictions> {
  return valPredictionsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

export async function readTrainerInfo(file: string): Promise<TrainerInfo> {
  return trainerInfoSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}
