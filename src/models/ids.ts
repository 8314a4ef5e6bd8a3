import { createHash } from 'node:crypto';

/** Model ids: readable (the plot type first) and derived from where the model came from. */

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 10);

/** A trained model's id: readable (its plot type) and derived from the training, so a rerun names the same model. */
export function trainedModelId(plotType: string, trainingId: string): string {
  return `${plotType.slice(0, 100)}-t${short(trainingId)}`;
}

/** An imported model's id, from its bytes: importing the same file twice registers one model. */
export function importedModelId(plotType: string, onnxSha: string): string {
  return `${plotType.slice(0, 100)}-i${onnxSha.slice(0, 10)}`;
}
