import type { AnyNewEvent } from '../../src/events/log.ts';
import { trainingParametersSchema, type Evaluation } from '../../src/events/training.ts';
import { trainedModelId } from '../../src/models/ids.ts';
import { evaluate } from '../../src/training/evaluate.ts';
import { meta, shaOf } from './events.ts';

/** One validation sample of a synthetic run: its image, true label and the model's probabilities. */
export interface Sample {
  readonly imageId: string;
  readonly label: string;
  readonly probabilities: readonly number[];
}

export interface RunFacts {
  readonly trainingId: string;
  readonly modelId: string;
  readonly evaluation: Evaluation;
  readonly events: AnyNewEvent[];
}

/**
 * A training run as the training worker appends it: the request, one progress event per epoch and the completed
 * model, evaluated (by the real evaluate) on the given validation samples.
 */
export function trainingRun(
  plotType: string,
  trainingId: string,
  opts: {
    labels?: readonly string[];
    samples?: readonly Sample[];
    epochs?: number;
    requester?: string;
    parentModel?: string;
    valPredictions?: string;
  } = {},
): RunFacts {
  const labels = opts.labels ?? ['Good', 'Bad'];
  const samples =
    opts.samples ??
    Array.from({ length: 10 }, (_, i) => ({
      imageId: shaOf(`${trainingId}-${i}`),
      label: i < 5 ? 'Good' : 'Bad',
      probabilities: i === 4 ? [0.3, 0.7] : i < 5 ? [0.9, 0.1] : [0.2, 0.8],
    }));
  const evaluation = evaluate({
    labels,
    trueLabels: samples.map((s) => labels.indexOf(s.label)),
    probabilities: samples.map((s) => s.probabilities),
    imageIds: samples.map((s) => s.imageId),
  });
  const epochs = opts.epochs ?? 3;
  const parameters = trainingParametersSchema.parse({
    epochs,
    sampling: 'balanced',
    ...(opts.parentModel ? { parentModel: opts.parentModel } : {}),
  });
  const modelId = trainedModelId(plotType, trainingId);
  const perLabel = Object.fromEntries(labels.map((l) => [l, 4 * samples.filter((s) => s.label === l).length]));
  const user = opts.requester ?? 'ann';
  const events: AnyNewEvent[] = [
    {
      type: 'training.requested',
      metadata: { ...meta, user },
      data: { trainingId, plotType, parameters, reason: 'new labels', requester: user },
    },
    ...Array.from(
      { length: epochs },
      (_, i): AnyNewEvent => ({
        type: 'training.progress',
        metadata: meta,
        data: {
          trainingId,
          plotType,
          epoch: i + 1,
          epochs,
          loss: 1 / (i + 1),
          valLoss: 1.1 / (i + 1),
          valAccuracy: 0.6 + (0.3 * (i + 1)) / epochs,
        },
      }),
    ),
    {
      type: 'training.completed',
      metadata: meta,
      data: {
        trainingId,
        plotType,
        modelId,
        onnx: shaOf(`${trainingId}-onnx`),
        input: { width: 160, height: 120, channels: 3 },
        labels: [...labels],
        evaluation,
        dataset: {
          size: samples.length * 5,
          train: samples.length * 4,
          validation: samples.length,
          manifestHash: shaOf(`${trainingId}-manifest`),
          perLabel,
        },
        parameters,
        frameworks: { torch: '2.6.0', python: '3.13.1', onnx: '1.17' },
        durationSeconds: 42,
        trainer: { device: 'cpu', epochsRun: epochs, bestEpoch: epochs, imagesPerSecond: 300 },
        ...(opts.valPredictions
          ? { artifacts: { valPredictions: opts.valPredictions, info: shaOf(`${trainingId}-info`) } }
          : {}),
      },
    },
  ];
  return { trainingId, modelId, evaluation, events };
}

/** The trainer's val_predictions.json for these samples, as the training job stores it with the model. */
export function valPredictionsJson(labels: readonly string[], samples: readonly Sample[]): string {
  return JSON.stringify({
    labels,
    samples: samples.map((s, index) => ({
      index,
      imageId: s.imageId,
      label: labels.indexOf(s.label),
      probabilities: s.probabilities,
    })),
  });
}
