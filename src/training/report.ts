import type { BlobStore } from '../blobs/store.ts';
import type { Evaluation } from '../events/training.ts';
import { argmax } from './evaluate.ts';
import { valPredictionsSchema, type ValPredictions } from './trainer-output.ts';

/**
 * The training report's view of the validation set, pure: every validation image with its true label, the model's
 * verdict, confidence and every label's score, from the trainer's own predictions (kept as a blob with the model).
 */

export interface ReportSample {
  readonly imageId: string;
  readonly label: string;
  readonly predicted: string;
  readonly confidence: number;
  /** Every label's score; empty when the run kept no per-image predictions. */
  readonly scores: Readonly<Record<string, number>>;
}

/** Every validation sample, most confident first (the order the evaluation lists misclassified ones in). */
export function reportSamples(preds: ValPredictions): ReportSample[] {
  return preds.samples
    .map((s) => {
      const p = argmax(s.probabilities);
      return {
        imageId: s.imageId,
        label: preds.labels[s.label]!,
        predicted: preds.labels[p]!,
        confidence: s.probabilities[p]!,
        scores: Object.fromEntries(preds.labels.map((l, i) => [l, s.probabilities[i]!])),
      };
    })
    .sort((a, b) => b.confidence - a.confidence);
}

/**
 * The samples the report can show: all of them from the predictions, or (a run that kept none) only the
 * misclassified ones the evaluation names, with their confidence alone.
 */
export function samplesOf(evaluation: Evaluation, preds: ValPredictions | null): ReportSample[] {
  if (preds) return reportSamples(preds);
  return evaluation.misclassified.map((m) => ({ ...m, scores: {} }));
}

/** The images of one cell of the confusion matrix (true label, predicted label). */
export const cellOf = (samples: readonly ReportSample[], label: string, predicted: string): ReportSample[] =>
  samples.filter((s) => s.label === label && s.predicted === predicted);

export const misclassifiedOf = (samples: readonly ReportSample[]): ReportSample[] =>
  samples.filter((s) => s.label !== s.predicted);

/** The trainer's validation predictions kept with a model, or null for a run that kept none. */
export async function loadValPredictions(blobs: BlobStore, sha: string | undefined): Promise<ValPredictions | null> {
  if (!sha) return null;
  return valPredictionsSchema.parse(JSON.parse(Buffer.from(await blobs.get(sha)).toString('utf8')));
}
